// The V720 nodes inside Node-RED beyond one camera: v720-cloud-server watching every camera
// (including one that registers after deploy) and its msg.action stop / start / restart; the
// config node's DNS responder answering dig; /audio.wav from a PCM camera read by ffprobe; and a
// camera in AP mode (the simulator on 127.0.0.4) streamed, commanded, its memory card listed and
// a recording downloaded, then given Wi-Fi — all through the nodes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import v720Cloud = require('../../nodes/v720/v720-cloud');
import v720CloudServer = require('../../nodes/v720/v720-cloud-server');
import v720Command = require('../../nodes/v720/v720-command');
import { SimulatedApCamera } from '../../sim/v720/ap-camera-simulator';
import { SimulatedCamera, SimulatedCameraOptions } from '../../sim/v720/camera-simulator';
import { SimPictures } from '../../sim/v720/sim-pictures';
import { TAB, collect, expectedNodeRedMajor, helper, record, waitFor } from '../support/node-red';
import { requireTool } from '../support/ffmpeg';

const pictures = new SimPictures({ width: 160, height: 120, quality: 50, distinct: 4 });
let httpNode: any;
const nodes = [(RED: any) => {
  httpNode = RED.httpNode;
  return v720Cloud(RED);
}, v720CloudServer, v720Command];
const cloudDef = { id: 'cloud1', type: 'v720-cloud', advertisedHost: '127.0.0.1', bindHost: '127.0.0.1', httpPort: 0, tcpPort: 0, mqttMode: 'embedded', mqttPort: 0 };

function cloudNode(): any {
  return helper.getNode('cloud1');
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

describe(`v720 nodes: all cameras, actions, DNS, PCM audio, AP mode (Node-RED ${expectedNodeRedMajor})`, () => {
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await helper.unload();
    await helper.stopServer();
  });

  async function camera(uid: string, extra: Partial<SimulatedCameraOptions> = {}): Promise<SimulatedCamera> {
    await cloudNode().ready;
    const ports = cloudNode().cloud.ports;
    const cam = new SimulatedCamera({ uid, cloudHost: '127.0.0.1', httpPort: ports.http, mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`, localAddress: '127.0.0.1', pictures, fps: 10, infoDelayMs: 50, ...extra });
    stops.push(() => cam.stop());
    await cam.start();
    return cam;
  }

  it('"all cameras": frames of every camera, one that registers later too, each under its own id', async () => {
    await helper.load(nodes, [TAB, cloudDef,
      { id: 'all', z: 'f1', type: 'v720-cloud-server', name: 'everything', cloud: 'cloud1', camera: '', video: true, audio: false, wires: [['frames'], ['events']] },
      { id: 'frames', z: 'f1', type: 'helper', wires: [] },
      { id: 'events', z: 'f1', type: 'helper', wires: [] }]);
    const frames = record('frames');
    const events = record('events');
    await camera('A9ALLCAM0001');
    await camera('A9ALLCAM0002');
    const from = (uid: string) => frames.filter((m) => m.topic === uid);
    await waitFor(() => from('A9ALLCAM0001').length >= 5 && from('A9ALLCAM0002').length >= 5, 30_000, 'frames from both cameras');
    await camera('A9ALLCAM0003');
    await waitFor(() => from('A9ALLCAM0003').length >= 5, 30_000, 'frames from the camera that came later');
    for (const m of frames) {
      assert.equal(m.frame.camera, m.topic, 'the camera id, not the node name, names each frame');
      assert.equal(m.frame.kind, 'video');
    }
    for (const uid of ['A9ALLCAM0001', 'A9ALLCAM0002', 'A9ALLCAM0003']) {
      assert.ok(events.some((e) => e.topic === `${uid}/status` && e.payload.state === 'online' && e.payload.camera === uid), `${uid} online`);
      assert.ok(events.some((e) => e.topic === `${uid}/status` && e.payload.state === 'streaming'), `${uid} streaming`);
    }
    await waitFor(() => helper.getNode('all').status.args.some((a: any[]) => a[0].text === '3 streaming'), 10_000, 'the node status counts the streams');
  });

  it('msg.action: stop leaves every stream, start joins again, restart starts the camera\'s stream afresh', async () => {
    await helper.load(nodes, [TAB, cloudDef,
      { id: 'srv', z: 'f1', type: 'v720-cloud-server', cloud: 'cloud1', camera: 'A9ACTION0001', audio: false, wires: [['frames'], ['events']] },
      { id: 'frames', z: 'f1', type: 'helper', wires: [] },
      { id: 'events', z: 'f1', type: 'helper', wires: [] },
      { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper', wires: [] }]);
    const frames = record('frames');
    const events = record('events');
    const cam = await camera('A9ACTION0001');
    await waitFor(() => frames.length >= 5, 30_000, 'frames');
    helper.getNode('srv').receive({ action: 'stop' });
    await waitFor(() => !cam.streaming, 10_000, 'the camera stops (last consumer gone)');
    assert.ok(events.some((e) => e.payload.state === 'stopped'));
    const stoppedAt = frames.length;
    helper.getNode('srv').receive({ action: 'start' });
    await waitFor(() => frames.length >= stoppedAt + 5, 30_000, 'frames again after start');
    const states: string[] = [];
    cloudNode().cloud.on('liveView', (uid: string, state: string) => uid === 'A9ACTION0001' && states.push(state));
    const before = frames.length;
    helper.getNode('srv').receive({ action: 'restart' });
    await waitFor(() => states.includes('natSent') && states.at(-1) === 'streaming' && frames.length >= before + 5, 30_000, 'a fresh handshake and frames');
    assert.equal(states[0], 'idle', 'the old stream was stopped first');
    const caughtP = collect('caught', 1, 10_000);
    helper.getNode('srv').receive({ action: 'pause' });
    assert.match((await caughtP)[0].error.message, /takes msg.action = "start", "stop" or "restart"/);
  });

  it('the DNS responder of the config node answers dig with the advertised host', async () => {
    requireTool('dig');
    await helper.load(nodes, [TAB, { ...cloudDef, httpPort: null, dnsEnabled: true, dnsPort: 0 }]);
    await cloudNode().ready;
    const port = cloudNode().cloud.ports.dns;
    assert.ok(port > 0);
    const dig = await run('dig', ['@127.0.0.1', '-p', String(port), '+short', '+tries=3', '+time=5', 'v720.p2p.naxclow.com']);
    assert.equal(dig.stdout.trim(), '127.0.0.1');
    const other = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=3', '+time=5', 'nodered.org']);
    assert.match(other.stdout, /status: REFUSED/);
  });

  it('/audio.wav from a camera that sends PCM is a 16-bit PCM WAV that ffprobe reads', async () => {
    requireTool('ffprobe');
    await helper.load(nodes, [TAB, cloudDef]);
    (helper as any)._app.use(httpNode);
    await camera('A9PCMAUDIO01', { audio: 'pcm', firmware: '202312111512' });
    const url = `http://127.0.0.1:${(helper as any)._server.address().port}/v720/A9PCMAUDIO01/audio.wav`;
    const head = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const req = http.get(url, (res) => {
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          if (Buffer.concat(chunks).length >= 44 + 3200) {
            req.destroy();
            resolve(Buffer.concat(chunks));
          }
        });
      });
      req.on('error', reject);
    });
    assert.equal(head.toString('ascii', 0, 4), 'RIFF');
    assert.deepEqual([head.readUInt16LE(20), head.readUInt16LE(22), head.readUInt32LE(24), head.readUInt32LE(28), head.readUInt16LE(32), head.readUInt16LE(34)], [1, 1, 8000, 16000, 2, 16]);
    const first = head.readInt16LE(44 + 2);
    assert.ok(Math.abs(first) > 1000, 'the tone\'s samples, not silence');
    const probe = await run('ffprobe', ['-v', 'error', '-read_intervals', '%+1', '-show_entries', 'stream=codec_name,sample_rate,channels', '-of', 'json', url]);
    assert.deepEqual(JSON.parse(probe.stdout).streams[0], { codec_name: 'pcm_s16le', sample_rate: '8000', channels: 1 });
  });

  it('a camera in AP mode: streamed, commanded, its memory card listed and downloaded, then given Wi-Fi', async () => {
    const avi = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(30_000, 7)]);
    const ap = new SimulatedApCamera({ uid: 'NAXAP0000001', host: '127.0.0.4', port: 0, pictures, fps: 10, recordings: [{ date: 20240105, hour: 9, minute: 30, data: avi }] });
    await ap.start();
    stops.push(() => ap.stop());
    await helper.load(nodes, [TAB, { ...cloudDef, mqttMode: 'none', apAddress: `127.0.0.4:${ap.port}`, apCameraId: 'NAXAP0000001' },
      { id: 'srv', z: 'f1', type: 'v720-cloud-server', name: 'hotspot cam', cloud: 'cloud1', camera: 'NAXAP0000001', audio: true, wires: [['frames'], ['events']] },
      { id: 'frames', z: 'f1', type: 'helper', wires: [] },
      { id: 'events', z: 'f1', type: 'helper', wires: [] },
      { id: 'cmd', z: 'f1', type: 'v720-command', cloud: 'cloud1', camera: 'NAXAP0000001', via: 'mqtt', timeout: 10, wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper', wires: [] }]);
    const frames = record('frames');
    const events = record('events');
    await waitFor(() => frames.filter((m) => m.frame.kind === 'video').length >= 10 && frames.some((m) => m.frame.codec === 'pcma'), 30_000, 'video and audio from the AP camera');
    assert.ok(frames.every((m) => m.topic === 'hotspot cam' && m.frame.source === 'v720'));
    assert.ok(events.some((e) => e.payload.state === 'online'));
    const ask = async (topic: string, payload?: unknown) => {
      const reply = collect('out', 1, 20_000);
      helper.getNode('cmd').receive({ topic, payload });
      return (await reply)[0];
    };
    assert.deepEqual((await ask('irLed', true)).payload, { code: 202, IrLed: 1 });
    assert.deepEqual((await ask('sdDates')).payload, [20240105]);
    assert.deepEqual((await ask('sdRecordings', '20240105')).payload, [{ date: 20240105, hour: 9, minute: 30, name: '202401050930' }]);
    assert.deepEqual((await ask('sdFileInfo', '202401050930')).payload, { fileName: '202401050930', fileSize: avi.length });
    const download = await ask('sdDownload', { date: '20240105', hour: 9, minute: 30 });
    assert.ok(Buffer.isBuffer(download.payload) && download.payload.equals(avi));
    assert.equal(download.filename, '202401050930.avi');
    const provisioned = new Promise((resolve) => ap.once('provisioned', resolve));
    assert.deepEqual((await ask('setWifi', { ssid: 'home-net', password: 'password123' })).payload, { sent: true });
    assert.deepEqual(await provisioned, { ssid: 'home-net', password: 'password123' });
    await waitFor(() => cloudNode().cloud.registry.get('NAXAP0000001')?.online === false, 10_000, 'the hotspot is gone');
  });
});
