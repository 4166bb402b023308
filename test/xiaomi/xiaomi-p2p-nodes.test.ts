// xiaomi-p2p-camera and xiaomi-p2p-in inside Node-RED (4.1 or 5, per run), against the fake TUTK
// library: the frame contract on the video and audio outputs, status messages, red statuses and
// catchable errors for every bad input, msg.action, the fetch-credentials endpoint against the
// fake miIO device, and clean teardown on redeploy (the fake's ledger balances in every child).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import cameraNode = require('../../nodes/xiaomi/xiaomi-p2p-camera');
import inNode = require('../../nodes/xiaomi/xiaomi-p2p-in');
import { startFakeMiioDevice } from '../../sim/xiaomi/miio-fake-device';
import { TAB, collect, expectedNodeRedMajor, helper, record, waitFor } from '../support/node-red';
import { balance, fakeLogFile, fakeTutk } from './fake-support';

const UID = 'FAKEUID0000000000001';
const CREDS = { cam: { account: 'admin', password: '888888' } };

function flow(camera: Record<string, unknown> = {}) {
  return [
    TAB,
    { id: 'cam', type: 'xiaomi-p2p-camera', name: 'porch', uid: UID, libPath: fakeTutk().dir, startPayload: 'json-empty', frameInfoProfile: 'auto', channel: 0, audio: true, connectTimeout: 5, watchdog: 15, ...camera },
    { id: 'in', z: 'f1', type: 'xiaomi-p2p-in', camera: 'cam', wires: [['video'], ['audio'], ['statuses']] },
    { id: 'video', z: 'f1', type: 'helper', wires: [] },
    { id: 'audio', z: 'f1', type: 'helper', wires: [] },
    { id: 'statuses', z: 'f1', type: 'helper', wires: [] },
    { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper', wires: [] },
  ];
}

function statusTexts(nodeId: string): string[] {
  return helper.getNode(nodeId).status.args.map((a: any[]) => `${a[0].fill}/${a[0].shape}/${a[0].text}`);
}

describe(`xiaomi-p2p nodes (Node-RED ${expectedNodeRedMajor}, fake TUTK library)`, () => {
  let log: ReturnType<typeof fakeLogFile>;
  const saved = { scenario: process.env.FAKE_TUTK_SCENARIO, log: process.env.FAKE_TUTK_LOG, libdir: process.env.XIAOMI_P2P_LIBDIR };

  before(() => {
    fakeTutk();
    delete process.env.XIAOMI_P2P_LIBDIR;
  });
  after(() => {
    for (const [key, value] of [['FAKE_TUTK_SCENARIO', saved.scenario], ['FAKE_TUTK_LOG', saved.log], ['XIAOMI_P2P_LIBDIR', saved.libdir]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  beforeEach(async () => {
    log = fakeLogFile();
    process.env.FAKE_TUTK_LOG = log.file;
    process.env.FAKE_TUTK_SCENARIO = 'fps=30;gop=10';
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('streams video and audio per the frame contract, with status messages', async () => {
    await helper.load([cameraNode, inNode], flow(), CREDS);
    const statuses = record('statuses');
    const video = await collect('video', 12, 30_000);
    const [audio] = await collect('audio', 1, 30_000);
    assert.deepEqual(video.map((m) => m.frame.seq), [...Array(12).keys()]);
    assert.deepEqual(video.map((m) => m.frame.keyframe), [...Array(12).keys()].map((i) => i % 10 === 0));
    const { timestamp, ...first } = video[0].frame;
    assert.equal(typeof timestamp, 'number');
    assert.deepEqual(first, { camera: 'porch', source: 'xiaomi', kind: 'video', codec: 'h264', keyframe: true, seq: 0, width: 64, height: 48 });
    assert.equal(video[0].topic, 'porch');
    assert.deepEqual(Object.keys(video[0]).filter((k) => k !== '_msgid').sort(), ['frame', 'payload', 'topic']);
    assert.equal(audio.frame.codec, 'pcma');
    assert.equal(audio.payload.length, 160);
    await waitFor(() => statuses.some((s) => s.payload.state === 'streaming'), 10_000, 'a streaming status message');
    const streaming = statuses.find((s) => s.payload.state === 'streaming')!;
    assert.equal(streaming.topic, 'porch/status');
    assert.equal(streaming.payload.mode, 'LAN');
    assert.deepEqual(streaming.payload.library, { iotc: '2.1.3.0', av: '2.1.3.0' });
    assert.equal(typeof streaming.payload.fps, 'number');
    assert.equal(typeof streaming.payload.bitrate, 'number');
    assert.equal(streaming.payload.drops.consumer, 0);
    await waitFor(() => statusTexts('in').some((t) => /^green\/dot\/streaming \d+ fps$/.test(t)), 10_000, 'streaming status');
  });

  it('a wrong password: red status, a catchable error, no retry', async () => {
    await helper.load([cameraNode, inNode], flow(), { cam: { account: 'admin', password: 'nope' } });
    const [caught] = await collect('caught', 1, 30_000);
    assert.match(caught.error.message, /porch: avClientStart2: AV_ER_WRONG_VIEWACCorPWD \(-20009\): wrong AV account or password$/);
    assert.equal(caught.payload.state, 'error');
    assert.equal(caught.payload.code, -20009);
    await waitFor(() => statusTexts('in').includes('red/dot/wrong password'), 10_000, 'red status');
    const spawnedPids = new Set(log.events().map((e) => e.pid));
    assert.equal(spawnedPids.size, 1, 'one attempt only');
  });

  it('an unknown or malformed UID: offline with a retry, or a configuration error; both catchable', async () => {
    process.env.FAKE_TUTK_SCENARIO = 'uid=OTHERUID000000000001;unknown_uid_ms=20';
    await helper.load([cameraNode, inNode], flow(), CREDS);
    const [caught] = await collect('caught', 1, 30_000);
    assert.match(caught.error.message, /IOTC_Connect_ByUID_Parallel: IOTC_ER_CAN_NOT_FIND_DEVICE \(-19\): no camera with this UID was found/);
    assert.equal(caught.payload.state, 'offline');
    assert.ok(caught.payload.retryMs >= 4000, 'reconnects are paced from 5 s');
    await waitFor(() => statusTexts('in').some((t) => /^red\/ring\/offline, retry \ds$/.test(t)), 10_000, 'offline status');
    await helper.unload();
    await helper.load([cameraNode, inNode], flow({ uid: 'ABC' }), CREDS);
    const [bad] = await collect('caught', 1, 30_000);
    assert.match(bad.error.message, /IOTC_ER_UNLICENSE \(-10\)/);
    await waitFor(() => statusTexts('in').includes('red/dot/bad UID'), 10_000, 'bad UID status');
  });

  it('a missing library: red status naming the problem, a catchable error listing where it looked', async () => {
    await helper.load([cameraNode, inNode], flow({ libPath: '/nonexistent/tutk' }), CREDS);
    const [caught] = await collect('caught', 1, 30_000);
    assert.match(caught.error.message, /no TUTK library found: put libIOTCAPIs\.so and libAVAPIs\.so \(or libIOTCAPIs_ALL\.so\) for \w+ in one of: \/nonexistent\/tutk/);
    await waitFor(() => statusTexts('in').includes('red/dot/library missing'), 10_000, 'red status');
  });

  it('a camera without UID or password says it is not configured', async () => {
    await helper.load([cameraNode, inNode], flow({ uid: '' }), CREDS);
    const [caught] = await collect('caught', 1, 30_000);
    assert.match(caught.error.message, /not configured: the camera has no UID/);
    await waitFor(() => statusTexts('in').includes('red/dot/not configured'), 10_000, 'status');
  });

  it('survives a segfault in the library: error to Catch, then frames again from a new process', async () => {
    process.env.FAKE_TUTK_SCENARIO = 'fps=60;gop=10;segv_after_frames=10';
    await helper.load([cameraNode, inNode], flow({ audio: false }), CREDS);
    const video = record('video');
    const [caught] = await collect('caught', 1, 30_000);
    assert.match(caught.error.message, /camera process killed by SIGSEGV/);
    await waitFor(() => video.length > 12, 30_000, 'frames after the restart');
    assert.deepEqual(video.slice(0, 13).map((m) => m.frame.seq), [...Array(13).keys()], 'numbering continues across the restart');
    assert.ok(video[10].frame.keyframe, 'the restarted stream begins with a keyframe');
    assert.ok(new Set(log.events().map((e) => e.pid)).size >= 2);
  });

  it('msg.action stop, start and restart; anything else is a catchable error', async () => {
    await helper.load([cameraNode, inNode], flow(), CREDS);
    const statuses = record('statuses');
    const video = record('video');
    await waitFor(() => video.length >= 3, 30_000, 'frames');
    const n = helper.getNode('in');
    n.receive({ action: 'stop' });
    await waitFor(() => statuses.some((s) => s.payload.state === 'stopped'), 10_000, 'stopped');
    await waitFor(() => log.events().some((e) => e.ev === 'IOTC_DeInitialize'), 10_000, 'the camera process closed down');
    const stoppedAt = video.length;
    n.receive({ action: 'start' });
    await waitFor(() => video.length >= stoppedAt + 3, 30_000, 'frames after start');
    n.receive({ action: 'restart' });
    await waitFor(() => log.events().filter((e) => e.ev === 'IOTC_Initialize2').length >= 3, 30_000, 'a third camera process');
    const caughtP = collect('caught', 1, 10_000);
    n.receive({ action: 'dance' });
    assert.match((await caughtP)[0].error.message, /msg\.action must be "start", "stop" or "restart" \(got "dance"\)/);
  });

  it('passes the LAN search and P2P times and the receive buffer to the library before the client starts', async () => {
    await helper.load([cameraNode, inNode], flow({ lanTimeout: '1.5', p2pTimeout: 0, maxBuffer: 4096 }), CREDS);
    await collect('video', 1, 30_000);
    const events = log.events();
    const order = (ev: string) => events.findIndex((e) => e.ev === ev);
    assert.deepEqual(events.filter((e) => e.ev === 'lan_timeout').map((e) => e.ms), [1500]);
    assert.deepEqual(events.filter((e) => e.ev === 'p2p_timeout').map((e) => e.ms), [0], '0 skips P2P');
    assert.deepEqual(events.filter((e) => e.ev === 'avClientSetMaxBufSize').map((e) => e.kb), [4096], 'kilobytes, as the library counts');
    assert.ok(order('IOTC_Initialize2') < order('lan_timeout') && order('p2p_timeout') < order('connect_begin'), 'after init, before connecting');
    assert.ok(order('avClientSetMaxBufSize') < order('avClientStart2'), 'before the client starts');
  });

  it('leaves the library\'s own connection times and buffer alone when the fields are empty', async () => {
    await helper.load([cameraNode, inNode], flow({ lanTimeout: '', p2pTimeout: '', maxBuffer: '' }), CREDS);
    await collect('video', 1, 30_000);
    const events = log.events().map((e) => e.ev);
    for (const ev of ['lan_timeout', 'p2p_timeout', 'avClientSetMaxBufSize']) assert.ok(!events.includes(ev), `${ev} was not called`);
  });

  it('a receive buffer or connection time out of range is a configuration error', async () => {
    await helper.load([cameraNode, inNode], flow({ maxBuffer: 8 }), CREDS);
    const [caught] = await collect('caught', 1, 30_000);
    assert.match(caught.error.message, /not configured: the receive buffer \(KB\) must be empty or a number from 64 to 65536/);
    await waitFor(() => statusTexts('in').includes('red/dot/not configured'), 10_000, 'status');
    await helper.unload();
    await helper.load([cameraNode, inNode], flow({ lanTimeout: 'soon' }), CREDS);
    const [lan] = await collect('caught', 1, 30_000);
    assert.match(lan.error.message, /the LAN search time \(seconds, 0 skips it\) must be empty or a number from 0 to 60/);
    assert.equal(log.events().length, 0, 'no camera process was started');
  });

  it('closes every session and child on redeploy, and the ledger balances', async () => {
    await helper.load([cameraNode, inNode], flow(), CREDS);
    const video = record('video');
    await waitFor(() => video.length >= 3, 30_000, 'frames');
    for (let i = 0; i < 3; i++) {
      await helper.setFlows(flow({ name: `porch${i}` }), 'full', CREDS as never);
      await waitFor(() => log.events().filter((e) => e.ev === 'channel_open').length >= i + 2, 30_000, `camera ${i} streaming`);
    }
    await helper.unload();
    await waitFor(() => log.events().filter((e) => e.ev === 'IOTC_DeInitialize').length >= 4, 20_000, 'every child de-initialised');
    const ledgers = [...balance(log.events()).values()];
    assert.equal(ledgers.length, 4);
    for (const l of ledgers) assert.deepEqual(l, { sessionsOpened: 1, sessionsFreed: 1, channelsOpened: 1, channelsClosed: 1, leaked: 0 });
  });

  describe('fetch credentials endpoint', () => {
    const TOKEN = '00112233445566778899aabbccddeeff';
    it('fills in UID, account and password from the fake miIO device', async () => {
      const device = await startFakeMiioDevice({ token: TOKEN, uid: 'abcdefghij0123456789', password: 'pw1' });
      try {
        await helper.load([cameraNode, inNode], flow(), CREDS);
        const res = await helper.request().post('/xiaomi-p2p-camera/fetch-credentials').send({ ip: '127.0.0.1', port: device.port, token: TOKEN }).expect(200);
        assert.deepEqual(res.body, { uid: 'ABCDEFGHIJ0123456789', account: 'admin', password: 'pw1' });
      } finally {
        await device.close();
      }
    });

    it('uses the deployed token when the dialog shows it hidden', async () => {
      const device = await startFakeMiioDevice({ token: TOKEN });
      try {
        await helper.load([cameraNode, inNode], flow(), { cam: { ...CREDS.cam, token: TOKEN } });
        const res = await helper.request().post('/xiaomi-p2p-camera/fetch-credentials').send({ id: 'cam', ip: '127.0.0.1', port: device.port, token: '__PWRD__' }).expect(200);
        assert.equal(res.body.uid, UID);
      } finally {
        await device.close();
      }
    });

    it('says when the camera does not expose P2P credentials, and when input is missing', async () => {
      const device = await startFakeMiioDevice({ token: TOKEN, mode: 'hidden' });
      try {
        await helper.load([cameraNode, inNode], flow(), CREDS);
        const res = await helper.request().post('/xiaomi-p2p-camera/fetch-credentials').send({ ip: '127.0.0.1', port: device.port, token: TOKEN }).expect(502);
        assert.equal(res.body.kind, 'no-credentials');
        assert.match(res.body.error, /this camera does not expose P2P credentials/);
        const missing = await helper.request().post('/xiaomi-p2p-camera/fetch-credentials').send({ ip: '' }).expect(400);
        assert.equal(missing.body.kind, 'missing');
        const bad = await helper.request().post('/xiaomi-p2p-camera/fetch-credentials').send({ ip: '127.0.0.1', token: 'xyz' }).expect(400);
        assert.equal(bad.body.kind, 'bad-token-format');
      } finally {
        await device.close();
      }
    });
  });
});
