// The session state machine and frame loop (spec §1.4, §2) against the fake library, loaded in
// this test process: every error class, keyframe gating, buffer growth, every frame-info size and
// start payload variant, and the fake's own ledger of sessions and channels after each run.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FrameFields } from '../../nodes/core/frame';
import { StartPayloadVariant, startPayload } from '../../nodes/xiaomi/ioctrl';
import { TutkLibrary } from '../../nodes/xiaomi/tutk-binding';
import { DEFAULT_SESSION, SessionConfig, SessionEnd, SessionEvents, TutkSession } from '../../nodes/xiaomi/tutk-session';
import { requireTool } from '../support/ffmpeg';
import { waitFor } from '../support/node-red';
import { FakeHooks, fakeHooks, fakeTutk } from './fake-support';

const UID = 'FAKEUID0000000000001';

/** What ffmpeg says when decoding these access units in a row ('' when it decodes cleanly). */
function decodeWarnings(units: Buffer[]): string {
  requireTool('ffmpeg');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-tutk-'));
  const file = path.join(dir, 'out.h264');
  fs.writeFileSync(file, Buffer.concat(units));
  const result = spawnSync('ffmpeg', ['-v', 'warning', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(result.status, 0, result.stderr);
  return result.stderr.trim();
}

interface Recorded {
  frames: { payload: Buffer; fields: FrameFields }[];
  drops: Record<string, number>;
  phases: string[];
  warnings: string[];
  firstFrames: { kind: string; codecId: number; infoLen: number }[];
  sessions: { mode: string }[];
}

function recorder(): { events: SessionEvents; rec: Recorded } {
  const rec: Recorded = { frames: [], drops: {}, phases: [], warnings: [], firstFrames: [], sessions: [] };
  const events: SessionEvents = {
    phase: (p) => rec.phases.push(p),
    session: (info) => rec.sessions.push(info),
    frame: (payload, fields) => rec.frames.push({ payload: Buffer.from(payload), fields }),
    ready: () => true,
    drop: (reason, count = 1) => { rec.drops[reason] = (rec.drops[reason] ?? 0) + count; },
    firstFrame: (info) => rec.firstFrames.push(info),
    warning: (m) => rec.warnings.push(m),
  };
  return { events, rec };
}

describe('TUTK session against the fake library', () => {
  let lib: TutkLibrary;
  let hooks: FakeHooks;

  before(() => {
    const fake = fakeTutk();
    lib = TutkLibrary.load({ kind: 'pair', iotc: fake.iotc, av: fake.av });
    hooks = fakeHooks(fake.iotc);
    assert.equal(lib.acquire(8), 8);
  });
  after(() => lib.release());
  beforeEach(() => hooks.reset());

  function config(extra: Partial<SessionConfig> = {}): SessionConfig {
    return { ...DEFAULT_SESSION, uid: UID, account: 'admin', password: '888888', startPayload: Buffer.from('{}'), ...extra };
  }

  /** Runs a session until `until` holds (then stops it) or until it ends by itself. */
  async function run(extra: Partial<SessionConfig>, until: (rec: Recorded) => boolean, timeoutMs = 20_000): Promise<{ end: SessionEnd; rec: Recorded }> {
    const { events, rec } = recorder();
    const session = new TutkSession(lib, config(extra), events);
    let end: SessionEnd | null = null;
    const running = session.run().then((e) => (end = e));
    await waitFor(() => end !== null || until(rec), timeoutMs, 'session progress');
    session.stop();
    await running;
    return { end: end!, rec };
  }

  it('streams H.264 that decodes, keyframes first, with audio, and tears down in order', async () => {
    requireTool('ffprobe');
    const { end, rec } = await run({}, (r) => r.frames.filter((f) => f.fields.codec === 'h264').length >= 31 && r.frames.some((f) => f.fields.codec === 'pcma'));
    assert.deepEqual(end, { stopped: true });
    const video = rec.frames.filter((f) => f.fields.codec === 'h264');
    const audio = rec.frames.filter((f) => f.fields.codec === 'pcma');
    assert.equal(video[0].fields.keyframe, true);
    assert.deepEqual(video.slice(0, 31).map((f) => f.fields.keyframe), Array.from({ length: 31 }, (_, i) => i % 15 === 0), 'GOP of 15 from the flags');
    assert.equal(video[0].fields.width, 64);
    assert.equal(video[0].fields.height, 48);
    assert.ok(video[0].payload.subarray(0, 5).equals(Buffer.from([0, 0, 0, 1, 0x67])), 'a keyframe starts with its SPS');
    assert.equal(audio[0].payload.length, 160);
    assert.deepEqual({ ...audio[0].fields }, { codec: 'pcma', keyframe: true, sampleRate: 8000, channels: 1 });
    assert.deepEqual(rec.phases, ['connecting', 'starting', 'online']);
    assert.equal(rec.sessions[0].mode, 'LAN');
    assert.deepEqual(rec.firstFrames.map((f) => [f.kind, f.codecId, f.infoLen]).sort(), [['audio', 0x8a, 16], ['video', 0x4e, 24]]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-tutk-'));
    const file = path.join(dir, 'fake.h264');
    fs.writeFileSync(file, Buffer.concat(video.map((f) => f.payload)));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' }));
    assert.deepEqual(probe.streams[0], { codec_name: 'h264', width: 64, height: 48, nb_read_frames: String(video.length) });
    assert.equal(decodeWarnings(video.map((f) => f.payload)), '', 'ffmpeg decodes the synthetic stream without a warning');

    const log = hooks.log();
    assert.equal(log.openSessions, 0);
    assert.equal(log.openChannels, 0);
    assert.deepEqual(log.ioctrl.map((c) => c.type), [0x01ff, 0x0300, 0x0301, 0x02ff], 'START, AUDIOSTART, then AUDIOSTOP and STOP on close');
    assert.equal(log.teardown, 'avClientExit,avClientStop,IOTC_Session_Close');
  });

  it('drops a lost frame and everything up to the next keyframe, so the output decodes cleanly', async () => {
    hooks.setScenario('fps=60;gop=10;drop_every=4');
    const { rec } = await run({ audio: false }, (r) => r.frames.length >= 8);
    // Frames 0–2 pass, 3 is lost, 4–9 wait for keyframe 10, 11 is lost, 12–19 wait, and so on.
    assert.deepEqual(rec.frames.slice(0, 5).map((f) => f.fields.keyframe), [true, false, false, true, true]);
    assert.ok(rec.drops.lost >= 2);
    assert.ok(rec.drops.waitingForKeyframe >= 12);
    assert.equal(decodeWarnings(rec.frames.map((f) => f.payload)), '');
  });

  it('drops an incomplete frame and waits for a keyframe', async () => {
    hooks.setScenario('fps=60;gop=10;incomplete_every=6');
    const { rec } = await run({ audio: false }, (r) => r.frames.length >= 10);
    assert.ok(rec.drops.incomplete >= 1);
    assert.ok(rec.drops.waitingForKeyframe >= 4);
    assert.deepEqual(rec.frames.slice(0, 6).map((f) => f.fields.keyframe), [true, false, false, false, false, true]);
    assert.equal(decodeWarnings(rec.frames.map((f) => f.payload)), '');
  });

  it('finds keyframes from the NAL types when the flags are always 0', async () => {
    hooks.setScenario('fps=60;gop=5;flags_bogus=1');
    const { rec } = await run({ audio: false }, (r) => r.frames.length >= 10);
    assert.deepEqual(rec.frames.slice(0, 10).map((f) => f.fields.keyframe), [true, false, false, false, false, true, false, false, false, false]);
  });

  it('grows the frame buffer when the library says it is too small, up to the cap', async () => {
    hooks.setScenario('fps=60;gop=5;width=320;height=240');
    const { rec } = await run({ audio: false, initialBufferBytes: 4096 }, (r) => r.frames.length >= 6);
    assert.equal(rec.drops.tooSmall, 1);
    assert.ok(rec.frames[0].fields.keyframe);
    assert.ok(rec.frames[0].payload.length > 100_000, 'the 320×240 I_PCM keyframe came through whole');
  });

  it('drops frames beyond the size cap and says so', async () => {
    hooks.setScenario('fps=60;gop=5;width=320;height=240');
    const { rec } = await run({ audio: false, initialBufferBytes: 4096, maxFrameBytes: 50_000 }, (r) => (r.drops.tooLarge ?? 0) >= 2, 10_000);
    assert.equal(rec.frames.length, 0, 'P frames never pass without their keyframe');
    assert.match(rec.warnings.join('\n'), /exceeds the 50000-byte cap/);
  });

  for (const [info, width] of [[16, undefined], [24, 64], [40, undefined], [48, undefined], [64, 64]] as const) {
    it(`emits every frame with a ${info}-byte frame info (size ${width ? 'known' : 'unknown'})`, async () => {
      hooks.setScenario(`fps=60;gop=5;info=${info}`);
      const { rec } = await run({ audio: false }, (r) => r.frames.length >= 10);
      assert.equal(rec.firstFrames[0].infoLen, info);
      assert.deepEqual(rec.frames.slice(0, 10).map((f) => f.fields.keyframe), [true, false, false, false, false, true, false, false, false, false]);
      assert.equal(rec.frames[0].fields.width, width);
      assert.ok(rec.frames.every((f) => f.fields.codec === 'h264'));
    });
  }

  const variants: [StartPayloadVariant, string, string][] = [
    ['json-empty', 'json', '7b7d'],
    ['json-channel', 'json', Buffer.from('{"channel":0}').toString('hex')],
    ['legacy-1byte', 'byte1', '7b'],
    ['struct8', 'struct8', '0000000000000000'],
    ['custom-hex', 'json', '7b2022 6122 3a317d'.replace(/ /g, '')],
  ];
  for (const [variant, camera, hex] of variants) {
    it(`starts a camera that wants ${camera} with the ${variant} payload`, async () => {
      hooks.setScenario(`fps=60;start_payload=${camera}`);
      const body = startPayload(variant, 0, variant === 'custom-hex' ? hex : '');
      assert.equal(body.toString('hex'), hex);
      const { rec } = await run({ startPayload: body }, (r) => r.frames.length >= 3);
      assert.ok(rec.frames.length >= 3);
      const start = hooks.log().ioctrl.find((c) => c.type === 0x01ff)!;
      assert.equal(start.hex, hex);
      assert.equal(start.len, body.length);
    });
  }

  it('gets no frames from a picky camera when the payload is wrong (and the START was still acknowledged)', async () => {
    hooks.setScenario('fps=60;start_payload=struct8');
    // The idle loop backs off to one poll in 100 ms: 15 polls span over a second, some 60 frame
    // periods at 60 fps, so an accepted START would have produced frames.
    const { rec } = await run({ startPayload: startPayload('json-empty'), audio: false }, () => (hooks.log().calls.avRecvFrameData2 ?? 0) >= 15);
    assert.equal(hooks.log().framesTotal, 0);
    assert.equal(rec.frames.length, 0);
    assert.equal(hooks.log().ioctrl[0].hex, '7b7d');
  });

  it('paces its polls by the stream: a 30 fps stream is read with fewer calls than the old 10 ms poll made', async () => {
    hooks.setScenario('fps=30;gop=30');
    let mark: { calls: number; frames: number } | null = null;
    let last = { calls: 0, frames: 0 };
    await run({ audio: false }, (r) => {
      const log = hooks.log();
      last = { calls: log.calls.avRecvFrameData2 ?? 0, frames: log.framesTotal };
      // Counted once the interval has been learned (a window of one second).
      if (!mark && r.frames.length >= 45) mark = last;
      return mark !== null && last.frames >= mark.frames + 60;
    }, 30_000);
    const callsPerFrame = (last.calls - mark!.calls) / (last.frames - mark!.frames);
    // One call that reads the frame and one that finds the queue empty, plus a retry now and
    // then; polling every 10 ms took more than four calls per frame at 30 fps. Timers that fire
    // late only lower the count.
    assert.ok(callsPerFrame < 3.5, `${callsPerFrame.toFixed(2)} avRecvFrameData2 calls per frame`);
  });

  it('polls a stream that sends nothing ten times a second, not a hundred', async () => {
    hooks.setScenario('start_payload=struct8');
    let mark: { calls: number; at: number } | null = null;
    let calls = 0;
    await run({ startPayload: startPayload('json-empty'), audio: false }, () => {
      calls = hooks.log().calls.avRecvFrameData2 ?? 0;
      // The back-off (10, 20, 40, 80 ms) has reached its ceiling after five calls.
      if (!mark && calls >= 5) mark = { calls, at: Date.now() };
      return mark !== null && Date.now() - mark.at >= 2000;
    }, 30_000);
    assert.ok(calls - mark!.calls <= 2 * 10 + 2, `${calls - mark!.calls} calls in two idle seconds`);
  });

  it('ends with a reconnect-class error after a remote close, leaving no session or channel open', async () => {
    hooks.setScenario('fps=60;close_after_frames=20');
    const { end, rec } = await run({ audio: false }, () => false);
    assert.deepEqual(end, { stopped: false, code: -20015, call: 'avRecvFrameData2', errorClass: 'reconnect', streamed: true });
    assert.equal(rec.frames.length, 20);
    const log = hooks.log();
    assert.equal(log.openSessions, 0);
    assert.equal(log.openChannels, 0);
    assert.deepEqual(log.ioctrl.map((c) => c.type), [0x01ff], 'no STOP is sent into a session the camera closed');
  });

  it('ends on a remote timeout (-20016) as a reconnect', async () => {
    hooks.setScenario('fps=60;timeout_after_frames=5');
    const { end } = await run({ audio: false }, () => false);
    assert.equal(!end.stopped && end.code, -20016);
    assert.equal(!end.stopped && end.errorClass, 'reconnect');
  });

  it('stopping during a slow connect calls Connect_Stop_BySID and the SID is freed', async () => {
    hooks.setScenario('connect_ms=-1');
    const { end } = await run({}, () => (hooks.log().calls.IOTC_Connect_ByUID_Parallel ?? 0) >= 1);
    assert.deepEqual(end, { stopped: true });
    const log = hooks.log();
    assert.equal(log.calls.IOTC_Connect_Stop_BySID, 1);
    assert.equal(log.openSessions, 0);
    assert.equal(log.calls.IOTC_Session_Close, undefined, 'the library freed the SID itself; closing it again would be misuse');
  });

  it('gives up a connect that takes longer than the timeout, as a reconnect', async () => {
    hooks.setScenario('connect_ms=-1');
    const { end } = await run({ connectTimeoutMs: 200 }, () => false);
    assert.equal(!end.stopped && end.code, -13);
    assert.equal(!end.stopped && end.errorClass, 'reconnect');
    assert.equal(hooks.log().openSessions, 0);
  });

  it('stopping during a slow avClientStart2 calls avClientExit and closes the session', async () => {
    hooks.setScenario('start_ms=60000');
    const { end } = await run({}, (r) => r.phases.includes('starting'));
    assert.deepEqual(end, { stopped: true });
    const log = hooks.log();
    assert.equal(log.calls.avClientExit, 1);
    assert.equal(log.openSessions, 0);
    assert.equal(log.openChannels, 0);
  });

  it('a wrong password is a configuration error and closes the session', async () => {
    const { end } = await run({ password: 'wrong' }, () => false);
    assert.deepEqual(end, { stopped: false, code: -20009, call: 'avClientStart2', errorClass: 'config', streamed: false });
    assert.equal(hooks.log().openSessions, 0);
  });

  it('a malformed UID is a configuration error, and the SID the library kept is closed', async () => {
    const { end } = await run({ uid: 'ABC12' }, () => false);
    assert.equal(!end.stopped && end.code, -10);
    assert.equal(!end.stopped && end.errorClass, 'config');
    const log = hooks.log();
    assert.equal(log.openSessions, 0);
    assert.equal(log.calls.IOTC_Session_Close, 1);
  });

  it('an unknown UID is a reconnect-class error', async () => {
    hooks.setScenario('uid=OTHERUID000000000001;unknown_uid_ms=20');
    const { end } = await run({}, () => false);
    assert.equal(!end.stopped && end.code, -19);
    assert.equal(!end.stopped && end.errorClass, 'reconnect');
  });

  it('streams H.265 with keyframes from the flags and from the NAL types', async () => {
    hooks.setScenario('fps=60;gop=4;codec=h265;flags_bogus=1');
    const { rec } = await run({ audio: false }, (r) => r.frames.length >= 8);
    assert.ok(rec.frames.every((f) => f.fields.codec === 'h265'));
    assert.deepEqual(rec.frames.slice(0, 8).map((f) => f.fields.keyframe), [true, false, false, false, true, false, false, false]);
  });

  it('recognises H.264 by its NAL header when the codec id is unknown', async () => {
    hooks.setScenario('fps=60;codec_id=153');
    const { rec } = await run({ audio: false }, (r) => r.frames.length >= 2);
    assert.equal(rec.frames[0].fields.codec, 'h264');
    assert.equal(rec.firstFrames[0].codecId, 153);
  });

  for (const [knob, codec, bytes, sampleRate] of [['pcmu', 'pcmu', 160, 8000], ['pcm', 'pcm_s16le', 320, 8000], ['aac', 'aac', 23, 8000]] as const) {
    it(`emits ${codec} audio`, async () => {
      hooks.setScenario(`audio_codec=${knob}`);
      const { rec } = await run({}, (r) => r.frames.some((f) => f.fields.codec === codec));
      const frame = rec.frames.find((f) => f.fields.codec === codec)!;
      assert.equal(frame.payload.length, bytes);
      assert.equal(frame.fields.sampleRate, sampleRate);
    });
  }

  it('reports the session path from IOTC_Session_Check', async () => {
    hooks.setScenario('mode=1');
    const { rec } = await run({ audio: false }, (r) => r.sessions.length > 0);
    assert.deepEqual({ mode: rec.sessions[0].mode }, { mode: 'relay' });
  });
});
