// AP mode (spec §1.5) on loopback: the client's handshake and 502/3 byte for byte against the
// spec's vectors, then the client against the simulated hotspot camera (bound to 127.0.0.x):
// live JPEG and audio over the one TCP link with 605 confirms, settings, the memory card
// (dates, the XML catalogue, file info, a real MJPEG AVI made by ffmpeg downloaded intact and
// read back by ffprobe), Wi-Fi provisioning (204 then 299), pings and heartbeats, and a
// camera that never answers. Then the fake cloud keeping the link: registry, stream, commands.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import jpegJs = require('jpeg-js');
import { AP_TOKEN, ApClient, localEpochSeconds } from '../../nodes/v720/ap-client';
import { SimRecording, SimulatedApCamera, SimulatedApCameraOptions } from '../../sim/v720/ap-camera-simulator';
import { AviAssembler, aviPayloads, catalogueXml, minutesOf, parseCatalogue, parseRecordingRef } from '../../nodes/v720/ap-sdcard';
import { FakeCloud } from '../../nodes/v720/fake-cloud';
import { Cmd, encodeBare, encodeJson, encodePacket } from '../../nodes/v720/naxclow-header';
import { parseMessage } from '../../nodes/v720/naxclow-json';
import { SimPictures, simFrameNumber } from '../../sim/v720/sim-pictures';
import { NaxclowFramer } from '../../nodes/v720/tcp-framer';
import { requireTool } from '../support/ffmpeg';
import { waitFor } from '../support/node-red';
import { V } from './spec-vectors';

const HOST = '127.0.0.3'; // stands in for 192.168.169.1
const pictures = new SimPictures({ width: 160, height: 120, distinct: 4 });
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function apCamera(extra: Partial<SimulatedApCameraOptions> = {}): Promise<SimulatedApCamera> {
  const cam = new SimulatedApCamera({ uid: 'A9APMODE0001', host: HOST, port: 0, pictures, fps: 10, ...extra });
  await cam.start();
  open.push({ close: () => cam.stop() });
  return cam;
}

function client(cam: SimulatedApCamera, extra: Partial<ConstructorParameters<typeof ApClient>[0]> = {}): ApClient {
  const c = new ApClient({ host: HOST, port: cam.port, ...extra });
  open.push(c);
  return c;
}

/** Two seconds of MJPEG in AVI at 5 fps, 160×120: what the camera records, made by ffmpeg. */
function mjpegAvi(): Buffer {
  requireTool('ffmpeg');
  requireTool('ffprobe');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'v720-avi-'));
  try {
    const file = path.join(dir, 'rec.avi');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=5', '-t', '2', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'avi', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function recording(date: number, hour: number, minute: number, data: Buffer): SimRecording {
  return { date, hour, minute, data };
}

describe('v720 AP mode', () => {
  it('the catalogue: minBin minutes, XML round trip, the intx82 sample; recording names', () => {
    assert.deepEqual(minutesOf(1n | (1n << 59n) | (1n << 63n)), [0, 59], 'bits past minute 59 mean nothing');
    const recs = [{ date: 20230124, hour: 2, minute: 5 }, { date: 20230124, hour: 2, minute: 6 }, { date: 20230124, hour: 10, minute: 0 }];
    assert.deepEqual(parseCatalogue(catalogueXml(20230124, recs))!.recordings.map((r) => r.name), ['202301240205', '202301240206', '202301241000']);
    // The layout a real camera sent (intx82's prot_xml_udp test): hour 6 of 20230124.
    const real = '<?xml version="1.0" encoding="utf-8"?>\n<video>\n    <catalogue date="20230124" hNumb="1">\n        <option hours="6" minBin="1116892707579494399"/>\n    </catalogue>\n</video>\n';
    const minutes = parseCatalogue(real)!.recordings.map((r) => r.minute);
    assert.equal(minutes.length, 58);
    assert.ok(!minutes.includes(23) && !minutes.includes(55), 'the two clear bits');
    assert.equal(parseCatalogue('<video><catalogue date="2023"></catalogue></video>'), null);
    assert.deepEqual(parseRecordingRef('202301312016'), { date: 20230131, hour: 20, minute: 16 });
    assert.deepEqual(parseRecordingRef('20230131-20-16'), { date: 20230131, hour: 20, minute: 16 });
    assert.deepEqual(parseRecordingRef({ date: '20230131', hours: 7, minute: 3 }), { date: 20230131, hour: 7, minute: 3 });
    assert.throws(() => parseRecordingRef('20231331-25-00'), /YYYYMMDDHHMM/);
  });

  it('AVI payloads: the app\'s 4-byte prefix is stripped; payloads without it are kept whole', () => {
    const file = Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00AVI LIST', 'latin1'), Buffer.alloc(3000, 9)]);
    const prefixed = new AviAssembler(1 << 20);
    for (const p of aviPayloads(file, 700)) assert.ok(prefixed.push(p));
    assert.ok(prefixed.file().equals(file));
    const whole = new AviAssembler(1 << 20);
    for (let at = 0; at < file.length; at += 700) whole.push(file.subarray(at, at + 700));
    assert.ok(whole.file().equals(file));
    const capped = new AviAssembler(1000);
    assert.equal(aviPayloads(file, 700).every((p) => capped.push(p)), false, 'over the cap');
    assert.ok(capped.bytes <= 1000);
  });

  it('the client says hello with the spec\'s bytes: 115, 501 with the app token and local time, 502/3', async () => {
    const seen: Buffer[] = [];
    const server = net.createServer((socket) => {
      const framer = new NaxclowFramer();
      socket.on('data', (chunk: Buffer) => {
        for (const p of framer.push(chunk).packets) {
          seen.push(encodePacket(p)); // re-encoded: the framer keeps every header field
          if (p.cmd === Cmd.LIVE_MOTION) socket.write(encodeBare(Cmd.LIVE_MOTION));
          const m = p.cmd === Cmd.JSON ? parseMessage(p.payload) : null;
          if (m?.code === 501) socket.write(encodeJson({ code: 501, target: 'deadbeef', status: 200 }));
          if (m?.code === 502) socket.write(encodeJson({ code: 502, target: 'deadbeef', content: { code: 3 } }));
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    open.push({ close: () => new Promise((resolve) => server.close(() => resolve())) });
    const c = new ApClient({ host: HOST, port: (server.address() as net.AddressInfo).port });
    open.push(c);
    const hello = await c.connect();
    assert.equal(hello.devId, undefined, 'this camera does not name itself');
    await c.startLive();
    assert.ok(seen[0].equals(V.apHello), 'header-only 115 with the app\'s forwardId');
    const connect = parseMessage(seen[1].subarray(20))!;
    assert.equal(connect.code, 501);
    assert.equal(connect.target, 'deadbeef');
    assert.equal(connect.token, AP_TOKEN);
    assert.ok(Math.abs((connect.unixTimer as number) - localEpochSeconds()) <= 5, 'local time (UTC + zone offset) in seconds');
    assert.ok(seen[2].equals(V.ap502start), '502/3 exactly as the spec\'s vector');
  });

  it('live view over the one TCP link: whole JPEGs, A-law audio, 605 confirms; 502/0 stops it', async () => {
    const cam = await apCamera();
    const c = client(cam);
    const hello = await c.connect();
    assert.equal(hello.devId, 'A9APMODE0001');
    const jpegs: Buffer[] = [];
    const audio: string[] = [];
    c.on('video', (j: Buffer) => jpegs.push(j));
    c.on('audio', (_p: Buffer, codec: string) => audio.push(codec));
    await c.startLive();
    await waitFor(() => jpegs.length >= 50 && audio.length >= 20, 30_000, '50 frames (5 s: past the camera\'s 4 s / 111-packet window)');
    const numbers = jpegs.map((j) => simFrameNumber(j)!);
    assert.deepEqual(numbers, numbers.map((_, i) => i), 'every frame, in order');
    assert.equal(jpegJs.decode(jpegs[0], { useTArray: true }).width, 160);
    assert.ok(audio.every((a) => a === 'pcma'));
    assert.equal(cam.counts.framesSkipped, 0, 'the confirms kept the camera from stalling');
    assert.ok(cam.counts.confirmsReceived > 0);
    await c.stopLive();
    assert.equal(cam.streaming, false);
  });

  it('settings and base info as 502 commands; the camera\'s pings are answered', async () => {
    const cam = await apCamera({ pingMs: 100, firmware: '202305091627' });
    const c = client(cam);
    await c.connect();
    assert.deepEqual(await c.command({ code: 202, IrLed: 1 }), { code: 202, IrLed: 1 });
    assert.equal(cam.settings.IrLed, 1);
    const base = await c.command({ code: 4, unixTimer: 1 });
    assert.equal(base.version, '202305091627');
    assert.equal(base.sdDevStatus, 0, 'no memory card');
    await waitFor(() => cam.counts.pongs >= 2, 10_000, 'pongs');
  });

  it('a link the client has not written to for a while gets a heartbeat (cmd 100), and the camera answers', async () => {
    const cam = await apCamera();
    const c = client(cam, { heartbeatIdleMs: 150, deadAfterMs: 60_000 });
    await c.connect();
    await waitFor(() => cam.counts.heartbeats >= 2, 10_000, 'heartbeats');
  });

  it('the memory card: dates, recordings, file info, and a real AVI downloaded intact', async () => {
    const avi = mjpegAvi();
    const other = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(5000, 1)]);
    const cam = await apCamera({ recordings: [recording(20230131, 20, 16, avi), recording(20230131, 20, 17, other), recording(20230201, 8, 0, other)] });
    const c = client(cam);
    await c.connect();
    assert.deepEqual(await c.sdDates(), [20230131, 20230201]);
    assert.deepEqual((await c.sdRecordings(20230131)).map((r) => r.name), ['202301312016', '202301312017']);
    assert.deepEqual(await c.sdFileInfo({ date: 20230131, hour: 20, minute: 16 }), { fileName: '202301312016', fileSize: avi.length });
    const file = await c.sdDownload({ date: 20230131, hour: 20, minute: 16 });
    assert.ok(file.equals(avi), 'the file, byte for byte');
    assert.ok(cam.counts.confirmsReceived > 0, 'the download was confirmed with 605');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'v720-ap-'));
    fs.writeFileSync(path.join(dir, 'got.avi'), file);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,nb_read_frames', '-of', 'json', path.join(dir, 'got.avi')], { encoding: 'utf8' }));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(probe.streams[0], { codec_name: 'mjpeg', width: 160, nb_read_frames: '10' });
    await assert.rejects(c.sdFileInfo({ date: 20230131, hour: 1, minute: 2 }), /no such recording/);
    await assert.rejects(c.sdDownload({ date: 20230131, hour: 1, minute: 2 }), /no such recording/);
    const small = client(cam, { maxDownloadBytes: 2000 });
    await small.connect();
    await assert.rejects(small.sdDownload({ date: 20230131, hour: 20, minute: 16 }), /larger than 2000 bytes/);
  });

  it('a camera without a memory card says so', async () => {
    const cam = await apCamera();
    const c = client(cam);
    await c.connect();
    await assert.rejects(c.sdDates(), /no memory card/);
  });

  it('Wi-Fi provisioning: 204 with SSID and password, then 299; the camera leaves AP mode', async () => {
    const cam = await apCamera();
    const c = client(cam);
    await c.connect();
    const closed = new Promise<Error>((resolve) => c.once('close', resolve));
    const provisioned = new Promise<{ ssid: string; password: string }>((resolve) => cam.once('provisioned', resolve));
    const reply = await c.provisionWifi('home-net', 'correct horse');
    assert.deepEqual(reply, { code: 204, wifiName: 'home-net' });
    assert.deepEqual(await provisioned, { ssid: 'home-net', password: 'correct horse' });
    assert.match((await closed).message, /closed the connection/);
  });

  it('a hotspot that accepts but never answers: connect fails in time and releases the socket', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s.on('error', () => undefined).resume()));
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    open.push({ close: () => new Promise((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }) });
    const c = new ApClient({ host: HOST, port: (server.address() as net.AddressInfo).port, requestTimeoutMs: 300 });
    await assert.rejects(c.connect(), /no hello \(cmd 115\) from the camera at 127\.0\.0\.3/);
    await waitFor(() => sockets.length === 1 && sockets[0].destroyed, 5000, 'the socket closed');
  });

  it('closing the cloud while its AP link is still saying hello ends that connection too', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s.on('error', () => undefined).resume()));
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    open.push({ close: () => new Promise((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }) });
    const cloud = new FakeCloud({ bindHost: '127.0.0.1', advertisedHost: '127.0.0.1', httpPort: null, tcpPort: 0, mqtt: { mode: 'none' }, ap: { host: HOST, port: (server.address() as net.AddressInfo).port } });
    await cloud.start();
    await waitFor(() => sockets.length === 1, 10_000, 'the AP link connecting');
    await cloud.close();
    await waitFor(() => sockets[0].destroyed, 10_000, 'the half-open AP link closed');
  });

  describe('kept by the fake cloud', () => {
    it('registers the camera, streams it to a viewer, sends commands, reads the card, and reconnects', async () => {
      const avi = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(20_000, 3)]);
      const cam = await apCamera({ audio: 'pcm', firmware: '202312111512', recordings: [recording(20240105, 9, 30, avi)] });
      const cloud = new FakeCloud({ bindHost: '127.0.0.1', advertisedHost: '127.0.0.1', httpPort: null, tcpPort: 0, mqtt: { mode: 'none' }, ap: { host: HOST, port: cam.port } });
      open.push(cloud);
      await cloud.start();
      await waitFor(() => cloud.registry.get('A9APMODE0001')?.online === true, 10_000, 'the AP camera online');
      const rec = cloud.registry.get('A9APMODE0001')!;
      assert.equal(rec.mode, 'ap');
      assert.equal(rec.firmware, '202312111512');
      assert.equal(rec.address, HOST);
      const frames: { kind: string; codec: string }[] = [];
      const sub = cloud.stream('A9APMODE0001').subscribe({ deliver: (m) => void frames.push(m.frame) });
      await waitFor(() => frames.filter((f) => f.kind === 'video').length >= 10 && frames.some((f) => f.codec === 'pcm_s16le'), 20_000, 'video and PCM audio');
      assert.equal(cloud.liveViewState('A9APMODE0001'), 'streaming');
      assert.deepEqual(await cloud.command('A9APMODE0001', { code: 216, mirrorFlip: 4 }), { code: 216, mirrorFlip: 4 });
      assert.ok((await cloud.sdRequest('A9APMODE0001', { op: 'download', ref: { date: 20240105, hour: 9, minute: 30 } }) as Buffer).equals(avi));
      await assert.rejects(cloud.sdRequest('SOMEOTHERCAM', { op: 'dates' }), /only in AP mode/);
      cam.dropConnection();
      await waitFor(() => cloud.registry.get('A9APMODE0001')?.online === false, 10_000, 'offline after the drop');
      const before = frames.length;
      await waitFor(() => cloud.registry.get('A9APMODE0001')?.online === true && frames.length > before + 10, 30_000, 'back, and streaming again');
      sub.close();
      await waitFor(() => !cam.streaming, 10_000, 'the camera stops after the last viewer');
    });
  });
});
