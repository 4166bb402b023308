// The camera's child process end to end, against the fake library: frames over the binary pipe
// per the frame contract, reconnects inside the child with the library initialised once, a
// segfault and a hang survived by restarting the child, configuration errors reported once and
// not retried, and the fake's event log proving every session and channel was closed.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FanoutHub, HubStateInfo } from '../../nodes/core/fanout-hub';
import type { FrameMessage } from '../../nodes/core/frame';
import { ChildConfig, DEFAULT_CHILD_CONFIG } from '../../nodes/xiaomi/child-messages';
import { HostEvent, TutkHost } from '../../nodes/xiaomi/tutk-host';
import { delay, waitFor } from '../support/node-red';
import { balance, fakeLogFile, fakeTutk } from './fake-support';

interface Rig {
  hub: FanoutHub<FrameMessage>;
  host: TutkHost;
  frames: FrameMessage[];
  events: HostEvent[];
  states: HubStateInfo[];
  configErrors: Error[];
  log: ReturnType<typeof fakeLogFile>;
  close(): Promise<void>;
}

const rigs: Rig[] = [];

function rig(scenario: string, config: Partial<ChildConfig> = {}, watchdogMs = 15_000, stopGraceMs?: number, childEntry?: string): Rig {
  const fake = fakeTutk();
  const log = fakeLogFile();
  const events: HostEvent[] = [];
  const frames: FrameMessage[] = [];
  const states: HubStateInfo[] = [];
  const configErrors: Error[] = [];
  const host = new TutkHost({
    camera: 'porch',
    watchdogMs,
    stopGraceMs,
    childEntry,
    config: {
      ...DEFAULT_CHILD_CONFIG, library: { kind: 'pair', iotc: fake.iotc, av: fake.av }, uid: 'FAKEUID0000000000001', account: 'admin', password: '888888',
      reconnectInitialMs: 50, reconnectMaxMs: 200, ...config,
    },
    env: { FAKE_TUTK_SCENARIO: scenario, FAKE_TUTK_LOG: log.file },
    onEvent: (e) => events.push(e),
  });
  host.setConfigErrorHandler((err) => configErrors.push(err));
  const hub = new FanoutHub<FrameMessage>(host, { backoff: { initialMs: 50, maxMs: 200, jitter: 0 }, onState: (s) => states.push(s) });
  const r: Rig = {
    hub, host, frames, events, states, configErrors, log,
    close: async () => {
      hub.close();
      await host.closed();
    },
  };
  rigs.push(r);
  return r;
}

function subscribe(r: Rig): void {
  r.hub.subscribe({ deliver: (m) => { r.frames.push(m); } }, { queueLimit: 1000 });
}

const of = <T extends HostEvent['type']>(r: Rig, type: T) => r.events.filter((e): e is Extract<HostEvent, { type: T }> => e.type === type);

describe('camera child process (fake library)', () => {
  afterEach(async () => {
    while (rigs.length) await rigs.pop()!.close();
  });

  it('streams frames per the frame contract and closes every session and channel on stop', async () => {
    const r = rig('fps=30;gop=10');
    subscribe(r);
    await waitFor(() => r.frames.filter((f) => f.frame.kind === 'video').length >= 12 && r.frames.some((f) => f.frame.kind === 'audio'), 20_000, 'frames');
    const video = r.frames.filter((f) => f.frame.kind === 'video');
    assert.equal(video[0].topic, 'porch');
    const { timestamp, ...first } = video[0].frame;
    assert.ok(timestamp > Date.now() - 60_000);
    assert.deepEqual(first, { camera: 'porch', source: 'xiaomi', kind: 'video', codec: 'h264', keyframe: true, seq: 0, width: 64, height: 48 });
    assert.deepEqual(video.slice(0, 12).map((f) => f.frame.seq), [...Array(12).keys()]);
    assert.deepEqual(video.slice(0, 12).map((f) => f.frame.keyframe), [...Array(12).keys()].map((i) => i % 10 === 0));
    const audio = r.frames.find((f) => f.frame.kind === 'audio')!;
    assert.deepEqual({ ...audio.frame, timestamp: 0 }, { camera: 'porch', source: 'xiaomi', kind: 'audio', codec: 'pcma', keyframe: true, seq: 0, timestamp: 0, sampleRate: 8000, channels: 1 });
    assert.deepEqual(of(r, 'ready')[0], { type: 'ready', iotcVersion: '2.1.3.0', avVersion: '2.1.3.0', channels: 4 });
    assert.equal(of(r, 'session')[0].mode, 'LAN');
    assert.equal(r.hub.state.state, 'running');
    await r.close();
    const exits = of(r, 'exit');
    assert.deepEqual(exits.map((e) => [e.code, e.reason, e.restart]), [[0, 'stopped', false]]);
    const ledger = [...balance(r.log.events()).values()];
    assert.deepEqual(ledger, [{ sessionsOpened: 1, sessionsFreed: 1, channelsOpened: 1, channelsClosed: 1, leaked: 0 }]);
    const names = r.log.events().map((e) => e.ev);
    assert.ok(names.indexOf('avDeInitialize') < names.indexOf('IOTC_DeInitialize'), 'AV is de-initialised before IOTC');
  });

  it('reconnects after a remote close inside the same child, initialising the library once, leaking nothing', async () => {
    const r = rig('fps=60;close_after_frames=10');
    subscribe(r);
    await waitFor(() => of(r, 'phase').filter((p) => p.phase === 'online').length >= 3, 20_000, 'three sessions');
    const offline = of(r, 'phase').filter((p) => p.phase === 'offline');
    assert.equal(offline[0].code, -20015);
    assert.equal(offline[0].codeName, 'AV_ER_SESSION_CLOSE_BY_REMOTE');
    assert.equal(offline[0].errorClass, 'reconnect');
    assert.ok(offline[0].retryMs! >= 40 && offline[0].retryMs! <= 240);
    await r.close();
    const events = r.log.events();
    assert.equal(new Set(events.map((e) => e.pid)).size, 1, 'one child process throughout');
    assert.equal(events.filter((e) => e.ev === 'IOTC_Initialize2').length, 1, 'initialised once, not per reconnect');
    const [ledger] = [...balance(events).values()];
    assert.ok(ledger.sessionsOpened >= 3);
    assert.equal(ledger.sessionsFreed, ledger.sessionsOpened);
    assert.equal(ledger.channelsClosed, ledger.channelsOpened);
    assert.equal(ledger.leaked, 0);
    assert.equal(events.filter((e) => e.ev === 'misuse').length, 0, 'no handle was used after it was freed');
    // Frame numbering continues across sessions for the consumers.
    const seqs = r.frames.filter((f) => f.frame.kind === 'video').map((f) => f.frame.seq);
    assert.deepEqual(seqs, [...seqs.keys()]);
  });

  it('survives a segfault in the library: the child is restarted with backoff and frames resume', async () => {
    const r = rig('fps=60;segv_after_frames=15', { audio: false });
    subscribe(r);
    await waitFor(() => of(r, 'spawned').length >= 2 && r.frames.length > 15, 20_000, 'a restarted child streaming');
    const crash = of(r, 'exit')[0];
    assert.equal(crash.signal, 'SIGSEGV');
    assert.equal(crash.restart, true);
    assert.match(crash.reason, /camera process killed by SIGSEGV/);
    const waiting = r.states.find((s) => s.state === 'waiting')!;
    assert.match(waiting.error!.message, /SIGSEGV/);
    assert.ok(waiting.retryMs! >= 50);
    const pids = new Set(of(r, 'spawned').map((e) => e.pid));
    assert.ok(pids.size >= 2);
    assert.ok(r.frames[15].frame.keyframe, 'the new child starts with a keyframe');
  });

  it('kills and restarts a child whose library hangs in connect (watchdog)', async () => {
    const r = rig('connect_ms=-1;connect_ignores_stop=1', { connectTimeoutMs: 200 }, 400, 500);
    subscribe(r);
    await waitFor(() => of(r, 'spawned').length >= 2, 20_000, 'restart after the watchdog');
    assert.ok(of(r, 'watchdog').length >= 1);
    const exit = of(r, 'exit')[0];
    assert.equal(exit.signal, 'SIGKILL');
    assert.match(exit.reason, /^watchdog: no frame for \d+ s \(SIGKILL\)/);
    assert.equal(exit.restart, true);
  });

  it('closing during a slow connect stops it and frees the SID', async () => {
    const r = rig('connect_ms=-1');
    subscribe(r);
    await waitFor(() => r.log.events().some((e) => e.ev === 'connect_begin'), 20_000, 'connect in progress');
    await r.close();
    const events = r.log.events();
    assert.ok(events.some((e) => e.ev === 'connect_stop' && e.ret === 0));
    assert.ok(events.some((e) => e.ev === 'connect' && e.ret === -27));
    assert.ok(events.some((e) => e.ev === 'session_free' && e.why === 'connect failed'));
    assert.deepEqual([...balance(events).values()][0], { sessionsOpened: 1, sessionsFreed: 1, channelsOpened: 0, channelsClosed: 0, leaked: 0 });
    assert.deepEqual(of(r, 'exit').map((e) => e.reason), ['stopped']);
  });

  it('a wrong password stops with a configuration error and is not retried', async () => {
    const r = rig('', { password: 'wrong' });
    subscribe(r);
    await waitFor(() => r.configErrors.length === 1, 20_000, 'configuration error');
    assert.match(r.configErrors[0].message, /avClientStart2: AV_ER_WRONG_VIEWACCorPWD \(-20009\): wrong AV account or password/);
    const fatal = of(r, 'fatal')[0];
    assert.equal(fatal.code, -20009);
    assert.equal(fatal.errorClass, 'config');
    assert.equal(of(r, 'exit')[0].code, 78);
    await delay(600); // 12 × the hub's retry time: a retry loop would have spawned again by now
    assert.equal(of(r, 'spawned').length, 1);
    assert.equal([...balance(r.log.events()).values()][0].sessionsFreed, 1);
  });

  it('a missing library is a configuration error naming the file', async () => {
    const r = rig('', { library: { kind: 'all', all: '/nonexistent/libIOTCAPIs_ALL.so' } });
    subscribe(r);
    await waitFor(() => r.configErrors.length === 1, 20_000, 'configuration error');
    assert.match(r.configErrors[0].message, /cannot read the TUTK library \/nonexistent\/libIOTCAPIs_ALL\.so/);
    assert.equal(of(r, 'spawned').length, 0, 'checked before any child is spawned');
    assert.equal(of(r, 'fatal')[0].errorClass, 'library');
  });

  it('an initialisation failure restarts the child once, then stops', async () => {
    const r = rig('init_err=-6');
    subscribe(r);
    await waitFor(() => r.configErrors.length === 1, 20_000, 'gave up');
    assert.equal(of(r, 'spawned').length, 2);
    assert.deepEqual(of(r, 'exit').map((e) => [e.code, e.restart]), [[75, true], [75, false]]);
    assert.match(r.configErrors[0].message, /IOTC_Initialize2 failed: IOTC_ER_FAIL_CREATE_SOCKET \(-6\)/);
  });

  it('a child that dies at start is restarted, and its last words are in the reason', async () => {
    const r = rig('', {}, 15_000, undefined, '/nonexistent/tutk-child.js');
    subscribe(r);
    await waitFor(() => of(r, 'exit').length >= 2, 20_000, 'two attempts');
    const exit = of(r, 'exit')[0];
    assert.equal(exit.code, 1);
    assert.equal(exit.restart, true);
    assert.match(exit.reason, /^camera process exited with code 1; Error: Cannot find module '\/nonexistent\/tutk-child\.js'/);
    assert.match(r.states.find((s) => s.state === 'waiting')!.error!.message, /exited with code 1/);
  });

  it('a user restart after a configuration error starts a fresh child', async () => {
    const r = rig('', { password: 'wrong' });
    subscribe(r);
    await waitFor(() => r.configErrors.length === 1, 20_000, 'configuration error');
    r.hub.restart();
    await waitFor(() => r.configErrors.length === 2, 20_000, 'second attempt');
    assert.equal(of(r, 'spawned').length, 2);
  });
});
