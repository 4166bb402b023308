// What one more RTSP client costs the Node-RED process per frame, beside what the first one
// costs, in the same run. An H.264 stream made by ffmpeg is pushed through StreamOut to 1 and then
// to 5 clients over loopback, with TCP-interleaved and then with UDP transport. The clients run in
// a child process, so the figure is the server's CPU time alone (user + system, so socket writes
// count too): packetizing once, the hub's fan-out, each client's RTP headers and its sends.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { FrameMessage } from '../nodes/core/frame';
import { RtspServer } from '../nodes/media/rtsp-server';
import { StreamOut } from '../nodes/media/stream-out';
import { framesOfFile } from '../test/media/frame-feed';
import { testStream } from '../test/support/ffmpeg';

const WARMUP_FRAMES = 200;
const MEASURED_FRAMES = 2000;
const MANY = 5;
const CLIENTS_SCRIPT = path.join(__dirname, '..', 'test', 'media', 'rtsp-load-clients.js');

interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
  [extra: string]: unknown;
}

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

export async function run(): Promise<Figure[]> {
  const frames = framesOfFile(testStream({ kind: 'h264', size: '1280x720', seconds: 4, rate: 25 }), 'h264');
  const meanBytes = Math.round(frames.reduce((n, f) => n + f.payload.length, 0) / frames.length);
  const figures: Figure[] = [];
  for (const transport of ['tcp', 'udp'] as const) {
    const one = await measure(frames, 1, transport);
    const many = await measure(frames, MANY, transport);
    const perExtra = (many.usPerFrame - one.usPerFrame) / (MANY - 1);
    figures.push({
      name: `media-rtsp: server CPU per extra ${transport.toUpperCase()} client per frame (1280x720 H.264)`,
      value: round(perExtra),
      unit: 'µs/frame',
      baseline: `server CPU per frame with one ${transport.toUpperCase()} client`,
      baselineValue: round(one.usPerFrame),
      ratio: round(perExtra / one.usPerFrame),
      clients: MANY,
      meanFrameBytes: meanBytes,
      usPerFrameWith5: round(many.usPerFrame),
      dropped: one.dropped + many.dropped,
    });
  }
  return figures;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
