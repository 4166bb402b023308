// dahua-p2p-device + dahua-ptcp-tunnel in Node-RED against the simulated cloud and device:
// real ffprobe reads the RTSP stream through the tunnel, four RTSP clients at once, 50 MB each
// way through one realm over a lossy, duplicating, reordering path, and a device that dies and
// comes back without a redeploy.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect, Server, Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import deviceNode = require('../../nodes/dahua/dahua-p2p-device');
import tunnelNode = require('../../nodes/dahua/dahua-ptcp-tunnel');
import { DahuaSimulator, startDahuaSimulator } from '../../sim/dahua/dahua-simulator';
import { requireTool, testStream } from '../support/ffmpeg';
import { TAB, helper, record, waitFor } from '../support/node-red';

const DEVICE = 'dev1';
const TUNNEL = 'tun1';
const OUT = 'out1';
const CATCH_OUT = 'caught';

function flow(sim: DahuaSimulator, tunnel: Record<string, unknown> = {}, device: Record<string, unknown> = {}): object[] {
  return [
    TAB,
    { id: DEVICE, type: 'dahua-p2p-device', name: 'sim cam', serial: sim.serial, cloudHost: sim.cloud.host, cloudPort: sim.cloud.port, mode: 'auto', auth: 'auto', udpBind: '127.0.0.1', timeout: 2, ...device },
    { id: TUNNEL, type: 'dahua-ptcp-tunnel', z: TAB.id, name: 'rtsp', device: DEVICE, bindAddress: '127.0.0.1', port: 0, remotePort: 554, statsInterval: 1, wires: [[OUT]], ...tunnel },
    { id: OUT, type: 'helper', z: TAB.id },
    { id: 'catch1', type: 'catch', z: TAB.id, scope: null, uncaught: false, wires: [[CATCH_OUT]] },
    { id: CATCH_OUT, type: 'helper', z: TAB.id },
  ];
}

type Msg = Record<string, any>;

function latest(messages: Msg[], state?: string): Msg | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (!state || messages[i].payload?.state === state) return messages[i];
  return undefined;
}

function ffprobe(url: string): Promise<{ codec_name: string; width: number; height: number }> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', url], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ffprobe failed: ${err.message} ${stderr}`));
      else resolve(JSON.parse(stdout).streams[0]);
    });
  });
}

/** Every status text the node shows from now on (the helper emits call:status per call). */
function statusTexts(nodeId: string): string[] {
  const texts: string[] = [];
  helper.getNode(nodeId).on('call:status', (call: { args: [{ text?: string }] }) => texts.push(call.args[0]?.text ?? ''));
  return texts;
}

function portFromUrl(url: string): number {
  return Number(/:(\d+)\//.exec(url)?.[1] ?? /:(\d+)$/.exec(url)?.[1]);
}

describe('dahua-ptcp-tunnel in Node-RED', () => {
  let sim: DahuaSimulator;
  let sink: Server;
  const sinkState = { hash: createHash('sha256'), bytes: 0, reply: Buffer.alloc(0) };

  before(async () => {
    requireTool('ffprobe');
    const h264 = readFileSync(testStream({ kind: 'h264', seconds: 3 }));
    // a device port that swallows what it gets (hashing it) and sends sinkState.reply back
    sink = createServer((s: Socket) => {
      s.on('error', () => {});
      s.on('data', (d) => {
        sinkState.hash.update(d);
        sinkState.bytes += d.length;
      });
      s.write(sinkState.reply);
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const a = sink.address();
    sim = await startDahuaSimulator({ h264, fps: 10, services: { 9000: typeof a === 'object' && a ? a.port : 0 }, deviceHeartbeatMs: 1000 });
    await helper.startServer();
  });

  after(async () => {
    await helper.stopServer();
    await sim.close();
    await new Promise((r) => sink.close(r));
  });

  afterEach(async () => {
    sim.setFaults({});
    sim.reviveDevice();
    sim.setUnauthorized(false);
    await helper.unload();
  });

  let texts: string[] = [];

  async function loadOnline(tunnel: Record<string, unknown> = {}, device: Record<string, unknown> = {}): Promise<Msg[]> {
    await helper.load([deviceNode, tunnelNode], flow(sim, tunnel, device));
    const out = record(OUT);
    texts = statusTexts(TUNNEL);
    await waitFor(() => latest(out)?.payload.state === 'online', 30_000, 'tunnel online');
    return out;
  }

  it('goes online, says so in its status, and ffprobe reads the RTSP stream through it', async () => {
    const out = await loadOnline();
    const online = latest(out, 'online')!;
    assert.equal(online.topic, 'rtsp/status');
    assert.equal(online.payload.path, 'direct');
    assert.match(online.payload.url, /^rtsp:\/\/127\.0\.0\.1:\d+\/cam\/realmonitor\?channel=1&subtype=0$/);
    const stream = await ffprobe(online.payload.url);
    assert.deepEqual(stream, { codec_name: 'h264', width: 320, height: 240 });
    await waitFor(() => texts.some((t) => /^direct, \d clients?$/.test(t)), 10_000, 'status text "direct, N clients"');
    await waitFor(() => latest(out)?.payload.rttMs !== null && latest(out)?.payload.bytesInPerSec > 0, 10_000, 'statistics with RTT and bytes/s');
  });

  it('serves four RTSP clients at once', async () => {
    const out = await loadOnline();
    const url = latest(out, 'online')!.payload.url as string;
    const streams = await Promise.all([1, 2, 3, 4].map(() => ffprobe(url)));
    for (const s of streams) assert.deepEqual(s, { codec_name: 'h264', width: 320, height: 240 });
    assert.ok(sim.stats().rtspPeakPlaying >= 4, `the four clients played at the same time (peak ${sim.stats().rtspPeakPlaying})`);
  });

  it('moves 50 MB each way through one realm with 3 % loss, duplication and reordering, byte for byte', async () => {
    const size = 50 * 1024 * 1024;
    const up = randomBytes(size);
    sinkState.reply = randomBytes(size);
    sinkState.hash = createHash('sha256');
    sinkState.bytes = 0;
    const out = await loadOnline({ remotePort: 9000 });
    sim.setFaults({ loss: 0.03, duplicate: 0.03, reorder: 0.03 });
    const client = connect(portFromUrl(latest(out, 'online')!.payload.url), '127.0.0.1');
    const down = createHash('sha256');
    let downBytes = 0;
    client.on('data', (d) => {
      down.update(d);
      downBytes += d.length;
    });
    client.write(up);
    await waitFor(() => downBytes >= size && sinkState.bytes >= size, 600_000, '50 MB each way');
    client.destroy();
    assert.equal(downBytes, size);
    assert.equal(sinkState.bytes, size);
    assert.equal(down.digest('hex'), createHash('sha256').update(sinkState.reply).digest('hex'));
    assert.equal(sinkState.hash.digest('hex'), createHash('sha256').update(up).digest('hex'));
    await waitFor(() => latest(out)?.payload.retransmissions > 0, 10_000, 'retransmissions reported');
  });

  it('closes a client that stops reading instead of letting it stall another client of the same device', async () => {
    const size = 24 * 1024 * 1024;
    sinkState.reply = randomBytes(size);
    const out = await loadOnline({ remotePort: 9000 });
    const port = portFromUrl(latest(out, 'online')!.payload.url);
    const stalled = connect(port, '127.0.0.1');
    stalled.pause(); // never reads: its data piles up in front of it
    let stalledGot = 0;
    let stalledClosed = false;
    stalled.on('close', () => (stalledClosed = true));
    stalled.on('error', () => {});
    const reader = connect(port, '127.0.0.1');
    const hash = createHash('sha256');
    let got = 0;
    reader.on('data', (d) => {
      hash.update(d);
      got += d.length;
    });
    try {
      await waitFor(() => got >= size, 120_000, 'the reading client gets everything');
      assert.equal(hash.digest('hex'), createHash('sha256').update(sinkState.reply).digest('hex'));
      // a paused socket cannot see its reset; reading again shows it was cut off early
      stalled.on('data', (d) => (stalledGot += d.length));
      stalled.resume();
      await waitFor(() => stalledClosed, 60_000, 'the stalled client is disconnected');
      assert.ok(stalledGot < size, `the stalled client was cut off (${stalledGot} of ${size} bytes)`);
    } finally {
      stalled.destroy();
      reader.destroy();
    }
  });

  it('reconnects by itself after the device dies and comes back, keeping its port', async () => {
    const out = await loadOnline();
    const url = latest(out, 'online')!.payload.url as string;
    const sessionsBefore = sim.stats().deviceSessions;
    sim.killDevice();
    await waitFor(() => latest(out)?.payload.state === 'offline', 60_000, 'offline');
    assert.equal(latest(out, 'offline')!.payload.url, url, 'the listener keeps its port');
    sim.reviveDevice();
    await waitFor(() => latest(out)?.payload.state === 'online', 90_000, 'online again');
    assert.ok(sim.stats().deviceSessions > sessionsBefore, 'a new PTCP session');
    assert.deepEqual(await ffprobe(url), { codec_name: 'h264', width: 320, height: 240 });
  });

  it('obeys msg.action stop, start and restart, and rejects anything else through done(err)', async () => {
    const out = await loadOnline();
    const port = portFromUrl(latest(out, 'online')!.payload.url);
    const tunnel = helper.getNode(TUNNEL);
    tunnel.receive({ action: 'stop' });
    await waitFor(() => latest(out)?.payload.state === 'stopped', 10_000, 'stopped');
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const s = connect(port, '127.0.0.1');
        s.on('connect', () => {
          s.destroy();
          resolve();
        });
        s.on('error', reject);
      }),
      /ECONNREFUSED/,
    );
    tunnel.receive({ action: 'start' });
    await waitFor(() => latest(out)?.payload.state === 'online', 30_000, 'online after start');
    tunnel.receive({ action: 'restart' });
    await waitFor(() => out.some((m) => m.payload.state === 'connecting') && latest(out)?.payload.state === 'online', 30_000, 'online after restart');
    const caught = record(CATCH_OUT);
    tunnel.receive({ action: 'explode' });
    await waitFor(() => caught.length > 0, 10_000, 'catch');
    assert.match(caught[0].error.message, /msg.action must be start, stop or restart/);
  });

  it('shows a refused app key as an error the user must fix, catchable by a catch node', async () => {
    sim.setUnauthorized(true);
    await helper.load([deviceNode, tunnelNode], flow(sim));
    const out = record(OUT);
    const caught = record(CATCH_OUT);
    const shown = statusTexts(TUNNEL);
    await waitFor(() => latest(out)?.payload.state === 'error', 30_000, 'error state');
    assert.match(latest(out)!.payload.reason, /401/);
    await waitFor(() => caught.length > 0, 10_000, 'catch');
    await waitFor(() => shown.includes('app key refused'), 10_000, 'status text "app key refused"');
  });

  it('releases its port on redeploy: the same port can be bound again at once', async () => {
    const out = await loadOnline();
    const port = portFromUrl(latest(out, 'online')!.payload.url);
    await helper.unload();
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => probe.close(r));
    await helper.load([deviceNode, tunnelNode], flow(sim, { port }));
    const again = record(OUT);
    await waitFor(() => latest(again)?.payload.state === 'online', 30_000, 'online on the same port');
    assert.equal(portFromUrl(latest(again, 'online')!.payload.url), port);
  });
});
