// The V720 nodes inside Node-RED (4.1 or 5, per run) with simulated cameras: 8 cameras each
// watched by a flow node and two HTTP viewers, every frame a valid JPEG and none lost at 0 %
// loss; no corrupt frame with 5 % loss/duplication/reordering; curl and ffprobe reading
// /live.mjpeg; the endpoints behind the httpNode auth; commands and their errors; redeploys.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import jpegJs = require('jpeg-js');
import v720Cloud = require('../../nodes/v720/v720-cloud');
import v720CloudServer = require('../../nodes/v720/v720-cloud-server');
import v720Command = require('../../nodes/v720/v720-command');
import { SimulatedCameraFleet, startSimulatedCameras } from '../../sim/v720/camera-simulator';
import { SimPictures, simFrameNumber } from '../../sim/v720/sim-pictures';
import { MJPEG_BOUNDARY } from '../../nodes/v720/http-endpoints';
import { TAB, collect, delay, expectedNodeRedMajor, helper, record, waitFor } from '../support/node-red';
import { requireTool } from '../support/ffmpeg';

const USER = 'viewer';
const PASS = 'secret';
const AUTH = 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64');
const pictures = new SimPictures({ width: 320, height: 240, quality: 50, distinct: 6 });

/** Loads the three node modules and puts their httpNode behind basic auth, as red.js does with httpNodeAuth. */
let httpNode: any;
const nodes = [
  (RED: any) => {
    httpNode = RED.httpNode;
    return v720Cloud(RED);
  },
  v720CloudServer,
  v720Command,
];
function mountHttpNode(): void {
  (helper as any)._app.use((req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => {
    if (req.headers.authorization === AUTH) return next();
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Authorization Required"' }).end();
  }, httpNode);
}

const cloudDef = { id: 'cloud1', type: 'v720-cloud', advertisedHost: '127.0.0.1', bindHost: '127.0.0.1', httpPort: 0, tcpPort: 0, mqttMode: 'embedded', mqttPort: 0 };

function baseUrl(): string {
  return `http://127.0.0.1:${(helper as any)._server.address().port}`;
}

async function cloudPorts(): Promise<{ http: number; tcp: number; mqtt: number }> {
  const cfg = helper.getNode('cloud1') as any;
  await cfg.ready;
  return cfg.cloud.ports;
}

async function fleet(count: number, extra: Record<string, unknown> = {}): Promise<SimulatedCameraFleet> {
  const ports = await cloudPorts();
  return startSimulatedCameras(count, { cloudHost: '127.0.0.1', httpPort: ports.http, mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`, localAddress: '127.0.0.1', pictures, fps: 10, infoDelayMs: 50, ...extra });
}

/** An HTTP MJPEG viewer that splits the multipart stream into JPEGs. */
function mjpegViewer(url: string): { jpegs: Buffer[]; close(): void; status: Promise<number> } {
  const jpegs: Buffer[] = [];
  let pending = Buffer.alloc(0);
  let resolveStatus: (n: number) => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const req = http.get(url, { headers: { authorization: AUTH } }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const head = pending.indexOf('\r\n\r\n');
        if (head < 0) return;
        const headers = pending.toString('latin1', 0, head);
        assert.ok(headers.startsWith(`--${MJPEG_BOUNDARY}\r\n`), 'each part starts with the boundary');
        const length = Number(/Content-Length: (\d+)/.exec(headers)?.[1]);
        if (pending.length < head + 4 + length + 2) return;
        jpegs.push(pending.subarray(head + 4, head + 4 + length));
        pending = pending.subarray(head + 4 + length + 2);
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  return { jpegs, status, close: () => req.destroy() };
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

function contiguous(numbers: number[]): boolean {
  return numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);
}

describe(`v720 nodes (Node-RED ${expectedNodeRedMajor})`, () => {
  let cameras: SimulatedCameraFleet | null = null;
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await cameras?.close();
    cameras = null;
    await helper.unload();
    await helper.stopServer();
  });

  it('8 cameras × (a flow node + 2 HTTP viewers): every frame a valid JPEG, none lost at 0 % loss', async () => {
    const uids = Array.from({ length: 8 }, (_, i) => `A9FLEET0000${i + 1}`);
    const flow: object[] = [TAB, cloudDef];
    uids.forEach((uid, i) => flow.push(
      { id: `srv${i}`, z: 'f1', type: 'v720-cloud-server', name: `cam ${i}`, cloud: 'cloud1', camera: uid, video: true, audio: true, wires: [[`frames${i}`], [`events${i}`]] },
      { id: `frames${i}`, z: 'f1', type: 'helper', wires: [] },
      { id: `events${i}`, z: 'f1', type: 'helper', wires: [] },
    ));
    await helper.load(nodes, flow);
    mountHttpNode();
    const frames = uids.map((_, i) => record(`frames${i}`));
    const events = uids.map((_, i) => record(`events${i}`));
    cameras = await fleet(8, { uids });
    const viewers = uids.flatMap((uid) => [mjpegViewer(`${baseUrl()}/v720/${uid}/live.mjpeg`), mjpegViewer(`${baseUrl()}/v720/${uid}/live.mjpeg`)]);
    for (const v of viewers) assert.equal(await v.status, 200);
    const video = (i: number) => frames[i].filter((m) => m.frame.kind === 'video');
    await waitFor(() => uids.every((_, i) => video(i).length >= 25 && viewers[2 * i].jpegs.length >= 25 && viewers[2 * i + 1].jpegs.length >= 25), 90_000, '25 frames at every consumer');
    viewers.forEach((v) => v.close());
    uids.forEach((uid, i) => {
      const flowFrames = video(i);
      flowFrames.forEach((m, k) => {
        assert.equal(m.topic, `cam ${i}`);
        assert.equal(m.frame.camera, `cam ${i}`);
        assert.equal(m.frame.source, 'v720');
        assert.equal(m.frame.seq, flowFrames[0].frame.seq + k);
        assert.equal(jpegJs.decode(m.payload, { useTArray: true }).width, 320, `${uid} frame ${k} decodes`);
      });
      assert.ok(contiguous(flowFrames.map((m) => simFrameNumber(m.payload)!)), `${uid}: the flow node lost no frame`);
      for (const v of [viewers[2 * i], viewers[2 * i + 1]]) {
        v.jpegs.forEach((j) => assert.equal(jpegJs.decode(j, { useTArray: true }).height, 240));
        assert.ok(contiguous(v.jpegs.map((j) => simFrameNumber(j)!)), `${uid}: an HTTP viewer lost no frame`);
      }
      assert.ok(frames[i].some((m) => m.frame.kind === 'audio' && m.frame.codec === 'pcma'), `${uid}: audio frames too`);
      assert.ok(events[i].some((m) => m.topic === `cam ${i}/status` && m.payload.state === 'streaming'));
    });
  });

  it('with 5 % loss, duplication and reordering no corrupt frame is ever emitted', async () => {
    await helper.load(nodes, [TAB, cloudDef,
      { id: 'srv', z: 'f1', type: 'v720-cloud-server', cloud: 'cloud1', camera: 'A9LOSSY00001', audio: false, wires: [['frames'], []] },
      { id: 'frames', z: 'f1', type: 'helper', wires: [] }]);
    const frames = record('frames');
    cameras = await fleet(1, { uids: ['A9LOSSY00001'], faults: { loss: 0.05, duplicate: 0.05, reorder: 0.05, seed: 11 } });
    await waitFor(() => frames.length >= 40, 60_000, '40 frames through the lossy link');
    for (const m of frames) {
      assert.equal(m.frame.kind, 'video', 'audio was switched off in the node');
      const n = simFrameNumber(m.payload);
      assert.ok(n !== null && m.payload.equals(pictures.frame(n)), 'every emitted frame is exactly a frame the camera sent');
    }
    assert.ok(cameras.cameras[0].counts.packetsLost > 0);
  });

  it('curl and ffprobe read /live.mjpeg; snapshot, audio.wav and the camera list work; no auth → 401', async () => {
    requireTool('curl');
    requireTool('ffprobe');
    await helper.load(nodes, [TAB, cloudDef]);
    mountHttpNode();
    cameras = await fleet(1, { uids: ['A9CURL000001'] });
    const uid = 'A9CURL000001';
    const curl = await run('curl', ['-s', '--max-time', '4', '-u', `${USER}:${PASS}`, `${baseUrl()}/v720/${uid}/live.mjpeg`]);
    assert.equal(curl.code, 28, 'curl stopped by its time limit on an endless stream');
    const body = curl.stdout.toString('latin1');
    assert.ok(body.startsWith(`--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\n`));
    assert.ok(body.split(`--${MJPEG_BOUNDARY}`).length > 5, 'several frames');
    const probe = await run('ffprobe', ['-v', 'error', '-f', 'mpjpeg', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', `http://${USER}:${PASS}@127.0.0.1:${(helper as any)._server.address().port}/v720/${uid}/live.mjpeg`]);
    assert.equal(probe.code, 0, probe.stderr);
    assert.deepEqual(JSON.parse(probe.stdout.toString()).streams[0], { codec_name: 'mjpeg', width: 320, height: 240 });
    const snap = await fetch(`${baseUrl()}/v720/${uid}/snapshot.jpg`, { headers: { authorization: AUTH } });
    assert.equal(snap.headers.get('content-type'), 'image/jpeg');
    assert.equal(jpegJs.decode(Buffer.from(await snap.arrayBuffer()), { useTArray: true }).width, 320);
    const wav = await run('curl', ['-s', '--max-time', '2', '-u', `${USER}:${PASS}`, `${baseUrl()}/v720/${uid}/audio.wav`]);
    assert.equal(wav.stdout.toString('ascii', 0, 4), 'RIFF');
    assert.equal(wav.stdout.readUInt16LE(20), 6, 'A-law format tag');
    assert.ok(wav.stdout.length > 44 + 800, 'audio bytes follow the header');
    const list = await (await fetch(`${baseUrl()}/v720/cameras`, { headers: { authorization: AUTH } })).json() as any[];
    assert.deepEqual(list.map((c) => [c.id, c.online]), [[uid, true]]);
    assert.equal((await fetch(`${baseUrl()}/v720/cameras`)).status, 401, 'httpNodeAuth protects the endpoints');
    assert.equal((await fetch(`${baseUrl()}/v720/NOSUCH/live.mjpeg`, { headers: { authorization: AUTH } })).status, 404);
    await waitFor(() => (helper.getNode('cloud1') as any).cloud.liveViewState(uid) === 'idle', 15_000, 'stream stops after the last viewer');
  });

  it('v720-command: named commands over MQTT and TCP give the camera\'s state; failures reach a Catch node', async () => {
    await helper.load(nodes, [TAB, cloudDef,
      { id: 'cmd', z: 'f1', type: 'v720-command', cloud: 'cloud1', camera: 'A9CMD0000001', via: 'mqtt', timeout: 5, wires: [['out']] },
      { id: 'cmdtcp', z: 'f1', type: 'v720-command', cloud: 'cloud1', camera: 'A9CMD0000001', via: 'tcp', timeout: 5, wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper', wires: [] },
      { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper', wires: [] }]);
    cameras = await fleet(1, { uids: ['A9CMD0000001'] });
    const cfg = helper.getNode('cloud1') as any;
    await waitFor(() => cfg.cloud.registry.get('A9CMD0000001')?.info != null, 10_000, 'camera on MQTT');
    const outP = collect('out', 2, 20_000);
    helper.getNode('cmd').receive({ topic: 'irLed', payload: true, keep: 'me' });
    await waitFor(() => cameras!.cameras[0].settings.IrLed === 1, 10_000, 'IrLed applied');
    helper.getNode('cmdtcp').receive({ topic: 'flip', payload: true });
    const out = await outP;
    const mqttReply = out.find((m) => m.command.code === 202)!;
    assert.equal(mqttReply.payload.IrLed, 1);
    assert.equal(mqttReply.keep, 'me', 'other message properties are kept');
    const tcpReply = out.find((m) => m.command.code === 216)!;
    assert.deepEqual(tcpReply.payload, { code: 216, mirrorFlip: 4 });
    const caughtP = collect('caught', 3, 20_000);
    helper.getNode('cmd').receive({ topic: 'warpDrive', payload: 1 });
    helper.getNode('cmdtcp').receive({ topic: 'irLed', payload: 0, camera: 'A9NOTHERE001' });
    helper.getNode('cmd').receive({ topic: 'irLed', payload: 7 });
    const caught = await caughtP;
    const messages = caught.map((m) => m.error.message).sort();
    assert.match(messages.join('\n'), /unknown V720 command "warpDrive"/);
    assert.match(messages.join('\n'), /A9NOTHERE001 is not registered on TCP/);
    assert.match(messages.join('\n'), /IrLed takes 0, 1, 2/);
  });

  it('reports camera events on the status output and an unsupported firmware in the node status', async () => {
    await helper.load(nodes, [TAB, cloudDef,
      { id: 'srv', z: 'f1', type: 'v720-cloud-server', cloud: 'cloud1', camera: 'A9NEWFW00001', wires: [[], ['events']] },
      { id: 'events', z: 'f1', type: 'helper', wires: [] }]);
    const events = record('events');
    const ports = await cloudPorts();
    const res = await fetch(`http://127.0.0.1:${ports.http}/app/api/ApiSysDevices/getDevInfo?devicesCode=A9NEWFW00001&random=ABCDEF&token=0011223344`, { method: 'POST', headers: { version: '202411152039' } });
    assert.equal(res.status, 200);
    await waitFor(() => events.some((m) => m.payload.state === 'error'), 10_000, 'unsupported event');
    const ev = events.find((m) => m.payload.state === 'error')!;
    assert.equal(ev.topic, 'A9NEWFW00001/status');
    assert.match(ev.payload.reason, /202411152039/);
    const srv = helper.getNode('srv');
    await waitFor(() => srv.status.args.some((a: any[]) => a[0].text === 'unsupported firmware'), 5000, 'node status');
  });

  it('releases every port on redeploy', async () => {
    await helper.load(nodes, [TAB, cloudDef]);
    const ports = await cloudPorts();
    await helper.setFlows([TAB, { ...cloudDef, id: 'cloud2' }], 'full');
    await delay(100);
    for (const p of [ports.http, ports.tcp, ports.mqtt]) {
      await new Promise<void>((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(p, '127.0.0.1', () => s.close(() => resolve()));
      });
    }
  });
});
