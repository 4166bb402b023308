// Motion scoring cost per 640×480 JPEG: the DC-only path (Huffman-decode the scan, keep the DC
// coefficients, compare with the background) beside a full jpeg-js decode of the same frames,
// measured in the same run. The aim is a ratio of at least 5.
import { execFileSync } from 'child_process';
import { readJpegLuma } from '../nodes/media/jpeg/jpeg-dc-reader';
import { LumaMotionDetector } from '../nodes/media/motion/luma-motion-detector';
import { fullDecodeLuma } from '../nodes/media/motion/motion-engine';
import { DEFAULT_MOTION_SETTINGS } from '../nodes/media/motion/motion-settings';
import { framesOf } from '../test/media/frame-feed';
import { BenchFigure, round, usPerItem } from './bench-support';

const FRAMES = 30;

function cameraFrames(): Buffer[] {
  let mjpeg: Buffer;
  try {
    mjpeg = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=10', '-frames:v', String(FRAMES),
      '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', '5', '-f', 'mjpeg', 'pipe:1'], { maxBuffer: 64 << 20 });
  } catch (err) {
    throw new Error(`bench media-motion needs ffmpeg to make its frames (sudo apt-get install ffmpeg): ${(err as Error).message}`);
  }
  return framesOf(mjpeg, 'mjpeg', 'bench').map((f) => f.payload);
}

/** Mean µs per frame of `score` over the frames, repeated until at least `minMs` have passed; `t` is a 10 fps clock. */
function timePerFrame(frames: Buffer[], score: (jpeg: Buffer, t: number) => void, minMs: number): number {
  return usPerItem(frames, (jpeg, n) => score(jpeg, n * 100), { minMs });
}

export async function run(): Promise<BenchFigure[]> {
  const frames = cameraFrames();
  const dcDetector = new LumaMotionDetector();
  const fullDetector = new LumaMotionDetector();
  const dc = timePerFrame(frames, (jpeg, t) => void dcDetector.measure(readJpegLuma(jpeg), t, DEFAULT_MOTION_SETTINGS), 1500);
  const full = timePerFrame(frames, (jpeg, t) => void fullDetector.measure(fullDecodeLuma(jpeg), t, DEFAULT_MOTION_SETTINGS), 1500);
  const readOnly = timePerFrame(frames, (jpeg) => void readJpegLuma(jpeg), 1000);
  return [
    {
      name: 'motion score per 640x480 JPEG, DC-only',
      value: round(dc, 1),
      unit: 'us/frame',
      baseline: 'full jpeg-js decode of the same frames, boxed to 1/8, same detector',
      baselineValue: round(full, 1),
      ratio: round(full / dc, 1),
    },
    {
      name: 'DC-only luma read per 640x480 JPEG (no detector)',
      value: round(readOnly, 1),
      unit: 'us/frame',
      baseline: 'full jpeg-js decode and score of the same frames',
      baselineValue: round(full, 1),
      ratio: round(full / readOnly, 1),
    },
  ];
}
