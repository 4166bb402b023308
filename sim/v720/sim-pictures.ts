// Pictures for the simulated camera: a few test-pattern JPEGs encoded once, each sent frame
// stamped with its number in a JPEG comment (COM) segment, so a receiver can tell exactly
// which frames arrived without decoding pixels — and the JPEG still decodes normally.

import { TestPattern } from '../media/test-pattern';

export interface PictureOptions {
  width?: number;
  height?: number;
  quality?: number;
  /** Distinct pictures to cycle through (default 10). */
  distinct?: number;
}

const COM_PREFIX = 'v720-sim frame ';

export class SimPictures {
  private readonly pictures: Buffer[];

  constructor(options: PictureOptions = {}) {
    const pattern = new TestPattern({ width: options.width ?? 320, height: options.height ?? 240, quality: options.quality ?? 60, period: options.distinct ?? 10 });
    this.pictures = Array.from({ length: options.distinct ?? 10 }, (_, i) => pattern.jpeg(i));
  }

  /** Frame `n`: picture n mod distinct, with "v720-sim frame n" in a COM segment after SOI. */
  frame(n: number): Buffer {
    const picture = this.pictures[n % this.pictures.length];
    const text = Buffer.from(COM_PREFIX + n, 'ascii');
    const com = Buffer.alloc(4);
    com[0] = 0xff;
    com[1] = 0xfe;
    com.writeUInt16BE(text.length + 2, 2);
    return Buffer.concat([picture.subarray(0, 2), com, text, picture.subarray(2)]);
  }
}

/** The frame number a simulated picture carries, or null for any other JPEG. */
export function simFrameNumber(jpeg: Buffer): number | null {
  if (jpeg.length < 6 || jpeg[2] !== 0xff || jpeg[3] !== 0xfe) return null;
  const len = jpeg.readUInt16BE(4);
  const text = jpeg.toString('ascii', 6, 4 + len);
  return text.startsWith(COM_PREFIX) ? Number(text.slice(COM_PREFIX.length)) : null;
}
