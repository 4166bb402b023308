// Real streams for the tests, made by ffmpeg, and ffmpeg's own split of them (ffprobe).
// Fixtures are cached in the system temp directory by their parameters, written atomically.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const DEBIAN_PACKAGE: Record<string, string> = { ffmpeg: 'ffmpeg', ffprobe: 'ffmpeg', curl: 'curl', mosquitto: 'mosquitto', gcc: 'gcc', dig: 'dnsutils' };

/** Throws a message naming the install step when a tool the test needs is missing. */
export function requireTool(tool: string): string {
  try {
    execFileSync(tool, [tool === 'mosquitto' ? '-h' : '--version'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const pkg = DEBIAN_PACKAGE[tool] ?? tool;
      throw new Error(`${tool} is not installed: install it with \`sudo apt-get install ${pkg}\` (Debian/Ubuntu); \`.ci/run\` installs it`);
    }
  }
  return tool;
}

export type StreamKind = 'mjpeg' | 'mpjpeg' | 'h264' | 'h265';

export interface StreamSpec {
  kind: StreamKind;
  seconds?: number;
  size?: string;
  rate?: number;
}

const ENCODE: Record<StreamKind, string[]> = {
  mjpeg: ['-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg'],
  mpjpeg: ['-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg'], // then re-wrapped, see testStream
  h264: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '25', '-bf', '2', '-f', 'h264'],
  h265: ['-c:v', 'libx265', '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=error:keyint=25', '-f', 'hevc'],
};

/** Path of a test-pattern stream of the given kind (generated once, then cached). */
export function testStream(spec: StreamSpec): string {
  requireTool('ffmpeg');
  const seconds = spec.seconds ?? 3;
  const size = spec.size ?? '320x240';
  const rate = spec.rate ?? 10;
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`, '-t', String(seconds), ...ENCODE[spec.kind]];
  const key = createHash('sha1').update(args.join(' ')).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), 'p2pcam-fixtures');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${spec.kind}-${key}.${spec.kind}`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    if (spec.kind === 'mpjpeg') {
      // The same JPEGs as the mjpeg fixture, re-wrapped, so both splits can be compared.
      const mjpeg = testStream({ ...spec, kind: 'mjpeg' });
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'mjpeg', '-i', mjpeg, '-c', 'copy', '-f', 'mpjpeg', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    } else {
      execFileSync('ffmpeg', [...args, tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    fs.renameSync(tmp, file);
  }
  return file;
}

export interface ProbedPacket {
  size: number;
  keyframe: boolean;
}

/** ffmpeg's own split of a stream file into frames (packets), as ffprobe -show_packets sees it. */
export function probePackets(file: string): ProbedPacket[] {
  requireTool('ffprobe');
  const json = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=size,flags', '-of', 'json', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const packets = (JSON.parse(json).packets ?? []) as { size: string; flags: string }[];
  return packets.map((p) => ({ size: Number(p.size), keyframe: p.flags.startsWith('K') }));
}

/** Splits `data` into chunks: every byte, random sizes (seeded), or whole. */
export function chunked(data: Buffer, how: 'bytes' | 'random' | 'whole', seed = 1): Buffer[] {
  if (how === 'whole') return [data];
  const out: Buffer[] = [];
  const random = seededRandom(seed);
  let i = 0;
  while (i < data.length) {
    const n = how === 'bytes' ? 1 : 1 + Math.floor(random() * 6000);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Deterministic PRNG (mulberry32) so a failing random case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
