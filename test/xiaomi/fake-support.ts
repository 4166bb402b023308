// The fake TUTK library for the tests: built once per run with gcc (a missing compiler fails the
// test with the install step), plus its FakeTutk_* hooks for tests that load it in-process, and
// a reader for the event log it appends to $FAKE_TUTK_LOG from child processes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Koffi from 'koffi' with { 'resolution-mode': 'import' };
import { FakeTutkBuild, buildFakeTutk } from '../../sim/xiaomi/fake-tutk-build';
import { requireTool } from '../support/ffmpeg';

const koffi: typeof Koffi = require('koffi');

let built: FakeTutkBuild | null = null;

export function fakeTutk(): FakeTutkBuild {
  if (!built) {
    requireTool('gcc');
    built = buildFakeTutk();
  }
  return built;
}

export interface FakeLogSummary {
  calls: Record<string, number>;
  openSessions: number;
  openChannels: number;
  sessionsOpened: number;
  sessionsFreed: number;
  channelsOpened: number;
  channelsClosed: number;
  leakedAtDeinit: number;
  iotcInitialised: number;
  avInitialised: number;
  framesTotal: number;
  ioctrl: { type: number; len: number; hex: string }[];
  teardown: string;
}

export interface FakeHooks {
  reset(): void;
  setScenario(kv: string): void;
  log(): FakeLogSummary;
}

/** The hooks of the fake loaded in this process (the same dlopen handle the binding uses). */
export function fakeHooks(file: string): FakeHooks {
  const lib = koffi.load(file, { global: true });
  const reset = lib.func('void FakeTutk_Reset()');
  const setScenario = lib.func('int FakeTutk_SetScenario(const char *kv)');
  const getLog = lib.func('int FakeTutk_GetLog(_Out_ uint8_t *buf, int max)');
  return {
    reset: () => reset(),
    setScenario: (kv) => setScenario(kv),
    log: () => {
      const buf = Buffer.alloc(64 * 1024);
      const n = getLog(buf, buf.length);
      return JSON.parse(buf.subarray(0, Math.min(n, buf.length - 1)).toString('utf8')) as FakeLogSummary;
    },
  };
}

export interface FakeEvent {
  pid: number;
  t: number;
  ev: string;
  [key: string]: unknown;
}

/** A fresh file for the fake's event log (one JSON line per event, from any process). */
export function fakeLogFile(): { file: string; events(): FakeEvent[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-fake-log-'));
  const file = path.join(dir, 'events.jsonl');
  return {
    file,
    events: () => {
      if (!fs.existsSync(file)) return [];
      return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as FakeEvent);
    },
  };
}

/** Per process: sessions and channels opened and closed, from the event log. */
export function balance(events: FakeEvent[]): Map<number, { sessionsOpened: number; sessionsFreed: number; channelsOpened: number; channelsClosed: number; leaked: number }> {
  const out = new Map<number, { sessionsOpened: number; sessionsFreed: number; channelsOpened: number; channelsClosed: number; leaked: number }>();
  for (const e of events) {
    const b = out.get(e.pid) ?? { sessionsOpened: 0, sessionsFreed: 0, channelsOpened: 0, channelsClosed: 0, leaked: 0 };
    if (e.ev === 'session_open' && (e.sid as number) >= 0) b.sessionsOpened++;
    if (e.ev === 'session_free') {
      b.sessionsFreed++;
      if (e.why === 'deinit') b.leaked++;
    }
    if (e.ev === 'channel_open') b.channelsOpened++;
    if (e.ev === 'channel_close') b.channelsClosed++;
    if (e.ev === 'avDeInitialize') b.leaked += Number(e.leakedChannels ?? 0);
    out.set(e.pid, b);
  }
  return out;
}
