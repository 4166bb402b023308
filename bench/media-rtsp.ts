// What one more RTSP client costs the Node-RED process per frame, beside what the first one
// costs, in the same run. An H.264 stream made by ffmpeg is pushed through StreamOut to 1 and then
// to 5 clients over loopback, with TCP-interleaved and then with UDP transport. The clients run in
// a child process, so the figure is the server's CPU time alone (user + system, so socket writes
// count too): packetizing once, the hub's fan-out, each client's RTP headers and its sends.
// A third figure prices the lossless Huffman re-coding RTP/JPEG needs for JPEGs with their own
// tables (ffmpeg's default), against packetizing a standard-table JPEG of the same picture.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { JpegPacketizer } from '../nodes/media/rtp/rtp-jpeg-packetizer';
import type { FrameMessage } from '../nodes/core/frame';
import { RtspServer } from '../nodes/media/rtsp/rtsp-server';
import { StreamOut } from '../nodes/media/serving/stream-out-engine';
import { framesOfFile } from '../test/media/frame-feed';
import { mjpegFrames } from '../test/media/media-fixtures';
import { testStream } from '../test/support/ffmpeg';
import { BenchFigure, round, usPerItem } from './bench-support';

const WARMUP_FRAMES = 200;
const MEASURED_FRAMES = 2000;
const MANY = 5;
const CLIENTS_SCRIPT = path.join(__dirname, '..', 'test', 'media', 'rtsp-load-clients.js');

type Transport = 'tcp' | 'udp';

function startClients(port: number, count: number, transport: Transport): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLIENTS_SCRIPT, String(port), String(count), transport], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`RTSP load clients exited with ${code}`)));
  });
}

/** Server CPU µs per frame with `clients` clients playing (0 clients: the push alone). */
async function measure(frames: FrameMessage[], clients: number, transport: Transport): Promise<{ usPerFrame: number; dropped: number }> {
  const stream = new StreamOut();
  const server = new RtspServer({ port: 0, host: '127.0.0.1' });
  server.addMount('cam', stream, { queueLimit: 1000 });
  const port = await server.listen();
  let next = 0;
  const push = () => {
    const f = frames[next++ % frames.length];
    stream.push(f.payload, { ...f.frame, timestamp: Date.now() });
  };
  push(); // a keyframe, so DESCRIBE has its SDP and PLAY starts at once
  const child = clients > 0 ? await startClients(port, clients, transport) : null;
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < WARMUP_FRAMES; i++) {
    push();
    await tick();
  }
  const before = process.cpuUsage();
  for (let i = 0; i < MEASURED_FRAMES; i++) {
    push();
    // Let the sockets drain between frames, as they would between camera frames.
    await tick();
  }
  const used = process.cpuUsage(before);
  const dropped = stream.hub.stats.dropped;
  child?.stdin!.end();
  child?.kill();
  await server.close();
  stream.close();
  return { usPerFrame: (used.user + used.system) / MEASURED_FRAMES, dropped };
}

/** ffmpeg-made 640×480 JPEGs with its default (optimal) or the standard Huffman tables. */
function jpegFrames(huffman: 'optimal' | 'default'): Buffer[] {
  return mjpegFrames({ size: '640x480', rate: 25, seconds: 2, quality: 5, huffman });
}

/** RTP/JPEG of a frame whose Huffman tables must be re-coded, beside one that needs none. */
function jpegRecodeFigure(): BenchFigure {
  const optimal = jpegFrames('optimal');
  const standard = jpegFrames('default');
  const packetizer = new JpegPacketizer();
  const recode = usPerItem(optimal, (b) => packetizer.packetize(b), { rounds: 5 });
  const plain = usPerItem(standard, (b) => packetizer.packetize(b), { rounds: 5 });
  const decode = usPerItem(optimal.slice(0, 10), (b) => jpeg.decode(b, { useTArray: true }), { rounds: 1 });
  return {
    name: 'media-rtsp: RTP/JPEG packetize with lossless Huffman re-coding, per 640x480 frame',
    value: round(recode, 2),
    unit: 'µs/frame',
    baseline: 'RTP/JPEG packetize of the same picture coded with the standard tables (no re-coding)',
    baselineValue: round(plain, 2),
    ratio: round(recode / plain, 2),
    jpegJsFullDecodeUs: round(decode, 2),
  };
}

export async function run(): Promise<BenchFigure[]> {
  const frames = framesOfFile(testStream({ kind: 'h264', size: '1280x720', seconds: 4, rate: 25 }), 'h264');
  const meanBytes = Math.round(frames.reduce((n, f) => n + f.payload.length, 0) / frames.length);
  const figures: BenchFigure[] = [];
  for (const transport of ['tcp', 'udp'] as const) {
    const one = await measure(frames, 1, transport);
    const many = await measure(frames, MANY, transport);
    const perExtra = (many.usPerFrame - one.usPerFrame) / (MANY - 1);
    figures.push({
      name: `media-rtsp: server CPU per extra ${transport.toUpperCase()} client per frame (1280x720 H.264)`,
      value: round(perExtra, 2),
      unit: 'µs/frame',
      baseline: `server CPU per frame with one ${transport.toUpperCase()} client`,
      baselineValue: round(one.usPerFrame, 2),
      ratio: round(perExtra / one.usPerFrame, 2),
      clients: MANY,
      meanFrameBytes: meanBytes,
      usPerFrameWith5: round(many.usPerFrame, 2),
      dropped: one.dropped + many.dropped,
    });
  }
  figures.push(jpegRecodeFigure());
  return figures;
}
