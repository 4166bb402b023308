// dahua-p2p-device with two dahua-ptcp-tunnel nodes, redeployed 100 times (full deploys) with a
// client connected through each tunnel every time. Afterwards this process holds none of the
// UDP ports the handshakes used nor the tunnels' TCP ports, its sockets and timers are what they
// were before the first deploy, and the tunnels still carry data after the last deploy. The
// simulator runs in a child process so that only the Node-RED side is counted here.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import deviceNode = require('../../nodes/dahua/dahua-p2p-device');
import tunnelNode = require('../../nodes/dahua/dahua-ptcp-tunnel');
import { TAB, helper, record, waitFor } from '../support/node-red';
import { freePort, ownBoundPorts, portIsFree, udpPortIsFree } from '../support/ports';
import { ECHO_DEVICE_PORTS, SimChild } from './sim-child';

const DEPLOYS = 100;
/** The resources that a leak of ours would leave: sockets, listeners and timers. */
const WATCHED = ['UDPWrap', 'TCPSocketWrap', 'TCPServerWrap', 'Timeout'];

function resources(): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(WATCHED.map((w) => [w, 0]));
  for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r]++;
  return counts;
}

function flow(sim: SimChild, ports: number[], deploy: number): object[] {
  const tunnel = (i: number) => ({
    id: `tun${i}`,
    type: 'dahua-ptcp-tunnel',
    z: TAB.id,
    name: `tunnel ${i}`,
    device: 'dev1',
    bindAddress: '127.0.0.1',
    port: ports[i],
    remotePort: ECHO_DEVICE_PORTS[i],
    statsInterval: 1,
    wires: [[`out${i}`]],
  });
  return [
    TAB,
    { id: 'dev1', type: 'dahua-p2p-device', name: `cam ${deploy}`, serial: sim.info.serial, cloudHost: sim.info.cloud.host, cloudPort: sim.info.cloud.port, mode: 'direct', auth: 'auto', udpBind: '127.0.0.1', timeout: 5 },
    tunnel(0),
    tunnel(1),
    { id: 'out0', type: 'helper', z: TAB.id, wires: [] },
    { id: 'out1', type: 'helper', z: TAB.id, wires: [] },
  ];
}

/** A client of a tunnel that has had `payload` echoed back through it, still connected. */
async function echoedClient(port: number, payload: Buffer): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const chunks: Buffer[] = [];
  let got = 0;
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    got += d.length;
  });
  socket.write(payload);
  await waitFor(() => got >= payload.length || socket.destroyed, 30_000, `the echo through port ${port}`);
  assert.ok(Buffer.concat(chunks).equals(payload), `port ${port} echoed ${got} of ${payload.length} bytes intact`);
  return { socket, closed };
}

/** Both tunnels say online, on their configured ports. */
async function bothOnline(ports: number[]): Promise<void> {
  const outs = [record('out0'), record('out1')];
  await waitFor(() => outs.every((o) => o.some((m) => m.payload.state === 'online')), 30_000, 'both tunnels online');
  outs.forEach((o, i) => assert.match(o.find((m) => m.payload.state === 'online')!.payload.url, new RegExp(`^tcp://127\\.0\\.0\\.1:${ports[i]}$`)));
}

describe('dahua nodes across 100 redeploys', () => {
  let sim: SimChild;

  before(async () => {
    sim = await SimChild.start();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload(); // also when an assertion failed mid-way, so nothing keeps the process alive
  });

  after(async () => {
    await helper.stopServer();
    await sim.stop();
  });

  it('release every port, socket and timer, and still tunnel after the last deploy', async () => {
    const ports = [await freePort(), await freePort()];
    // Node-RED's own one-time set-up is not ours to count: deploy and remove an empty flow first
    await helper.load([deviceNode, tunnelNode], [TAB]);
    await helper.unload();
    const resourcesBefore = resources();
    const portsBefore = ownBoundPorts();

    await helper.load([deviceNode, tunnelNode], flow(sim, ports, 0));
    for (let deploy = 1; deploy <= DEPLOYS; deploy++) {
      await bothOnline(ports);
      const clients = await Promise.all(ports.map((p, i) => echoedClient(p, Buffer.from(`deploy ${deploy} tunnel ${i}\n`))));
      await helper.setFlows(flow(sim, ports, deploy), 'full');
      await Promise.all(clients.map((c) => c.closed)); // the redeploy cut them off
    }

    await bothOnline(ports);
    const last = await Promise.all(ports.map((p) => echoedClient(p, randomBytes(256 * 1024))));
    last.forEach((c) => c.socket.destroy());
    await helper.unload();

    // Every deploy's handshake completed (bothOnline above). The cloud's list of client UDP ports
    // is not counted: the OS may hand a closed socket's port number out again. Each one is checked
    // for release below.
    const udpPorts = await sim.clientUdpPorts();
    assert.ok(udpPorts.length > 0, 'the simulated cloud saw the handshakes');
    await waitFor(() => JSON.stringify(resources()) === JSON.stringify(resourcesBefore), 20_000, 'sockets and timers back to where they were').catch(() => {});
    assert.deepEqual(resources(), resourcesBefore, 'active sockets, listeners and timers before the first deploy and after the last');
    const portsAfter = ownBoundPorts();
    if (portsBefore && portsAfter) {
      assert.deepEqual(udpPorts.filter((p) => portsAfter.udp.has(p)), [], 'no handshake UDP port is still bound by this process');
      assert.deepEqual([...portsAfter.udp].filter((p) => !portsBefore.udp.has(p)), [], 'no new UDP port bound');
      assert.deepEqual([...portsAfter.tcp].filter((p) => !portsBefore.tcp.has(p)), [], 'no new TCP port bound (listeners or connections)');
    } else {
      // no /proc: ask the system instead, port by port
      for (const p of udpPorts) assert.ok(await udpPortIsFree(p), `UDP port ${p} is free`);
    }
    for (const p of ports) assert.ok(await portIsFree(p), `the tunnel's port ${p} can be listened on again`);
  });
});
