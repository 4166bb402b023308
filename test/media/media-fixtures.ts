// Pictures and clips for the media tests, made by ffmpeg and cached in the temp directory by
// their arguments (cachedFixture of test/support/ffmpeg.ts), and the ffmpeg children they leave.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { FrameMessage } from '../../nodes/core/frame';
import { AssemblerMode } from '../../nodes/media/assembler/frame-assembler-engine';
import { cachedFixture, fixtureKey, requireTool } from '../support/ffmpeg';
import { childProcessesOf, commandOf } from '../support/processes';
import { framesOf } from './frame-feed';

/** What ffmpeg makes of `args` as a file of format `ext` (jpg: one JPEG), made once and cached. */
function cached(args: string[], ext: string): Buffer {
  requireTool('ffmpeg');
  const file = cachedFixture(`media-${fixtureKey(args)}.${ext}`, (tmp) => {
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, '-f', ext === 'jpg' ? 'mjpeg' : ext, tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  });
  return fs.readFileSync(file);
}

export interface StillSpec {
  size?: string;
  pixFmt?: 'yuvj420p' | 'yuvj422p' | 'yuvj444p' | 'gray';
  huffman?: 'default' | 'optimal';
  /** More than one slice makes ffmpeg write DRI and RST markers. */
  slices?: number;
  quality?: number;
  source?: string;
  /** Scale to this size after the source (for odd sizes, which test sources round to even). */
  scaleTo?: string;
}

/** One JPEG of a test pattern. */
export function jpegStill(spec: StillSpec = {}): Buffer {
  const size = spec.size ?? '320x240';
  const source = spec.source ?? 'testsrc2';
  const args = ['-f', 'lavfi', '-i', `${source}=size=${size}:rate=1`, '-frames:v', '1'];
  const filters = spec.scaleTo ? [`scale=${spec.scaleTo.replace('x', ':')}`] : [];
  if (spec.pixFmt === 'gray') filters.push('format=gray');
  if (filters.length > 0) args.push('-vf', filters.join(','));
  args.push('-pix_fmt', spec.pixFmt ?? 'yuvj420p');
  args.push('-c:v', 'mjpeg', '-q:v', String(spec.quality ?? 5), '-huffman', spec.huffman ?? 'optimal');
  if (spec.slices && spec.slices > 1) args.push('-threads', String(spec.slices), '-thread_type', 'slice', '-slices', String(spec.slices));
  return cached(args, 'jpg');
}

export type ClipCodec = 'mjpeg' | 'h264' | 'h265';

export interface MotionClipSpec {
  codec: ClipCodec;
  size?: string;
  /** Frames in all; the object is visible from `enter` to `leave` - 1. */
  frames?: number;
  enter?: number;
  leave?: number;
  /** Keyframe interval (H.264/H.265). */
  gop?: number;
  /** Temporal noise strength (ffmpeg noise filter), so a static scene is not bit-for-bit static. */
  noise?: number;
}

/**
 * A static scene (colour bars with temporal noise), then a white box that moves in from the
 * left and across, then the static scene again. Frame n of the clip is frame n of the scene.
 */
export function motionClip(spec: MotionClipSpec): { frames: FrameMessage[]; enter: number; leave: number } {
  const size = spec.size ?? '320x240';
  const [w, h] = size.split('x').map(Number);
  const frames = spec.frames ?? 80;
  const enter = spec.enter ?? 30;
  const leave = spec.leave ?? 50;
  const box = Math.round(h / 4);
  // From half in at the left edge (first frame) to half out at the right (last frame).
  const step = Math.floor(w / (leave - enter - 1));
  // The overlay's own frame counter is off by one from the output's, so count by time (10 fps).
  const n = 'round(t*10)';
  const x = `if(between(${n},${enter},${leave - 1}),(${n}-${enter})*${step}-${box / 2},-10000)`;
  const graph = `smptebars=size=${size}:rate=10,noise=alls=${spec.noise ?? 6}:allf=t+u,format=yuv420p[bg];`
    + `color=c=white:size=${box}x${box}:rate=10[box];[bg][box]overlay=x='${x}':y=${Math.round(h / 3)}:eval=frame:shortest=1`;
  const args = ['-f', 'lavfi', '-i', graph, '-frames:v', String(frames)];
  const gop = String(spec.gop ?? 10);
  let mode: AssemblerMode;
  let ext: string;
  if (spec.codec === 'mjpeg') {
    args.push('-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', '5');
    mode = 'mjpeg';
    ext = 'mjpeg';
  } else if (spec.codec === 'h264') {
    args.push('-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-bf', '0', '-preset', 'veryfast');
    mode = 'h264';
    ext = 'h264';
  } else {
    args.push('-c:v', 'libx265', '-pix_fmt', 'yuv420p', '-x265-params', `log-level=error:keyint=${gop}:min-keyint=${gop}:scenecut=0:bframes=0`, '-preset', 'veryfast');
    mode = 'h265';
    ext = 'hevc';
  }
  const out = framesOf(cached(args, ext), mode, 'clip');
  // Timestamps of a 10 fps camera, so cool-downs count in frames the test can name.
  out.forEach((f, i) => (f.frame.timestamp = 1_000_000 + i * 100));
  return { frames: out, enter, leave };
}

export interface MjpegSpec {
  size: string;
  rate: number;
  seconds: number;
  quality: number;
  huffman: 'default' | 'optimal';
  pixFmt?: string;
}

/** The JPEGs of a short test-pattern MJPEG stream: ffmpeg's default (optimal) Huffman tables, or the standard ones. */
export function mjpegFrames(spec: MjpegSpec): Buffer[] {
  const args = ['-f', 'lavfi', '-i', `testsrc2=size=${spec.size}:rate=${spec.rate}`, '-t', String(spec.seconds)];
  if (spec.pixFmt) args.push('-pix_fmt', spec.pixFmt);
  args.push('-c:v', 'mjpeg', '-q:v', String(spec.quality), '-huffman', spec.huffman);
  return framesOf(cached(args, 'mjpeg'), 'mjpeg').map((f) => f.payload);
}

/** Whether process `pid` is alive (signal 0 only asks). */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** ffmpeg processes that are children of this test process (read from /proc, Linux). */
export function ffmpegChildren(): number[] {
  return childProcessesOf(process.pid).filter((pid) => commandOf(pid) === 'ffmpeg');
}
