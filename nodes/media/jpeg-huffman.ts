// Huffman tables of a baseline JPEG (ITU T.81 Annex C) in a form the scan decoder can use fast:
// a 9-bit lookup for the short codes that make up almost every symbol, and the canonical
// maxcode/valptr arrays (Annex F.2.2.3) for the rare long ones.

import { JpegCorruptError } from './jpeg-errors';

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

// The example tables of Annex K.3 (Tables K.3 to K.6). Motion-JPEG from many cameras (the AVI1
// flavour) leaves DHT out and relies on these.
const STD_DC_LUMA_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const STD_DC_CHROMA_COUNTS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const STD_DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

const STD_AC_LUMA_COUNTS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const STD_AC_LUMA_HEAD = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
  0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
];
const STD_AC_CHROMA_COUNTS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const STD_AC_CHROMA_HEAD = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
  0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
  0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
  0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
];

/**
 * The tails of both AC tables list, run by run (rows 4..f), every size from a first size up to
 * 10 (0xa): the run/size symbols that are too rare to have earned a shorter code.
 */
function acTail(firstSize: (run: number) => number): number[] {
  const out: number[] = [];
  for (let run = 4; run <= 0xf; run++) for (let size = firstSize(run); size <= 0xa; size++) out.push((run << 4) | size);
  return out;
}

const STD_AC_LUMA_VALUES = [
  ...STD_AC_LUMA_HEAD,
  ...acTail((run) => (run <= 8 ? 3 : run <= 0xd ? 2 : 1)),
];
const STD_AC_CHROMA_VALUES = [
  ...STD_AC_CHROMA_HEAD,
  ...acTail((run) => (run <= 7 ? 3 : 2)),
];

export interface StandardTables {
  dc: [HuffmanTable, HuffmanTable];
  ac: [HuffmanTable, HuffmanTable];
}

let standard: StandardTables | undefined;

/** Annex K.3 tables: index 0 luminance, 1 chrominance. Built once. */
export function standardTables(): StandardTables {
  standard ??= {
    dc: [new HuffmanTable(STD_DC_LUMA_COUNTS, STD_DC_VALUES), new HuffmanTable(STD_DC_CHROMA_COUNTS, STD_DC_VALUES)],
    ac: [new HuffmanTable(STD_AC_LUMA_COUNTS, STD_AC_LUMA_VALUES), new HuffmanTable(STD_AC_CHROMA_COUNTS, STD_AC_CHROMA_VALUES)],
  };
  return standard;
}
