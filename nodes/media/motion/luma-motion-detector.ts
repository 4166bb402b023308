// Motion in a sequence of small luma pictures: each cell is compared with a running background,
// cells that differ by more than the sensitivity's threshold are grouped into regions, and the
// regions give the changed area, a score and bounding boxes.
//
// Why it holds up outdoors: a global brightness shift (clouds, auto exposure, the IR switch) is
// taken out first (the median difference), lone noisy cells are ignored, and the background
// follows the scene with a time constant, so the same settings work at 1 fps and at 30 fps.

import { LumaImage } from './luma-image';
import { MaskRect, MotionSettings, cellThreshold } from './motion-settings';

export interface MotionBox {
  /** Pixels of the source picture. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MotionMeasure {
  /** True when the changed area reaches the minimum area. */
  motion: boolean;
  /** Mean luma difference (0..255) of the changed cells; for frame sizes, the size ratio. */
  score: number;
  /** Changed fraction (0..1) of the unmasked picture; null when not measured (frame sizes). */
  area: number | null;
  boxes: MotionBox[];
}

/** Background time constants: fast where the scene is still, slow under a moving object. */
const TAU_STILL_MS = 1000;
const TAU_CHANGED_MS = 30_000;
/** Regions of fewer cells are noise. */
const MIN_REGION_CELLS = 2;
/** Boxes reported per frame: the largest regions. */
const MAX_BOXES = 16;

const NO_MOTION: MotionMeasure = Object.freeze({ motion: false, score: 0, area: 0, boxes: [] }) as MotionMeasure;

export class LumaMotionDetector {
  private background: Float32Array | null = null;
  private width = 0;
  private height = 0;
  private lastTimestamp = 0;
  private maskKey = '';
  private maskCells: Uint8Array = new Uint8Array(0);
  private changed: Uint8Array = new Uint8Array(0);
  private labels: Int32Array = new Int32Array(0);
  private readonly histogram = new Uint32Array(511);

  /** Forget the background: the next picture becomes it. */
  reset(): void {
    this.background = null;
  }

  /** Compares `luma` with the background, then lets the background follow it. */
  measure(luma: LumaImage, timestamp: number, settings: MotionSettings): MotionMeasure {
    if (!this.background || luma.width !== this.width || luma.height !== this.height) {
      this.adopt(luma, timestamp);
      return NO_MOTION;
    }
    const dt = Math.max(0, timestamp - this.lastTimestamp);
    this.lastTimestamp = timestamp;
    const mask = this.maskFor(settings.mask);
    const offset = this.medianDifference(luma, mask);
    const threshold = cellThreshold(settings.sensitivity);
    const bg = this.background;
    const cur = luma.data;
    const changed = this.changed;
    let unmasked = 0;
    for (let i = 0; i < cur.length; i++) {
      if (mask[i]) {
        changed[i] = 0;
        continue;
      }
      unmasked++;
      changed[i] = Math.abs(cur[i] - bg[i] - offset) > threshold ? 1 : 0;
    }
    const regions = this.regions();
    let cells = 0;
    let sum = 0;
    for (const r of regions) {
      cells += r.cells;
      sum += r.diffSum(cur, bg, offset);
    }
    this.follow(luma, dt);
    if (unmasked === 0 || cells === 0) return NO_MOTION;
    const area = cells / unmasked;
    return {
      motion: area * 100 >= settings.minAreaPercent,
      score: Math.round((sum / cells) * 10) / 10,
      area: Math.round(area * 10_000) / 10_000,
      boxes: regions.slice(0, MAX_BOXES).map((r) => r.box(luma)),
    };
  }

  private adopt(luma: LumaImage, timestamp: number): void {
    const n = luma.width * luma.height;
    this.width = luma.width;
    this.height = luma.height;
    this.background = Float32Array.from(luma.data);
    this.changed = new Uint8Array(n);
    this.labels = new Int32Array(n);
    this.maskKey = '';
    this.lastTimestamp = timestamp;
  }

  /** The mask as one flag per cell; rebuilt only when the rectangles change. */
  private maskFor(rects: MaskRect[]): Uint8Array {
    const key = JSON.stringify(rects);
    if (key === this.maskKey && this.maskCells.length === this.width * this.height) return this.maskCells;
    const cells = new Uint8Array(this.width * this.height);
    for (const r of rects) {
      const x0 = Math.floor(r.x * this.width);
      const y0 = Math.floor(r.y * this.height);
      const x1 = Math.min(this.width, Math.ceil((r.x + r.w) * this.width));
      const y1 = Math.min(this.height, Math.ceil((r.y + r.h) * this.height));
      for (let y = y0; y < y1; y++) cells.fill(1, y * this.width + x0, y * this.width + Math.max(x0, x1));
    }
    this.maskCells = cells;
    this.maskKey = key;
    return cells;
  }

  /** Median of (picture − background) over unmasked cells: the global brightness shift. */
  private medianDifference(luma: LumaImage, mask: Uint8Array): number {
    const h = this.histogram;
    h.fill(0);
    const bg = this.background as Float32Array;
    let n = 0;
    for (let i = 0; i < luma.data.length; i++) {
      if (mask[i]) continue;
      h[Math.round(luma.data[i] - bg[i]) + 255]++;
      n++;
    }
    let seen = 0;
    for (let k = 0; k < h.length; k++) {
      seen += h[k];
      if (seen * 2 >= n) return k - 255;
    }
    return 0;
  }

  /** Connected groups (4-neighbour) of changed cells, largest first; lone cells dropped. */
  private regions(): Region[] {
    const { width, height, changed, labels } = this;
    labels.fill(0);
    const out: Region[] = [];
    const stack: number[] = [];
    for (let start = 0; start < changed.length; start++) {
      if (!changed[start] || labels[start]) continue;
      const region = new Region(out.length + 1);
      const visit = (j: number) => {
        if (changed[j] && !labels[j]) {
          labels[j] = region.label;
          stack.push(j);
        }
      };
      visit(start);
      while (stack.length > 0) {
        const i = stack.pop() as number;
        const x = i % width;
        const y = (i - x) / width;
        region.add(i, x, y);
        if (x > 0) visit(i - 1);
        if (x < width - 1) visit(i + 1);
        if (y > 0) visit(i - width);
        if (y < height - 1) visit(i + width);
      }
      if (region.cells >= MIN_REGION_CELLS) out.push(region);
    }
    return out.sort((a, b) => b.cells - a.cells);
  }

  /** Background follows the picture: quickly where still, slowly under motion. */
  private follow(luma: LumaImage, dt: number): void {
    const bg = this.background as Float32Array;
    const still = 1 - Math.exp(-dt / TAU_STILL_MS);
    const moving = 1 - Math.exp(-dt / TAU_CHANGED_MS);
    const cur = luma.data;
    const changed = this.changed;
    for (let i = 0; i < cur.length; i++) bg[i] += (changed[i] ? moving : still) * (cur[i] - bg[i]);
  }
}

class Region {
  cells = 0;
  private minX = Infinity;
  private minY = Infinity;
  private maxX = -1;
  private maxY = -1;
  private readonly members: number[] = [];

  constructor(readonly label: number) {}

  add(i: number, x: number, y: number): void {
    this.cells++;
    this.members.push(i);
    if (x < this.minX) this.minX = x;
    if (x > this.maxX) this.maxX = x;
    if (y < this.minY) this.minY = y;
    if (y > this.maxY) this.maxY = y;
  }

  diffSum(cur: Uint8Array, bg: Float32Array, offset: number): number {
    let sum = 0;
    for (const i of this.members) sum += Math.abs(cur[i] - bg[i] - offset);
    return sum;
  }

  /** In source pixels, clipped to the picture. */
  box(luma: LumaImage): MotionBox {
    const sx = luma.sourceWidth / luma.width;
    const sy = luma.sourceHeight / luma.height;
    const x = Math.round(this.minX * sx);
    const y = Math.round(this.minY * sy);
    return {
      x,
      y,
      width: Math.min(luma.sourceWidth, Math.round((this.maxX + 1) * sx)) - x,
      height: Math.min(luma.sourceHeight, Math.round((this.maxY + 1) * sy)) - y,
    };
  }
}
