// A generated picture for demos and tests without a camera: colour bars, a square that moves
// across a still background (so motion detection has something to find), and the frame number
// as a row of light and dark blocks. Encoded as a 4:2:0 baseline JPEG, as cameras write them.

import { JpegEncoder } from './jpeg-encoder';

const BARS: [number, number, number][] = [
  [192, 192, 192], [192, 192, 0], [0, 192, 192], [0, 192, 0], [192, 0, 192], [192, 0, 0], [0, 0, 192],
];

export interface TestPatternOptions {
  width?: number;
  height?: number;
  quality?: number;
  /** Frames the square takes to cross the picture and come back. */
  period?: number;
  /** Frames the square then rests at the left edge before it moves again (a still scene). */
  pauseFrames?: number;
}

export class TestPattern {
  readonly width: number;
  readonly height: number;
  private readonly encoder: JpegEncoder;
  private readonly period: number;
  private readonly pauseFrames: number;
  private readonly background: Buffer;

  constructor(options: TestPatternOptions = {}) {
    this.width = options.width ?? 320;
    this.height = options.height ?? 240;
    this.encoder = new JpegEncoder(options.quality ?? 70);
    this.period = options.period ?? 100;
    this.pauseFrames = options.pauseFrames ?? 0;
    this.background = this.drawBackground();
  }

  /** Frame `n` as a JPEG. */
  jpeg(n: number): Buffer {
    return this.encoder.encode(this.rgba(n), this.width, this.height);
  }

  /** Frame `n` as RGBA pixels, for other encoders. */
  rgba(n: number): Buffer {
    const rgba = Buffer.from(this.background);
    this.drawSquare(rgba, this.squareX(n));
    this.drawCounter(rgba, n);
    return rgba;
  }

  /** Left edge of the moving square in frame `n` (it bounces between the sides, then rests). */
  squareX(n: number): number {
    const travel = this.width - this.squareSize();
    const inCycle = n % (this.period + this.pauseFrames);
    if (inCycle >= this.period) return 0;
    const phase = inCycle / this.period;
    return Math.round(travel * (phase < 0.5 ? phase * 2 : 2 - phase * 2));
  }

  squareSize(): number {
    return Math.max(8, Math.round(this.height / 6));
  }

  private drawBackground(): Buffer {
    const { width, height } = this;
    const rgba = Buffer.alloc(width * height * 4);
    const barsEnd = Math.round(height / 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const [r, g, b] = y < barsEnd ? BARS[Math.floor((x * BARS.length) / width)] : [40, 40 + Math.round((y * 60) / height), 90];
        rgba[i] = r;
        rgba[i + 1] = g;
        rgba[i + 2] = b;
        rgba[i + 3] = 255;
      }
    }
    return rgba;
  }

  private fill(rgba: Buffer, x0: number, y0: number, w: number, h: number, value: number): void {
    for (let y = Math.max(0, y0); y < Math.min(this.height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(this.width, x0 + w); x++) {
        const i = (y * this.width + x) * 4;
        rgba[i] = rgba[i + 1] = rgba[i + 2] = value;
      }
    }
  }

  private drawSquare(rgba: Buffer, x: number): void {
    const size = this.squareSize();
    const y = Math.round(this.height / 2);
    this.fill(rgba, x, y, size, size, 20);
    this.fill(rgba, x + 2, y + 2, size - 4, size - 4, 240);
  }

  private drawCounter(rgba: Buffer, n: number): void {
    const block = Math.max(2, Math.floor(this.width / 40));
    const y = this.height - block * 2;
    for (let bit = 0; bit < 16; bit++) this.fill(rgba, block + bit * block * 2, y, block, block, (n >> (15 - bit)) & 1 ? 255 : 0);
  }
}
