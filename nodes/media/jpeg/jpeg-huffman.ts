// Huffman tables of a baseline JPEG (ITU T.81 Annex C) in a form the scan decoder can use fast:
// a 9-bit lookup for the short codes that make up almost every symbol, and the canonical
// maxcode/valptr arrays (Annex F.2.2.3) for the rare long ones.

import { JpegCorruptError } from './jpeg-errors';
import { HuffmanSpec, STD_AC_CHROMINANCE, STD_AC_LUMINANCE, STD_DC_CHROMINANCE, STD_DC_LUMINANCE } from './jpeg-standard-huffman';

/** Codes up to this many bits are found with one table lookup. */
export const LOOKUP_BITS = 9;

export class HuffmanTable {
  /** Index: the next LOOKUP_BITS bits. Value: (code length << 8) | symbol, or 0 for a longer code. */
  readonly lookup = new Uint16Array(1 << LOOKUP_BITS);
  /** Largest code of each length (1..16), -1 when there is none. */
  readonly maxcode = new Int32Array(18);
  /** Index into `values` of the first code of each length, minus that code. */
  readonly valoffset = new Int32Array(17);
  readonly values: Uint8Array;

  /** `counts[i]` = number of codes of length i + 1 (the 16 BITS bytes of a DHT). */
  constructor(counts: ArrayLike<number>, values: ArrayLike<number>) {
    let total = 0;
    for (let i = 0; i < 16; i++) total += counts[i];
    if (total > 256 || total !== values.length) throw new JpegCorruptError('Huffman table counts do not match its values');
    this.values = Uint8Array.from(values);
    let code = 0;
    let k = 0;
    for (let len = 1; len <= 16; len++) {
      const n = counts[len - 1];
      this.valoffset[len] = k - code;
      this.maxcode[len] = n > 0 ? code + n - 1 : -1;
      for (let j = 0; j < n; j++, k++, code++) {
        if (len <= LOOKUP_BITS) this.fillLookup(code, len, this.values[k]);
      }
      // A code that no longer fits in `len` bits means the counts describe no prefix code.
      if (code > 1 << len) throw new JpegCorruptError('Huffman table is not a prefix code');
      code <<= 1;
    }
    this.maxcode[17] = 0x7fffffff; // sentinel: a 17-bit search always stops
  }

  private fillLookup(code: number, len: number, symbol: number): void {
    const shift = LOOKUP_BITS - len;
    const first = code << shift;
    for (let i = 0; i < 1 << shift; i++) this.lookup[first + i] = (len << 8) | symbol;
  }
}

export interface StandardTables {
  dc: [HuffmanTable, HuffmanTable];
  ac: [HuffmanTable, HuffmanTable];
}

let standard: StandardTables | undefined;

function tableOf(spec: HuffmanSpec): HuffmanTable {
  return new HuffmanTable(spec.counts, spec.symbols);
}

/**
 * Annex K.3 tables: index 0 luminance, 1 chrominance. Built once. Motion-JPEG from many cameras
 * (the AVI1 flavour) leaves DHT out and relies on these.
 */
export function standardTables(): StandardTables {
  standard ??= {
    dc: [tableOf(STD_DC_LUMINANCE), tableOf(STD_DC_CHROMINANCE)],
    ac: [tableOf(STD_AC_LUMINANCE), tableOf(STD_AC_CHROMINANCE)],
  };
  return standard;
}
