// External-broker mode against a real mosquitto started on loopback: the cameras talk to
// mosquitto, the cloud joins it as a client, sees Status/Info and sends commands through it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeCloud } from '../../nodes/v720/fake-cloud';
import { SimulatedCamera } from '../../sim/v720/camera-simulator';
import { waitFor } from '../support/node-red';
import { Mosquitto, startMosquitto } from './mosquitto';

describe('v720 cloud with an external broker (mosquitto)', () => {
  let mosquitto: Mosquitto;
  let cloud: FakeCloud;
  before(async () => {
    mosquitto = await startMosquitto();
    cloud = new FakeCloud({ bindHost: '127.0.0.1', advertisedHost: '127.0.0.1', httpPort: 0, tcpPort: 0, mqtt: { mode: 'external', url: mosquitto.url } });
    await cloud.start();
  });
  after(async () => {
    await cloud?.close();
    await mosquitto?.stop();
  });

  it('sees the camera\'s Status and Info through mosquitto and gets command results back', async () => {
    assert.equal(cloud.ports.mqtt, 0, 'no embedded broker listens');
    assert.match(cloud.mqttWhere, /^broker mqtt:\/\/127\.0\.0\.1:\d+$/);
    const cam = new SimulatedCamera({ uid: 'A9MOSQUITTO1', cloudHost: '127.0.0.1', httpPort: cloud.ports.http, mqttUrl: mosquitto.url, localAddress: '127.0.0.1', infoDelayMs: 50, pictures: { width: 160, height: 120 } });
    try {
      await cam.start();
      await waitFor(() => cloud.registry.get(cam.uid)?.info != null, 15_000, 'Info through mosquitto');
      assert.equal(cloud.registry.get(cam.uid)!.mqtt, true);
      const info = await cloud.command(cam.uid, { code: 210, instLed: 0 }, { via: 'mqtt', timeoutMs: 10_000 });
      assert.equal(info.instLed, 0);
      assert.equal(cam.settings.instLed, 0);
      const frames: Buffer[] = [];
      const sub = cloud.stream(cam.uid).subscribe({ deliver: (m) => void (m.frame.kind === 'video' && frames.push(m.payload)) });
      await waitFor(() => frames.length >= 5, 20_000, 'live view works beside an external broker');
      sub.close();
    } finally {
      await cam.stop();
    }
    await waitFor(() => cloud.registry.get('A9MOSQUITTO1')!.mqtt === false, 15_000, 'will / status 0 through mosquitto');
  });
});
