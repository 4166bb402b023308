// The simulated camera's SD card: directories and files with real content (photos are JPEGs that
// decode, videos start with an MP4 `ftyp` box), file names in the model's pattern, `ls` listings
// in the camera's "<n> bytes|<date>" form, and thumbnails.

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { cameraClock } from '../../nodes/amba/camera-clock';
import jpeg = require('jpeg-js');

export interface SdFile {
  data: Buffer;
  date: string;
}

export interface SdCardOptions {
  root: string;
  mediaDir: string;
  aliases?: Record<string, string>;
  extraDirs?: string[];
  /** Size of a recorded video. Default 600 KiB. */
  videoBytes?: number;
}

export class SimSdCard {
  readonly root: string;
  readonly mediaDir: string;
  private readonly aliases: Record<string, string>;
  private readonly videoBytes: number;
  private readonly dirs = new Set<string>();
  private readonly files = new Map<string, SdFile>();

  constructor(options: SdCardOptions) {
    this.root = options.root;
    this.mediaDir = options.mediaDir;
    this.aliases = options.aliases ?? {};
    this.videoBytes = options.videoBytes ?? 600 * 1024;
    this.format(options.extraDirs ?? []);
  }

  /** Empties the card and recreates the DCIM tree. */
  format(extraDirs: string[] = []): void {
    this.files.clear();
    this.dirs.clear();
    for (const dir of [this.root, path.posix.dirname(this.mediaDir), this.mediaDir, ...extraDirs]) this.mkdirs(dir);
  }

  /** An absolute, normalised camera path; relative paths start at `pwd`, aliases are followed. */
  resolve(p: string, pwd: string): string {
    let full = p.startsWith('/') ? p : path.posix.join(pwd, p);
    for (const [alias, target] of Object.entries(this.aliases)) {
      if (full === alias || full.startsWith(alias + '/')) full = target + full.slice(alias.length);
    }
    full = path.posix.normalize(full);
    return full.length > 1 && full.endsWith('/') ? full.slice(0, -1) : full;
  }

  isDir(p: string): boolean {
    return this.dirs.has(p);
  }

  get(p: string): SdFile | undefined {
    return this.files.get(p);
  }

  has(p: string): boolean {
    return this.files.has(p);
  }

  put(p: string, data: Buffer, date = cameraClock()): void {
    this.mkdirs(path.posix.dirname(p));
    this.files.set(p, { data, date });
  }

  delete(p: string): boolean {
    return this.files.delete(p);
  }

  /** Files and subdirectories of `dir`, as the camera lists them. */
  list(dir: string, withSizes: boolean): Record<string, string>[] {
    const out: Record<string, string>[] = [];
    const prefix = dir === '/' ? '/' : dir + '/';
    for (const d of [...this.dirs].sort()) {
      if (d.startsWith(prefix) && d !== dir && !d.slice(prefix.length).includes('/')) out.push({ [d.slice(prefix.length) + '/']: withSizes ? `0 bytes|${cameraClock()}` : cameraClock() });
    }
    for (const [p, f] of [...this.files].sort(([a], [b]) => a.localeCompare(b))) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) {
        out.push({ [p.slice(prefix.length)]: withSizes ? `${f.data.length} bytes|${f.date}` : f.date });
      }
    }
    return out;
  }

  addPhoto(name: string, seed: number, size?: number, date?: string): string {
    const p = `${this.mediaDir}/${name}`;
    this.put(p, photoBytes(seed, size), date);
    return p;
  }

  addVideo(name: string, seed: number, date?: string): string {
    const p = `${this.mediaDir}/${name}`;
    this.put(p, videoBytes(seed, this.videoBytes), date);
    return p;
  }

  thumbnail(p: string): Buffer {
    return encodeJpeg(160, 120, hashSeed(p), 70);
  }

  private mkdirs(dir: string): void {
    let d = dir;
    while (d && d !== '/' && !this.dirs.has(d)) {
      this.dirs.add(d);
      d = path.posix.dirname(d);
    }
  }
}

export function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Fills a name pattern of the captures: {n:04d} is the file counter, {s:02d} the seconds. */
export function formatName(pattern: string, n: number, date = new Date()): string {
  return pattern.replace(/\{([ns]):0(\d)d\}/g, (_, key: string, width: string) => String(key === 'n' ? n : date.getSeconds()).padStart(Number(width), '0'));
}

function photoBytes(seed: number, size?: number): Buffer {
  const image = encodeJpeg(320, 240, seed, 90);
  if (size === undefined || size <= image.length) return image;
  // Padding after EOI keeps the file a valid JPEG of the captured size.
  return Buffer.concat([image, Buffer.alloc(size - image.length)]);
}

function videoBytes(seed: number, size: number): Buffer {
  const data = noise(seed, size);
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d6d703432', 'hex');
  ftyp.copy(data, 0);
  return data;
}

function encodeJpeg(width: number, height: number, seed: number, quality: number): Buffer {
  const pixels = noise(seed, width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      // A gradient under the noise, so the pictures differ visibly from one another.
      pixels[i] = (pixels[i] >> 2) + ((x * 255) / width) * 0.75;
      pixels[i + 1] = (pixels[i + 1] >> 2) + ((y * 255) / height) * 0.75;
      pixels[i + 2] = (pixels[i + 2] >> 2) + (seed * 37) % 192;
      pixels[i + 3] = 255;
    }
  }
  return Buffer.from(jpeg.encode({ data: pixels, width, height }, quality).data);
}

function noise(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let a = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    out[i] = a & 0xff;
  }
  return out;
}

function hashSeed(text: string): number {
  return createHash('md5').update(text).digest().readUInt32LE(0);
}
