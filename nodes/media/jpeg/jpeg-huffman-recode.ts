// Re-codes a baseline JPEG scan from the image's own Huffman tables to the standard ones of
// T.81 Annex K, without touching a coefficient: each (run, size) symbol is decoded with the
// image's table and written with the standard code, its extra bits copied as they are. RTP/JPEG
// (RFC 2435) can only describe the standard tables, and encoders that optimise their tables
// (ffmpeg's default for MJPEG) would otherwise arrive at the client as garbage.
// Corrupt scans give a reason, never an exception; the output is capped at twice the input.

import type { JpegComponent, JpegLayout } from './jpeg-baseline-layout';
import { RST0 } from './jpeg-markers';
import { HuffmanSpec, STANDARD_TABLES, sameSpec } from './jpeg-standard-huffman';

const LOOKUP_BITS = 9;

export type RecodeResult = { ok: true; scan: Buffer } | { ok: false; error: string };

/** True when every component's tables are the standard ones (or the JPEG has no DHT at all). */
export function usesStandardTables(layout: JpegLayout): boolean {
  if (layout.huffmanTables.length === 0) return true;
  return layout.components.every((c, index) => {
    const role = index === 0 ? 0 : 1;
    const dc = layout.huffmanTables.find((t) => t.tableClass === 0 && t.id === c.td);
    const ac = layout.huffmanTables.find((t) => t.tableClass === 1 && t.id === c.ta);
    return !!dc && !!ac && sameSpec(dc.spec, STANDARD_TABLES[0][role]) && sameSpec(ac.spec, STANDARD_TABLES[1][role]);
  });
}

// The same canonical decode table as jpeg-huffman's HuffmanTable, kept apart on purpose: that
// one refuses counts that describe no prefix code, and re-coding has always gone on with such a
// table as far as the scan allows. Sharing it would refuse frames RTP/JPEG sends today.
class DecodeTable {
  /** For codes of up to LOOKUP_BITS bits: (length << 8) | symbol, indexed by the next bits; 0 = longer code. */
  readonly fast = new Uint16Array(1 << LOOKUP_BITS);
  readonly maxCode = new Int32Array(18).fill(-1);
  readonly valPtr = new Int32Array(17);
  readonly minCode = new Int32Array(17);

  constructor(readonly spec: HuffmanSpec) {
    let code = 0;
    let k = 0;
    for (let length = 1; length <= 16; length++) {
      const n = spec.counts[length - 1];
      this.valPtr[length] = k;
      this.minCode[length] = code;
      for (let i = 0; i < n; i++, k++, code++) {
        if (length <= LOOKUP_BITS) {
          const shift = LOOKUP_BITS - length;
          for (let fill = 0; fill < 1 << shift; fill++) this.fast[(code << shift) | fill] = (length << 8) | spec.symbols[k];
        }
      }
      this.maxCode[length] = n > 0 ? code - 1 : -1;
      code <<= 1;
    }
    this.maxCode[17] = 0x7fffffff; // sentinel: no code is longer than 16 bits
  }
}

class EncodeTable {
  readonly code = new Uint16Array(256);
  readonly size = new Uint8Array(256);

  constructor(spec: HuffmanSpec) {
    let code = 0;
    let k = 0;
    for (let length = 1; length <= 16; length++) {
      for (let i = 0; i < spec.counts[length - 1]; i++, k++, code++) {
        this.code[spec.symbols[k]] = code;
        this.size[spec.symbols[k]] = length;
      }
      code <<= 1;
    }
  }
}

const STANDARD_ENCODERS = [
  [new EncodeTable(STANDARD_TABLES[0][0]), new EncodeTable(STANDARD_TABLES[0][1])],
  [new EncodeTable(STANDARD_TABLES[1][0]), new EncodeTable(STANDARD_TABLES[1][1])],
];

class CorruptScan extends Error {}

/** Bits of an entropy-coded segment: FF 00 is a data byte FF; any other marker stops the data. */
class ScanReader {
  private pos = 0;
  private acc = 0;
  private bits = 0;
  /** Zero bytes put in after the data ended (or a marker came): reading them is an overrun. */
  private padBytes = 0;

  constructor(private readonly data: Buffer) {}

  private fill(): void {
    while (this.bits <= 24) {
      let byte = 0;
      const data = this.data;
      if (this.pos < data.length && !(data[this.pos] === 0xff && data[this.pos + 1] !== 0)) {
        byte = data[this.pos];
        this.pos += byte === 0xff ? 2 : 1;
      } else {
        this.padBytes++;
      }
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  peek(n: number): number {
    if (this.bits < n) this.fill();
    return (this.acc >>> (this.bits - n)) & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.bits -= n;
    this.acc = this.bits === 0 ? 0 : this.acc & (0xffffffff >>> (32 - this.bits));
    if (this.bits < this.padBytes * 8) throw new CorruptScan('truncated JPEG scan');
  }

  read(n: number): number {
    if (n === 0) return 0;
    const v = this.peek(n);
    this.skip(n);
    return v;
  }

  decode(table: DecodeTable): number {
    const entry = table.fast[this.peek(LOOKUP_BITS)];
    if (entry !== 0) {
      this.skip(entry >> 8);
      return entry & 0xff;
    }
    let length = 1;
    let code = this.read(1);
    while (code > table.maxCode[length]) {
      code = (code << 1) | this.read(1);
      if (++length > 16) throw new CorruptScan('corrupt JPEG scan: bad Huffman code');
    }
    const index = table.valPtr[length] + code - table.minCode[length];
    if (index >= table.spec.symbols.length) throw new CorruptScan('corrupt JPEG scan: bad Huffman code');
    return table.spec.symbols[index];
  }

  /** Drops the padding bits before a restart marker and steps over the marker. */
  restart(expected: number): void {
    const data = this.data;
    if (data[this.pos] !== 0xff || data[this.pos + 1] !== RST0 + expected) throw new CorruptScan('corrupt JPEG scan: restart marker missing');
    this.pos += 2;
    this.acc = 0;
    this.bits = 0;
    this.padBytes = 0;
  }
}

class ScanWriter {
  private out: Buffer;
  private length = 0;
  private acc = 0;
  private bits = 0;

  constructor(initial: number, private readonly cap: number) {
    this.out = Buffer.allocUnsafe(Math.max(initial, 64));
  }

  write(value: number, size: number): void {
    this.acc = ((this.acc << size) | value) >>> 0;
    this.bits += size;
    while (this.bits >= 8) {
      const byte = (this.acc >>> (this.bits - 8)) & 0xff;
      this.put(byte);
      if (byte === 0xff) this.put(0);
      this.bits -= 8;
      this.acc &= (1 << this.bits) - 1;
    }
  }

  /** Pads the last byte with one bits (T.81 F.1.2.3) before a marker or the end. */
  alignWithOnes(): void {
    if (this.bits > 0) this.write((1 << (8 - this.bits)) - 1, 8 - this.bits);
  }

  marker(code: number): void {
    this.put(0xff);
    this.put(code);
  }

  result(): Buffer {
    return this.out.subarray(0, this.length);
  }

  private put(byte: number): void {
    if (this.length === this.out.length) {
      if (this.length >= this.cap) throw new CorruptScan('re-coded JPEG scan grew past its cap');
      const bigger = Buffer.allocUnsafe(Math.min(this.out.length * 2, this.cap));
      this.out.copy(bigger, 0, 0, this.length);
      this.out = bigger;
    }
    this.out[this.length++] = byte;
  }
}

interface BlockCoder {
  dc: DecodeTable;
  ac: DecodeTable;
  dcOut: EncodeTable;
  acOut: EncodeTable;
}

export function recodeWithStandardTables(layout: JpegLayout): RecodeResult {
  const coders = layout.components.map((c, index) => coderFor(layout, c, index));
  if (coders.some((c) => c === null)) return { ok: false, error: 'JPEG scan uses a Huffman table it does not define' };
  const hMax = Math.max(...layout.components.map((c) => c.h));
  const vMax = Math.max(...layout.components.map((c) => c.v));
  const mcus = Math.ceil(layout.width / (8 * hMax)) * Math.ceil(layout.height / (8 * vMax));
  const reader = new ScanReader(layout.scan);
  const writer = new ScanWriter(layout.scan.length + 1024, layout.scan.length * 2 + 65536);
  const interval = layout.restartInterval;
  try {
    for (let mcu = 0; mcu < mcus; mcu++) {
      if (interval > 0 && mcu > 0 && mcu % interval === 0) {
        const n = (mcu / interval - 1) & 7;
        reader.restart(n);
        writer.alignWithOnes();
        writer.marker(RST0 + n);
      }
      layout.components.forEach((c, index) => {
        for (let b = 0; b < c.h * c.v; b++) recodeBlock(reader, writer, coders[index]!);
      });
    }
    writer.alignWithOnes();
    return { ok: true, scan: writer.result() };
  } catch (err) {
    if (err instanceof CorruptScan) return { ok: false, error: err.message };
    throw err;
  }
}

function coderFor(layout: JpegLayout, c: JpegComponent, index: number): BlockCoder | null {
  const dc = layout.huffmanTables.find((t) => t.tableClass === 0 && t.id === c.td);
  const ac = layout.huffmanTables.find((t) => t.tableClass === 1 && t.id === c.ta);
  if (!dc || !ac) return null;
  const role = index === 0 ? 0 : 1;
  return { dc: new DecodeTable(dc.spec), ac: new DecodeTable(ac.spec), dcOut: STANDARD_ENCODERS[0][role], acOut: STANDARD_ENCODERS[1][role] };
}

function recodeBlock(reader: ScanReader, writer: ScanWriter, coder: BlockCoder): void {
  const size = reader.decode(coder.dc);
  if (size > 11) throw new CorruptScan('corrupt JPEG scan: DC difference out of range');
  writeSymbol(writer, coder.dcOut, size);
  writer.write(reader.read(size), size);
  for (let k = 1; k < 64;) {
    const rs = reader.decode(coder.ac);
    const run = rs >> 4;
    const s = rs & 15;
    writeSymbol(writer, coder.acOut, rs);
    if (s === 0) {
      if (run !== 15) return; // EOB
      k += 16;
      continue;
    }
    k += run;
    if (k > 63 || s > 10) throw new CorruptScan('corrupt JPEG scan: AC coefficient out of range');
    writer.write(reader.read(s), s);
    k++;
  }
}

function writeSymbol(writer: ScanWriter, table: EncodeTable, symbol: number): void {
  const size = table.size[symbol];
  if (size === 0) throw new CorruptScan('corrupt JPEG scan: symbol outside the standard table');
  writer.write(table.code[symbol], size);
}
