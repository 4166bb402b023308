// amba-camera + amba-rpc in Node-RED (node-red-node-test-helper), against the simulated cameras.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import cameraNode = require('../../nodes/amba/amba-camera');
import rpcNode = require('../../nodes/amba/amba-rpc');
import { SimulatedCamera, SimulatedCameraOptions, startSimulatedCamera } from '../../sim/amba/camera-simulator';
import { SIM_MODELS, SimModelName } from '../../sim/amba/sim-models';
import { TAB, coreNode, helper, record, waitFor } from '../support/node-red';

type Msg = Record<string, any>;
const catchNode = coreNode('common/25-catch.js');
const NODES = [cameraNode, rpcNode, catchNode];
const cams: SimulatedCamera[] = [];

afterEach(async () => {
  await helper.unload();
  for (const cam of cams.splice(0)) await cam.stop();
});

async function simulator(options: SimulatedCameraOptions): Promise<SimulatedCamera> {
  const cam = await startSimulatedCamera(options);
  cams.push(cam);
  return cam;
}

function cameraConfig(id: string, cam: SimulatedCamera, extra: Msg = {}): Msg {
  return { id: `${id}-config`, type: 'amba-camera', name: id, host: '127.0.0.1', controlPort: cam.controlPort, dataPort: cam.dataPort, model: 'auto', keepalive: 0, timeout: 5, takeover: 'keep', maxDownload: 64, ...extra };
}

/** A flow: camera config, one amba-rpc wired to `out` and `events`, a catch node wired to `caught`. */
function flow(cam: SimulatedCamera, extra: { camera?: Msg; rpc?: Msg } = {}): Msg[] {
  return [
    TAB,
    cameraConfig('cam', cam, extra.camera),
    { id: 'rpc', type: 'amba-rpc', z: 'f1', camera: 'cam-config', awaitEvent: false, eventTimeout: 15, wires: [['out'], ['events']], ...extra.rpc },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'events', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ];
}

/** Sends one message and resolves with its reply or its caught error. */
function ask(topic: string, payload: unknown, extra: Msg = {}, rpc = 'rpc', out = 'out', caught = 'caught', timeoutMs = 20_000): Promise<{ ok: boolean; msg: Msg }> {
  const id = `m${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${topic}`)), timeoutMs);
    const onOut = (msg: Msg): void => {
      if (msg.tag !== id) return;
      clearTimeout(timer);
      resolve({ ok: true, msg });
    };
    const onCaught = (msg: Msg): void => {
      if (msg.tag !== id) return;
      clearTimeout(timer);
      resolve({ ok: false, msg });
    };
    helper.getNode(out).on('input', onOut);
    helper.getNode(caught).on('input', onCaught);
    helper.getNode(rpc).receive({ topic, payload, tag: id, ...extra });
  });
}

async function ok(topic: string, payload: unknown = {}, extra: Msg = {}): Promise<Msg> {
  const r = await ask(topic, payload, extra);
  assert.ok(r.ok, `${topic} failed: ${r.msg.error?.message}`);
  return r.msg;
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** The setting each model is asked about, and a valid new value for it. */
const SETTING: Record<SimModelName, { name: string; value: string }> = {
  yi1: { name: 'video_resolution', value: '1280x720 60P 16:9' },
  yi4k: { name: 'video_resolution', value: '1920x1080 60P 16:9' },
  mijia4k: { name: 'video_resolution', value: '2560x1440/30' },
  sj8: { name: 'Resolution', value: '1080(1920x1080) 30FPS' },
  generic: { name: 'video_resolution', value: '1280x720 60P 16:9' },
};

describe('amba-rpc: every named command on every model', () => {
  for (const model of SIM_MODELS) {
    it(`${model}`, { timeout: 120_000 }, async () => {
      const cam = await simulator({ model, timeScale: 0.25 });
      await helper.load(NODES, flow(cam));
      const events = record('events');
      const { name, value } = SETTING[model];
      const media = cam.model.media_dir;
      const defaultFile = `${media}/${cam.model.default_file.name}`;

      const info = await ok('deviceInfo');
      assert.equal(info.payload.profile, model, 'auto-detected profile');
      assert.ok(info.payload.model, 'a model name');

      assert.deepEqual((await ok('getSetting', name)).payload, { name, value: cam.settings.get(name) });
      assert.deepEqual((await ok('setSetting', { name, value })).payload, { name, value });
      assert.equal(cam.settings.get(name), value, 'the camera holds the new value');
      const all = await ok('getAllSettings');
      assert.equal(all.payload[name], value);
      assert.equal(all.settingsList.length, cam.model.settings.items.length, 'every listed setting, duplicates included');
      const options = await ok('getOptions', name);
      assert.deepEqual(options.payload, { name, permission: 'settable', options: cam.optionsOf(name) });

      const battery = await ok('battery');
      assert.equal(typeof battery.payload.level, 'number');
      assert.equal(typeof battery.payload.charging, 'boolean');
      const storage = await ok('storage');
      assert.ok(storage.payload.freeKiB > 0);

      const photo = await ok('takePhoto', {}, { awaitEvent: true });
      assert.equal(photo.payload.event, 'photoTaken');
      if (photo.payload.path) assert.ok(cam.sd.has(photo.payload.path), `${photo.payload.path} is on the card`);
      else assert.equal(model, 'sj8', 'only the SJ8 reports no photo path');

      const started = await ok('startRecord', {}, { awaitEvent: true });
      assert.equal(started.payload.event, 'recordStarted');
      const time = await ok('recordTime');
      assert.equal(typeof time.payload.seconds, 'number');
      const stopped = await ok('stopRecord', {}, { awaitEvent: true });
      assert.equal(stopped.payload.event, 'recordCompleted');
      if (stopped.payload.path) assert.ok(cam.sd.has(stopped.payload.path));
      else assert.equal(model, 'sj8', 'only the SJ8 reports no video path');

      assert.deepEqual((await ok('startPreview')).payload.rtsp, 'rtsp://127.0.0.1/live');
      assert.deepEqual((await ok('stopPreview')).payload, { stopped: true });

      const files = await ok('listFiles');
      const listed = files.payload.find((f: Msg) => f.path === defaultFile);
      assert.ok(listed, `${defaultFile} listed`);
      assert.equal(listed.size, cam.sd.get(defaultFile)!.data.length);
      const mediaInfo = await ok('mediaInfo', cam.model.default_file.name);
      assert.equal(mediaInfo.payload.size, listed.size);

      const download = await ok('download', defaultFile);
      assert.ok(Buffer.isBuffer(download.payload));
      assert.ok(download.payload.equals(cam.sd.get(defaultFile)!.data));
      assert.equal(download.md5, md5(download.payload));
      assert.equal(download.md5Verified, true);
      assert.equal(download.path, defaultFile);

      const thumb = await ok('thumbnail', defaultFile);
      assert.deepEqual([...thumb.payload.subarray(0, 2)], [0xff, 0xd8]);

      const content = Buffer.from(`uploaded to ${model}`);
      const upload = await ok('upload', content, { path: 'notes.txt' });
      assert.equal(upload.payload.md5, md5(content));
      assert.ok(cam.sd.get(`${media}/notes.txt`)!.data.equals(content));
      await ok('deleteFile', 'notes.txt');
      assert.equal(cam.sd.has(`${media}/notes.txt`), false);

      assert.deepEqual((await ok('cancelTransfer')).payload, { path: null });
      const clock = await ok('setClock', '2024-02-29 12:34:56');
      assert.equal(clock.payload.clock, '2024-02-29 12:34:56');
      const raw = await ok('', { msg_id: 13 });
      assert.equal(raw.payload.rval, 0);

      await ok('format');
      assert.equal(cam.sd.has(defaultFile), false, 'the card is empty after format');

      assert.ok(events.some((e) => e.event?.event === 'photoTaken'), 'photoTaken on the event output');
      assert.ok(events.some((e) => e.topic === 'cam/status' && e.payload.state === 'online'));
    });
  }
});

describe('amba-rpc: sessions, events and failures', () => {
  it('events that arrive before the reply reach output 2 before the reply reaches output 1 (Yi 1 photo)', async () => {
    const cam = await simulator({ model: 'yi1' });
    await helper.load(NODES, flow(cam));
    const order: string[] = [];
    helper.getNode('events').on('input', (m: Msg) => {
      if (m.payload?.msg_id === 7) order.push(m.topic);
    });
    helper.getNode('out').on('input', (m: Msg) => order.push(`reply ${m.topic}`));
    const reply = await ok('takePhoto');
    assert.deepEqual(reply.payload, {});
    assert.deepEqual(order.filter((t) => t !== 'vf_stop'), ['start_photo_capture', 'precise_capture_data_ready', 'photo_taken', 'reply takePhoto']);
  });

  it('re-authenticates after -4 and reports sessionLost on the event output', async () => {
    const cam = await simulator({ model: 'mijia4k' });
    await helper.load(NODES, flow(cam, { camera: { model: 'mijia4k' } }));
    const events = record('events');
    await ok('battery');
    cam.endSession();
    const again = await ok('getSetting', 'video_resolution');
    assert.equal(again.payload.value, '1920x1080/30');
    await waitFor(() => events.some((e) => e.topic === 'sessionLost'), 5000, 'sessionLost');
    assert.equal(events.find((e) => e.topic === 'sessionLost')!.event.event, 'sessionLost');
  });

  it('the takeover race: the holder keeps, the newcomer fails catchably and retries', async () => {
    const cam = await simulator({ model: 'yi1' });
    await helper.load(NODES, [
      ...flow(cam),
      cameraConfig('cam2', cam, { timeout: 1 }),
      { id: 'rpc2', type: 'amba-rpc', z: 'f1', camera: 'cam2-config', wires: [['out2'], ['events2']] },
      { id: 'out2', type: 'helper', z: 'f1' },
      { id: 'events2', type: 'helper', z: 'f1' },
    ]);
    await ok('battery');
    const events2 = record('events2');
    const second = await ask('battery', {}, {}, 'rpc2', 'out2', 'caught');
    assert.equal(second.ok, false);
    assert.match(second.msg.error.message, /another device holds the camera/);
    assert.equal(second.msg.amba.rval, -3);
    assert.ok(events2.some((e) => e.topic === 'cam2/status' && e.payload.state === 'offline'));
    assert.ok(cam.requests.some((r) => /"msg_id":1793,"token":\d+,"rval":0/.test(r.text)), 'the holder answered keep');
    assert.equal((await ok('getSetting', 'photo_size')).payload.value, '16M (4608x3456 4:3)', 'the holder goes on');
  });

  it('with yield, the newcomer gets the camera and the holder gives way until asked again', async () => {
    const cam = await simulator({ model: 'mijia4k' });
    await helper.load(NODES, [
      ...flow(cam, { camera: { takeover: 'yield', model: 'mijia4k' } }),
      cameraConfig('cam2', cam, { model: 'mijia4k' }),
      { id: 'rpc2', type: 'amba-rpc', z: 'f1', camera: 'cam2-config', wires: [['out2'], []] },
      { id: 'out2', type: 'helper', z: 'f1' },
    ]);
    await ok('battery');
    const taken = await ask('battery', {}, {}, 'rpc2', 'out2', 'caught');
    assert.ok(taken.ok, 'the newcomer got the camera');
    const refused = await ask('battery', {});
    assert.equal(refused.ok, false);
    assert.equal(refused.msg.amba.rval, -4);
    assert.match(refused.msg.error.message, /invalid token/);
  });

  it('a camera that stops answering fails that message only, then the node reconnects', async () => {
    const cam = await simulator({ model: 'sj8', faults: { silentMsgIds: [515] } });
    await helper.load(NODES, flow(cam, { camera: { timeout: 1, model: 'sj8' } }));
    const events = record('events');
    await ok('battery');
    const [silent, next] = await Promise.all([ask('recordTime', {}), ask('getSetting', 'camera_mode')]);
    assert.equal(silent.ok, false);
    assert.match(silent.msg.error.message, /no reply within 1000 ms/);
    assert.equal(silent.msg.amba.code, 'TIMEOUT');
    assert.ok(next.ok, 'the queued message is answered after the reconnect');
    assert.equal(next.msg.payload.value, 'normal_record');
    assert.ok(events.some((e) => e.topic === 'cam/status' && e.payload.state === 'offline'));
  });

  it('a download resumed after the data connection dropped arrives whole, md5 checked', async () => {
    const cam = await simulator({ model: 'yi1', videoBytes: 250_000, faults: { dropDataAfterBytes: 100_000 } });
    await helper.load(NODES, flow(cam, { camera: { model: 'yi1' } }));
    const path = cam.sd.addVideo('YDXJ0099.mp4', 9);
    const r = await ok('download', path);
    assert.ok(r.payload.equals(cam.sd.get(path)!.data));
    assert.equal(r.resumed, 1);
    assert.equal(r.md5Verified, true);
    assert.equal(r.md5, md5(cam.sd.get(path)!.data));
    assert.equal(r.url, 'http://127.0.0.1/DCIM/100MEDIA/YDXJ0099.mp4');
  });

  it('refusals and bad messages become readable errors for a catch node', async () => {
    const cam = await simulator({ model: 'yi1' });
    await helper.load(NODES, flow(cam, { camera: { model: 'yi1' } }));
    const bad = await ask('setSetting', { name: 'video_resolution', value: '4096x2160 99P' });
    assert.equal(bad.ok, false);
    assert.match(bad.msg.error.message, /rval -13, invalid option value/);
    assert.equal(bad.msg.amba.rval, -13);
    const unknown = await ask('explode', {});
    assert.equal(unknown.ok, false);
    assert.match(unknown.msg.error.message, /unknown-command/);
    const noCommand = await ask('', 'just text');
    assert.equal(noCommand.ok, false);
    const missing = await ask('download', {});
    assert.match(missing.msg.error.message, /missing payload.path/);
    assert.equal((await ok('battery')).payload.level, 100, 'the node still works');
  });

  it('closing the flow ends the session (258) and releases every socket', async () => {
    const cam = await simulator({ model: 'yi1' });
    await helper.load(NODES, flow(cam));
    await ok('download', `${cam.model.media_dir}/${cam.model.default_file.name}`);
    assert.ok(cam.connectionCount >= 2);
    await helper.unload();
    await waitFor(() => cam.connectionCount === 0, 5000, 'all connections closed');
    assert.equal(cam.currentToken, 0, 'the camera is free for the next client');
  });
});
