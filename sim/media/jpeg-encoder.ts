// A small baseline JPEG encoder (ITU T.81) for the simulators: YCbCr 4:2:0 with the standard
// Huffman tables of Annex K.3, as the cameras we stand in for write them. jpeg-js only writes
// 4:4:4 with its own tables, which RTP/JPEG (RFC 2435) cannot carry; a simulated camera must
// look like a real one to every node downstream.

import { HuffmanSpec, STD_AC_CHROMINANCE, STD_AC_LUMINANCE, STD_DC_CHROMINANCE, STD_DC_LUMINANCE } from '../../nodes/media/jpeg/jpeg-standard-huffman';

/** Annex K.1 tables in natural (row by row) order. */
const BASE_LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const BASE_CHROMA_Q = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** ZIGZAG[k] = natural index of the k-th coefficient in zigzag order. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** AAN scale factors: the fast DCT below yields each coefficient times 8·AAN[u]·AAN[v]. */
const AAN = [1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.5411961, 0.275899379];

/**
 * Forward DCT of one 8×8 block in place (rows, then columns), in the factorisation of Arai,
 * Agui and Nakajima: 5 multiplications per 8 points; the missing scale goes into the divisors.
 */
function fdct8x8(d: Float64Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 1 : 8;
    const stride = pass === 0 ? 8 : 1;
    for (let line = 0; line < 8; line++) {
      const o = line * stride;
      const t0 = d[o] + d[o + 7 * step];
      const t7 = d[o] - d[o + 7 * step];
      const t1 = d[o + step] + d[o + 6 * step];
      const t6 = d[o + step] - d[o + 6 * step];
      const t2 = d[o + 2 * step] + d[o + 5 * step];
      const t5 = d[o + 2 * step] - d[o + 5 * step];
      const t3 = d[o + 3 * step] + d[o + 4 * step];
      const t4 = d[o + 3 * step] - d[o + 4 * step];
      // Even part.
      const t10 = t0 + t3;
      const t13 = t0 - t3;
      const t11 = t1 + t2;
      const t12 = t1 - t2;
      d[o] = t10 + t11;
      d[o + 4 * step] = t10 - t11;
      const z1 = (t12 + t13) * 0.707106781;
      d[o + 2 * step] = t13 + z1;
      d[o + 6 * step] = t13 - z1;
      // Odd part.
      const s10 = t4 + t5;
      const s11 = t5 + t6;
      const s12 = t6 + t7;
      const z5 = (s10 - s12) * 0.382683433;
      const z2 = 0.5411961 * s10 + z5;
      const z4 = 1.306562965 * s12 + z5;
      const z3 = s11 * 0.707106781;
      const z11 = t7 + z3;
      const z13 = t7 - z3;
      d[o + 5 * step] = z13 + z2;
      d[o + 3 * step] = z13 - z2;
      d[o + step] = z11 + z4;
      d[o + 7 * step] = z11 - z4;
    }
  }
}

interface HuffmanCodes {
  code: Uint16Array;
  length: Uint8Array;
}

/** Canonical codes (Annex C) from a DHT-style spec. */
function huffmanCodes(spec: HuffmanSpec): HuffmanCodes {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let bits = 1; bits <= 16; bits++) {
    for (let i = 0; i < spec.counts[bits - 1]; i++) {
      const symbol = spec.symbols[k++];
      code[symbol] = next++;
      length[symbol] = bits;
    }
    next <<= 1;
  }
  return { code, length };
}

const DC_LUMA = huffmanCodes(STD_DC_LUMINANCE);
const AC_LUMA = huffmanCodes(STD_AC_LUMINANCE);
const DC_CHROMA = huffmanCodes(STD_DC_CHROMINANCE);
const AC_CHROMA = huffmanCodes(STD_AC_CHROMINANCE);

/** Entropy-coded bits, with a 00 stuffed after every FF (§F.1.2.3). */
class BitWriter {
  private bytes = new Uint8Array(64 * 1024);
  private length = 0;
  private acc = 0;
  private count = 0;

  write(value: number, bits: number): void {
    this.acc = (this.acc << bits) | (value & ((1 << bits) - 1));
    this.count += bits;
    while (this.count >= 8) {
      this.count -= 8;
      this.put((this.acc >>> this.count) & 0xff);
    }
    this.acc &= (1 << this.count) - 1;
  }

  finish(): Uint8Array {
    if (this.count > 0) this.write(0x7f, 8 - this.count); // pad with 1-bits
    return this.bytes.subarray(0, this.length);
  }

  private put(byte: number): void {
    if (this.length + 2 > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    this.bytes[this.length++] = byte;
    if (byte === 0xff) this.bytes[this.length++] = 0;
  }
}

function divisors(q: number[]): Float64Array {
  const out = new Float64Array(64);
  for (let i = 0; i < 64; i++) out[i] = q[i] * AAN[i >> 3] * AAN[i & 7] * 8;
  return out;
}

function scaledTable(base: number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return base.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/** Magnitude category and the bits that follow the Huffman code (§F.1.2.1). */
function category(value: number): [number, number] {
  const magnitude = Math.abs(value);
  let size = 0;
  while (magnitude >> size) size++;
  return [size, value < 0 ? value + (1 << size) - 1 : value];
}

export class JpegEncoder {
  private readonly lumaQ: number[];
  private readonly chromaQ: number[];
  /** Quantizer times the AAN scale, natural order: one division per coefficient. */
  private readonly lumaDivisors: Float64Array;
  private readonly chromaDivisors: Float64Array;
  private readonly block = new Float64Array(64);

  constructor(quality = 75) {
    this.lumaQ = scaledTable(BASE_LUMA_Q, quality);
    this.chromaQ = scaledTable(BASE_CHROMA_Q, quality);
    this.lumaDivisors = divisors(this.lumaQ);
    this.chromaDivisors = divisors(this.chromaQ);
  }

  /** Encodes RGBA pixels (4 bytes each) as a 4:2:0 baseline JPEG. */
  encode(rgba: Uint8Array, width: number, height: number): Buffer {
    const { y, cb, cr, cw, ch } = toPlanes(rgba, width, height);
    const out = new BitWriter();
    const pred = [0, 0, 0];
    for (let my = 0; my < Math.ceil(height / 16); my++) {
      for (let mx = 0; mx < Math.ceil(width / 16); mx++) {
        for (let k = 0; k < 4; k++) this.encodeBlock(out, y, width, height, mx * 16 + (k & 1) * 8, my * 16 + (k >> 1) * 8, this.lumaDivisors, pred, 0, DC_LUMA, AC_LUMA);
        this.encodeBlock(out, cb, cw, ch, mx * 8, my * 8, this.chromaDivisors, pred, 1, DC_CHROMA, AC_CHROMA);
        this.encodeBlock(out, cr, cw, ch, mx * 8, my * 8, this.chromaDivisors, pred, 2, DC_CHROMA, AC_CHROMA);
      }
    }
    return Buffer.concat([this.headers(width, height), out.finish(), Buffer.from([0xff, 0xd9])]);
  }

  private encodeBlock(out: BitWriter, plane: Float64Array, pw: number, ph: number, x0: number, y0: number, q: Float64Array, pred: number[], c: number, dc: HuffmanCodes, ac: HuffmanCodes): void {
    const { block } = this;
    // Samples, level-shifted; edges repeat the last row/column (§A.2.4 padding).
    for (let y = 0; y < 8; y++) {
      const row = Math.min(y0 + y, ph - 1) * pw;
      for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[row + Math.min(x0 + x, pw - 1)] - 128;
    }
    fdct8x8(block);
    const diff = Math.round(block[0] / q[0]) - pred[c];
    pred[c] += diff;
    const [dcSize, dcBits] = category(diff);
    out.write(dc.code[dcSize], dc.length[dcSize]);
    if (dcSize) out.write(dcBits, dcSize);
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const value = Math.round(block[ZIGZAG[k]] / q[ZIGZAG[k]]);
      if (value === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        out.write(ac.code[0xf0], ac.length[0xf0]); // ZRL: sixteen zeros
        run -= 16;
      }
      const [size, bits] = category(value);
      const symbol = (run << 4) | size;
      out.write(ac.code[symbol], ac.length[symbol]);
      out.write(bits, size);
      run = 0;
    }
    if (run > 0) out.write(ac.code[0x00], ac.length[0x00]); // EOB
  }

  private headers(width: number, height: number): Buffer {
    const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
    const dqt = segment(0xdb, [0x00, ...ZIGZAG.map((i) => this.lumaQ[i]), 0x01, ...ZIGZAG.map((i) => this.chromaQ[i])]);
    const sof = segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    const table = (tc: number, spec: HuffmanSpec) => [tc, ...spec.counts, ...spec.symbols];
    const dht = segment(0xc4, [...table(0x00, STD_DC_LUMINANCE), ...table(0x10, STD_AC_LUMINANCE), ...table(0x01, STD_DC_CHROMINANCE), ...table(0x11, STD_AC_CHROMINANCE)]);
    const sos = segment(0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
    return Buffer.from([0xff, 0xd8, ...dqt, ...sof, ...dht, ...sos]);
  }
}

/** Y at full size, Cb and Cr averaged over 2×2 (JFIF's BT.601 full-range conversion). */
function toPlanes(rgba: Uint8Array, width: number, height: number) {
  const y = new Float64Array(width * height);
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const cb = new Float64Array(cw * ch);
  const cr = new Float64Array(cw * ch);
  const n = new Float64Array(cw * ch);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const i = (py * width + px) * 4;
      const r = rgba[i];
      const g = rgba[i + 1];
      const b = rgba[i + 2];
      y[py * width + px] = 0.299 * r + 0.587 * g + 0.114 * b;
      const c = (py >> 1) * cw + (px >> 1);
      cb[c] += 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
      cr[c] += 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
      n[c]++;
    }
  }
  for (let c = 0; c < cb.length; c++) {
    cb[c] /= n[c];
    cr[c] /= n[c];
  }
  return { y, cb, cr, cw, ch };
}
