// What a user tunes in motion detection, how the numbers are read (node config and per-message
// overrides alike), and how they map onto the detectors' thresholds.

/** A rectangle of the picture, as fractions (0..1) of its width and height. */
export interface MaskRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MotionSettings {
  /** 1 (only big, strong changes) .. 100 (the faintest change). */
  sensitivity: number;
  /** Smallest changed area that counts as motion, in percent of the (unmasked) picture. */
  minAreaPercent: number;
  /** Quiet time after the last motion before the `end` event, ms. */
  cooldownMs: number;
  /** Parts of the picture to ignore (a clock overlay, a tree in the wind). */
  mask: MaskRect[];
}

export const DEFAULT_MOTION_SETTINGS: Readonly<MotionSettings> = Object.freeze({
  sensitivity: 50,
  minAreaPercent: 1,
  cooldownMs: 5000,
  mask: [],
});

/** At most this many mask rectangles are taken, so a message cannot make every frame slow. */
export const MAX_MASK_RECTS = 32;

/** Luma difference (0..255) a cell must exceed to count as changed. */
export function cellThreshold(sensitivity: number): number {
  return 2 + (100 - sensitivity) * 0.5;
}

/** How many times its usual size a P-frame must be to count as motion. */
export function sizeRatioThreshold(sensitivity: number): number {
  return 1.25 + (100 - sensitivity) * 0.025;
}

/** Overrides from a message or a node's config; what is missing or out of range keeps `base`. */
export interface MotionOverrides {
  sensitivity?: unknown;
  minArea?: unknown;
  /** Seconds. */
  cooldown?: unknown;
  mask?: unknown;
}

export function resolveSettings(base: MotionSettings, o: MotionOverrides): { settings: MotionSettings; problems: string[] } {
  const problems: string[] = [];
  const settings: MotionSettings = { ...base };
  const sensitivity = numberIn(o.sensitivity, 1, 100);
  if (sensitivity !== undefined) settings.sensitivity = sensitivity;
  else if (given(o.sensitivity)) problems.push('sensitivity must be a number from 1 to 100');
  const minArea = numberIn(o.minArea, 0, 100);
  if (minArea !== undefined) settings.minAreaPercent = minArea;
  else if (given(o.minArea)) problems.push('minArea must be a percentage from 0 to 100');
  const cooldown = numberIn(o.cooldown, 0, 3600);
  if (cooldown !== undefined) settings.cooldownMs = cooldown * 1000;
  else if (given(o.cooldown)) problems.push('cooldown must be 0 to 3600 seconds');
  if (given(o.mask)) {
    const mask = parseMask(o.mask);
    if (mask) settings.mask = mask;
    else problems.push(`mask must be an array of up to ${MAX_MASK_RECTS} {x, y, w, h} rectangles with fractions from 0 to 1`);
  }
  return { settings, problems };
}

/** An array of {x, y, w, h} fractions, or its JSON text; undefined when malformed. */
export function parseMask(value: unknown): MaskRect[] | undefined {
  let list = value;
  if (typeof list === 'string') {
    if (list.trim() === '') return [];
    try {
      list = JSON.parse(list);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(list) || list.length > MAX_MASK_RECTS) return undefined;
  const out: MaskRect[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) return undefined;
    const r = item as Record<string, unknown>;
    const x = numberIn(r.x, 0, 1);
    const y = numberIn(r.y, 0, 1);
    const w = numberIn(r.w, 0, 1);
    const h = numberIn(r.h, 0, 1);
    if (x === undefined || y === undefined || w === undefined || h === undefined) return undefined;
    out.push({ x, y, w, h });
  }
  return out;
}

function given(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

function numberIn(v: unknown, min: number, max: number): number | undefined {
  if (!given(v)) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}
