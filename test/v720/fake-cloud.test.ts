// The fake cloud against simulated cameras, without Node-RED: bootstrap, registration keyed by
// device id, MQTT, the live-view handshake, reassembled frames, audio, 605 flow control,
// commands over MQTT and TCP, faults, and re-registration.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jpegJs = require('jpeg-js');
import { FrameMessage } from '../../nodes/core/frame';
import { Subscription } from '../../nodes/core/fanout-hub';
import { FakeCloud } from '../../nodes/v720/fake-cloud';
import { SimulatedCamera, startSimulatedCameras } from '../../sim/v720/camera-simulator';
import { SimPictures, simFrameNumber } from '../../sim/v720/sim-pictures';
import { waitFor } from '../support/node-red';

const pictures = new SimPictures({ width: 160, height: 120, distinct: 5 });

async function startCloud(extra: Partial<ConstructorParameters<typeof FakeCloud>[0]> = {}): Promise<FakeCloud> {
  const cloud = new FakeCloud({ bindHost: '127.0.0.1', advertisedHost: '127.0.0.1', httpPort: 0, tcpPort: 0, mqtt: { mode: 'embedded', port: 0 }, ...extra });
  await cloud.start();
  return cloud;
}

function camera(cloud: FakeCloud, extra: Partial<ConstructorParameters<typeof SimulatedCamera>[0]> = {}): SimulatedCamera {
  return new SimulatedCamera({
    cloudHost: '127.0.0.1', httpPort: cloud.ports.http, mqttUrl: `mqtt://127.0.0.1:${cloud.ports.mqtt}`, localAddress: '127.0.0.1',
    pictures, fps: 10, infoDelayMs: 50, ...extra,
  });
}

function watch(cloud: FakeCloud, uid: string): { frames: FrameMessage[]; audio: FrameMessage[]; sub: Subscription<FrameMessage> } {
  const frames: FrameMessage[] = [];
  const audio: FrameMessage[] = [];
  const sub = cloud.stream(uid).subscribe({ deliver: (m) => void (m.frame.kind === 'video' ? frames : audio).push(m) });
  return { frames, audio, sub };
}

describe('v720 fake cloud with simulated cameras', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await startCloud();
  });
  after(async () => {
    await cloud.close();
  });

  it('a fresh camera gets an id, registers, and shows up online with MQTT Info', async () => {
    const cam = camera(cloud);
    try {
      await cam.start();
      assert.match(cam.uid, /^0800c00\d{5}$/);
      await waitFor(() => cloud.registry.get(cam.uid)?.info != null, 10_000, 'Info');
      const rec = cloud.registry.get(cam.uid)!;
      assert.equal(rec.online, true);
      assert.equal(rec.mqtt, true);
      assert.equal(rec.firmware, '202212011602');
      assert.equal(rec.address, '127.0.0.1');
      assert.equal(rec.info!.devicesCode, cam.uid);
    } finally {
      await cam.stop();
    }
    await waitFor(() => cloud.registry.get(cam.uid)?.online === false && cloud.registry.get(cam.uid)?.mqtt === false, 10_000, 'offline');
  });

  it('streams whole JPEG frames and A-law audio per the frame contract, and stops with the last viewer', async () => {
    const cam = camera(cloud, { uid: 'A9STREAM0001' });
    try {
      await cam.start();
      const { frames, audio, sub } = watch(cloud, cam.uid);
      await waitFor(() => frames.length >= 15 && audio.length >= 5, 20_000, 'frames and audio');
      assert.equal(cloud.liveViewState(cam.uid), 'streaming');
      frames.forEach((m, i) => {
        assert.equal(m.topic, cam.uid);
        assert.deepEqual({ ...m.frame, timestamp: 0 }, { camera: cam.uid, source: 'v720', kind: 'video', codec: 'jpeg', keyframe: true, seq: i, timestamp: 0, width: 160, height: 120 });
        assert.equal(jpegJs.decode(m.payload, { useTArray: true }).width, 160);
      });
      const numbers = frames.map((m) => simFrameNumber(m.payload)!);
      assert.deepEqual(numbers, numbers.map((_, i) => numbers[0] + i), 'no frame lost at 0 % loss');
      assert.deepEqual({ ...audio[0].frame, timestamp: 0 }, { camera: cam.uid, source: 'v720', kind: 'audio', codec: 'pcma', keyframe: true, seq: 0, timestamp: 0, sampleRate: 8000, channels: 1 });
      assert.equal(audio[0].payload.length, 800);
      assert.ok(cam.counts.confirmsReceived > 0, 'the cloud confirms with 605');
      sub.close();
      await waitFor(() => !cam.streaming, 10_000, 'camera stops after 301/0');
      assert.equal(cloud.liveViewState(cam.uid), 'idle');
    } finally {
      await cam.stop();
    }
  });

  it('never emits a corrupt frame with 5 % loss, duplication and reordering', async () => {
    const cam = camera(cloud, { uid: 'A9LOSSY00001', faults: { loss: 0.05, duplicate: 0.05, reorder: 0.05, seed: 7 } });
    try {
      await cam.start();
      const { frames, sub } = watch(cloud, cam.uid);
      await waitFor(() => frames.length >= 20 && cam.counts.packetsLost >= 3 && cloud.mediaStats(cam.uid)!.duplicates >= 1, 60_000, 'frames through the lossy link');
      sub.close();
      for (const m of frames) {
        const n = simFrameNumber(m.payload);
        assert.ok(n !== null && m.payload.equals(pictures.frame(n)), 'every frame is exactly one the camera sent');
      }
      assert.ok(frames.length < cam.counts.framesSent, 'frames hit by loss were thrown away, not emitted');
    } finally {
      await cam.stop();
    }
  });

  it('the camera stalls without 605 confirms (simulator honours flow control)', async () => {
    const cam = camera(cloud, { uid: 'A9STALL00001', audio: false });
    try {
      await cam.start();
      const { frames, sub } = watch(cloud, cam.uid);
      await waitFor(() => frames.length >= 3, 20_000, 'frames');
      // Confirms stop when the peer is unbound; the camera must then hold its frames.
      (cloud as any).media.unbindPeer(cam.uid);
      (cloud as any).cameras.get(cam.uid).view.receiver.confirms.stop();
      await waitFor(() => cam.counts.framesSkipped > 0, 15_000, 'camera stalls');
      sub.close();
    } finally {
      await cam.stop();
    }
  });

  it('keys cameras by id: a dropped TCP link re-registers and the stream resumes', async () => {
    const cam = camera(cloud, { uid: 'A9REREG00001', reconnectMs: 200 });
    try {
      await cam.start();
      const { frames, sub } = watch(cloud, cam.uid);
      await waitFor(() => frames.length >= 5, 20_000, 'frames');
      cam.dropTcp();
      await waitFor(() => cam.counts.registrations >= 2, 10_000, 're-registration');
      const before = frames.length;
      await waitFor(() => frames.length >= before + 5, 30_000, 'stream resumes');
      assert.equal(cloud.registry.list().filter((c) => c.id === cam.uid).length, 1);
      sub.close();
    } finally {
      await cam.stop();
    }
  });

  it('commands over MQTT resolve with the re-published Info; over TCP with the 301 echo', async () => {
    const cam = camera(cloud, { uid: 'A9COMMAND001' });
    try {
      await cam.start();
      await waitFor(() => cloud.registry.get(cam.uid)?.info != null, 10_000, 'Info');
      const info = await cloud.command(cam.uid, { code: 202, IrLed: 1 }, { via: 'mqtt', timeoutMs: 10_000 });
      assert.equal(info.IrLed, 1);
      assert.equal(cam.settings.IrLed, 1);
      const echo = await cloud.command(cam.uid, { code: 216, mirrorFlip: 4 }, { via: 'tcp', timeoutMs: 10_000 });
      assert.deepEqual(echo, { code: 216, mirrorFlip: 4 });
      await assert.rejects(cloud.command('NOSUCHCAM', { code: 202, IrLed: 0 }, { via: 'tcp', timeoutMs: 500 }), /not registered on TCP/);
    } finally {
      await cam.stop();
    }
  });

  it('unknown bootstrap paths are 404; a newer firmware asking getDevInfo is marked unsupported', async () => {
    const res = await fetch(`http://127.0.0.1:${cloud.ports.http}/app/api/Nope`, { method: 'POST' });
    assert.equal(res.status, 404);
    const info = await fetch(`http://127.0.0.1:${cloud.ports.http}/app/api/ApiSysDevices/getDevInfo?devicesCode=NEWFW0000001&random=ABCDEF&token=0123456789`, { method: 'POST', headers: { version: '202411152039' } });
    assert.deepEqual(await info.json(), { code: 200, message: 'OK', data: { userInfo_state: 1 } });
    const rec = cloud.registry.get('NEWFW0000001')!;
    assert.equal(rec.supported, false);
    assert.match(rec.reason!, /202411152039/);
  });

  it('runs several cameras at once, each with its own stream', async () => {
    const fleet = await startSimulatedCameras(3, { cloudHost: '127.0.0.1', httpPort: cloud.ports.http, mqttUrl: `mqtt://127.0.0.1:${cloud.ports.mqtt}`, localAddress: '127.0.0.1', pictures, fps: 10 });
    try {
      const watches = fleet.cameras.map((c) => watch(cloud, c.uid));
      await waitFor(() => watches.every((w) => w.frames.length >= 10), 30_000, 'frames from every camera');
      watches.forEach((w, i) => assert.ok(w.frames.every((m) => m.topic === fleet.cameras[i].uid)));
      watches.forEach((w) => w.sub.close());
    } finally {
      await fleet.close();
    }
  });
});
