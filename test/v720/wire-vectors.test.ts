// The cloud and the simulator on the wire, byte for byte against the spec's capture (§7):
// the registration and heartbeat on TCP, the MQTT CONNECT / SUBSCRIBE / PUBLISH of a real
// camera, and the simulator's own HTTP request, registration and MQTT CONNECT.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FakeCloud } from '../../nodes/v720/fake-cloud';
import { SimulatedCamera } from '../../sim/v720/camera-simulator';
import { decodeDatagram } from '../../nodes/v720/naxclow-header';
import { parseMessage } from '../../nodes/v720/naxclow-json';
import { NaxclowFramer } from '../../nodes/v720/tcp-framer';
import { waitFor } from '../support/node-red';
import { CAPTURED_UID, V } from './spec-vectors';

/** A raw TCP client that collects everything it receives. */
async function rawClient(port: number): Promise<{ socket: net.Socket; received: () => Buffer }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { socket, received: () => Buffer.concat(chunks) };
}

/** A TCP server that records what the first client sends (a stand-in peer). */
async function recorder(): Promise<{ port: number; bytes: () => Buffer; close(): Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bytes: () => Buffer.concat(chunks),
    close: () => new Promise((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }),
  };
}

describe('v720 wire vectors', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = new FakeCloud({ bindHost: '127.0.0.1', advertisedHost: '127.0.0.1', httpPort: 0, tcpPort: 0, mqtt: { mode: 'embedded', port: 0 } });
    await cloud.start();
  });
  after(async () => {
    await cloud.close();
  });

  it('answers the captured registration with 101 and the heartbeat with 100, keyed by the uid', async () => {
    const c = await rawClient(cloud.ports.tcp);
    try {
      // Split across two writes, as TCP may deliver it.
      c.socket.write(V.register100.subarray(0, 30));
      c.socket.write(Buffer.concat([V.register100.subarray(30), V.heartbeatCamera]));
      await waitFor(() => c.received().length >= 45 + 20, 5000, 'replies');
      const framer = new NaxclowFramer();
      const packets = framer.push(c.received()).packets;
      assert.deepEqual(parseMessage(packets[0].payload), { code: 101, status: 200 });
      assert.equal(packets[1].cmd, 100);
      assert.equal(packets[1].payload.length, 0);
      assert.equal(cloud.registry.get(CAPTURED_UID)!.online, true);
    } finally {
      c.socket.destroy();
    }
    await waitFor(() => cloud.registry.get(CAPTURED_UID)!.online === false, 5000, 'offline after close');
  });

  it('the embedded broker takes the captured MQTT CONNECT (quoted password), SUBSCRIBE and Status PUBLISH', async () => {
    const c = await rawClient(cloud.ports.mqtt);
    try {
      c.socket.write(V.mqttConnect);
      await waitFor(() => c.received().length >= 4, 5000, 'CONNACK');
      assert.ok(c.received().subarray(0, 4).equals(V.mqttConnack));
      c.socket.write(V.mqttSubscribe);
      await waitFor(() => c.received().length >= 9, 5000, 'SUBACK');
      assert.ok(c.received().subarray(4, 9).equals(V.mqttSuback));
      c.socket.write(V.mqttStatusPublish);
      await waitFor(() => cloud.registry.get(CAPTURED_UID)?.mqtt === true, 5000, 'Status 1 seen');
      // A command reaches the camera's subscription as a PUBLISH on .../sub/<uid>.
      const before = c.received().length;
      void cloud.command(CAPTURED_UID, { code: 202, IrLed: 1 }, { via: 'mqtt', timeoutMs: 300 }).catch(() => undefined);
      await waitFor(() => c.received().length > before, 5000, 'command publish');
      const publish = c.received().subarray(before);
      assert.equal(publish[0] >> 4, 3, 'a PUBLISH packet');
      assert.ok(publish.includes(Buffer.from(`Naxclow/P2P/Users/Device/sub/${CAPTURED_UID}{"code":202,"IrLed":1}`)));
    } finally {
      c.socket.destroy();
    }
    // The will (status 0) or the disconnect marks the camera gone from MQTT.
    await waitFor(() => cloud.registry.get(CAPTURED_UID)?.mqtt === false, 5000, 'MQTT offline');
  });

  it('the simulator sends the captured HTTP request, registration and MQTT CONNECT bytes', async () => {
    const http = await recorder();
    const broker = await recorder();
    const cam = new SimulatedCamera({ uid: CAPTURED_UID, cloudHost: '127.0.0.1', httpPort: http.port, mqttUrl: `mqtt://127.0.0.1:${broker.port}`, bootstrapRandom: 'OPQRST', bootstrapToken: '2d8c8b52f1', mqttPassword: '"656f41d93b"' });
    try {
      assert.ok(cam.bootstrapRequest('/app/api/ApiServer/getA9ConfCheck', { devicesCode: CAPTURED_UID }).equals(V.httpConfCheck));
      assert.ok(cam.registrationPacket('91edf41f').equals(V.register100));
      // Let it boot against the real cloud for TCP, but with MQTT pointed at the recorder.
      const real = new SimulatedCamera({ uid: CAPTURED_UID, cloudHost: '127.0.0.1', httpPort: cloud.ports.http, mqttUrl: `mqtt://127.0.0.1:${broker.port}`, mqttPassword: '"656f41d93b"' });
      await real.start();
      await waitFor(() => broker.bytes().length >= V.mqttConnect.length, 5000, 'MQTT CONNECT');
      assert.equal(broker.bytes().subarray(0, V.mqttConnect.length).toString('hex'), V.mqttConnect.toString('hex'));
      await real.stop();
    } finally {
      await cam.stop();
      await http.close();
      await broker.close();
    }
  });

  it('answers code 20 on UDP with the sender\'s address (21)', async () => {
    const dgram = await import('node:dgram');
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    try {
      const reply = new Promise<Buffer>((resolve) => udp.once('message', resolve));
      udp.send(V.code20, cloud.ports.udp, '127.0.0.1');
      const packet = decodeDatagram(await reply)!;
      assert.deepEqual(parseMessage(packet.payload), { code: 21, ip: '127.0.0.1', port: udp.address().port });
    } finally {
      udp.close();
    }
  });
});
