// Real streams for the tests, made by ffmpeg, and ffmpeg's own split of them (ffprobe).
// Fixtures are cached in the system temp directory by their parameters, written atomically.
import { execFile, execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { seededRandom } from '../../sim/core/seeded-random';

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

/**
 * A file in the fixture cache (the system temp directory), made once by `make` into a temporary
 * path and then renamed into place, so an interrupted run never leaves half a fixture.
 */
export function cachedFixture(name: string, make: (tmp: string) => void): string {
  const dir = path.join(os.tmpdir(), 'p2pcam-fixtures');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    make(tmp);
    fs.renameSync(tmp, file);
  }
  return file;
}

/** A short name for the ffmpeg arguments a fixture is made with: its cache key. */
export function fixtureKey(args: string[]): string {
  return createHash('sha1').update(args.join(' ')).digest('hex').slice(0, 12);
}

/** Path of a test-pattern stream of the given kind (generated once, then cached). */
export function testStream(spec: StreamSpec): string {
  requireTool('ffmpeg');
  const seconds = spec.seconds ?? 3;
  const size = spec.size ?? '320x240';
  const rate = spec.rate ?? 10;
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`, '-t', String(seconds), ...ENCODE[spec.kind]];
  return cachedFixture(`${spec.kind}-${fixtureKey(args)}.${spec.kind}`, (tmp) => {
    if (spec.kind === 'mpjpeg') {
      // The same JPEGs as the mjpeg fixture, re-wrapped, so both splits can be compared.
      const mjpeg = testStream({ ...spec, kind: 'mjpeg' });
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'mjpeg', '-i', mjpeg, '-c', 'copy', '-f', 'mpjpeg', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    } else {
      execFileSync('ffmpeg', [...args, tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
  });
}

export interface ToolRun {
  /** The exit code; -1 when the tool was killed (timeout) or could not run. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command-line tool (ffmpeg, ffprobe, curl) without blocking the event loop a server under test runs on. */
export function runTool(tool: string, args: string[], timeoutMs = 60_000): Promise<ToolRun> {
  requireTool(tool);
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
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

export { seededRandom };
