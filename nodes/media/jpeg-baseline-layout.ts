// Reads the headers of a baseline JPEG (ITU-T T.81 Annex B) far enough to send it over RTP:
// picture size, components and their sampling, quantization tables, Huffman tables, restart
// interval and where the entropy-coded scan lies. Lengths are checked before use; anything
// malformed gives a reason, never an exception.

import { EOI, SOI, SOS, isStandalone } from './jpeg-markers';
import { HuffmanSpec } from './jpeg-standard-huffman';

const SOF0 = 0xc0;
const SOF1 = 0xc1;
const DHT = 0xc4;
const DQT = 0xdb;
const DRI = 0xdd;

export interface JpegComponent {
  id: number;
  h: number;
  v: number;
  /** Quantization table id. */
  tq: number;
  /** DC and AC Huffman table ids, from the scan header. */
  td: number;
  ta: number;
}

export interface QuantTable {
  /** 0: 8-bit entries (64 bytes), 1: 16-bit entries (128 bytes). */
  precision: number;
  /** The entries in zigzag order, as DQT stores them and RFC 2435 §3.1.8 sends them. */
  data: Buffer;
}

export interface HuffmanTable {
  /** 0 = DC, 1 = AC. */
  tableClass: number;
  id: number;
  spec: HuffmanSpec;
}

export interface JpegLayout {
  width: number;
  height: number;
  components: JpegComponent[];
  quantTables: (QuantTable | undefined)[];
  huffmanTables: HuffmanTable[];
  restartInterval: number;
  /** The entropy-coded data of the (single) scan, up to but not including EOI. */
  scan: Buffer;
}

export type JpegLayoutResult = { ok: true; layout: JpegLayout } | { ok: false; error: string };

function bad(error: string): JpegLayoutResult {
  return { ok: false, error };
}

export function readBaselineJpeg(jpeg: Buffer): JpegLayoutResult {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== SOI) return bad('not a JPEG (no SOI marker)');
  const quantTables: (QuantTable | undefined)[] = [];
  const huffmanTables: HuffmanTable[] = [];
  let restartInterval = 0;
  let frame: { width: number; height: number; components: JpegComponent[] } | null = null;
  let i = 2;
  while (i + 4 <= jpeg.length) {
    if (jpeg[i] !== 0xff) return bad('corrupt JPEG: expected a marker');
    const marker = jpeg[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (isStandalone(marker)) {
      i += 2;
      continue;
    }
    if (marker === EOI) return bad('JPEG has no scan (EOI before SOS)');
    const length = jpeg.readUInt16BE(i + 2);
    const segment = jpeg.subarray(i + 4, i + 2 + length);
    if (length < 2 || i + 2 + length > jpeg.length) return bad('truncated JPEG: a header segment runs past the end');
    if (marker === DQT) {
      if (!readDqt(segment, quantTables)) return bad('corrupt JPEG: bad DQT segment');
    } else if (marker === DHT) {
      if (!readDht(segment, huffmanTables)) return bad('corrupt JPEG: bad DHT segment');
    } else if (marker === DRI) {
      if (segment.length < 2) return bad('corrupt JPEG: bad DRI segment');
      restartInterval = segment.readUInt16BE(0);
    } else if (marker === SOF0 || marker === SOF1) {
      frame = readSof(segment);
      if (!frame) return bad('corrupt JPEG: bad SOF segment');
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== DHT && marker !== 0xc8 && marker !== 0xcc) {
      return bad('JPEG is not baseline (progressive, lossless or arithmetic coding)');
    } else if (marker === SOS) {
      if (!frame) return bad('corrupt JPEG: SOS before SOF');
      if (!readSos(segment, frame.components)) return bad('corrupt JPEG: bad SOS segment');
      const scanStart = i + 2 + length;
      const scanEnd = findEoi(jpeg, scanStart);
      if (scanEnd < 0) return bad('truncated JPEG: no EOI after the scan');
      return { ok: true, layout: { ...frame, quantTables, huffmanTables, restartInterval, scan: jpeg.subarray(scanStart, scanEnd) } };
    }
    i += 2 + length;
  }
  return bad('truncated JPEG: no scan');
}

function readDqt(segment: Buffer, tables: (QuantTable | undefined)[]): boolean {
  let at = 0;
  while (at < segment.length) {
    const precision = segment[at] >> 4;
    const id = segment[at] & 0x0f;
    const size = precision === 0 ? 64 : 128;
    if (precision > 1 || id > 3 || at + 1 + size > segment.length) return false;
    tables[id] = { precision, data: Buffer.from(segment.subarray(at + 1, at + 1 + size)) };
    at += 1 + size;
  }
  return true;
}

function readDht(segment: Buffer, tables: HuffmanTable[]): boolean {
  let at = 0;
  while (at < segment.length) {
    if (at + 17 > segment.length) return false;
    const tableClass = segment[at] >> 4;
    const id = segment[at] & 0x0f;
    const counts = [...segment.subarray(at + 1, at + 17)];
    const total = counts.reduce((a, b) => a + b, 0);
    if (tableClass > 1 || id > 3 || total > 256 || at + 17 + total > segment.length) return false;
    const symbols = [...segment.subarray(at + 17, at + 17 + total)];
    const existing = tables.findIndex((t) => t.tableClass === tableClass && t.id === id);
    const table = { tableClass, id, spec: { counts, symbols } };
    if (existing >= 0) tables[existing] = table;
    else tables.push(table);
    at += 17 + total;
  }
  return true;
}

function readSof(segment: Buffer): { width: number; height: number; components: JpegComponent[] } | null {
  if (segment.length < 6 || segment[0] !== 8) return null;
  const height = segment.readUInt16BE(1);
  const width = segment.readUInt16BE(3);
  const count = segment[5];
  if (width === 0 || height === 0 || count === 0 || segment.length < 6 + 3 * count) return null;
  const components: JpegComponent[] = [];
  for (let c = 0; c < count; c++) {
    const at = 6 + 3 * c;
    const h = segment[at + 1] >> 4;
    const v = segment[at + 1] & 0x0f;
    if (h < 1 || h > 4 || v < 1 || v > 4 || segment[at + 2] > 3) return null;
    components.push({ id: segment[at], h, v, tq: segment[at + 2], td: 0, ta: 0 });
  }
  return { width, height, components };
}

/** Takes the Huffman table choices of a scan that covers every component. */
function readSos(segment: Buffer, components: JpegComponent[]): boolean {
  const count = segment[0];
  if (segment.length < 1 + 2 * count + 3 || count !== components.length) return false;
  for (let s = 0; s < count; s++) {
    const component = components.find((c) => c.id === segment[1 + 2 * s]);
    if (!component) return false;
    component.td = segment[2 + 2 * s] >> 4;
    component.ta = segment[2 + 2 * s] & 0x0f;
  }
  return true;
}

/** The EOI that ends the scan: stuffed bytes (FF 00) and restart markers (FF D0..D7) are data. */
function findEoi(jpeg: Buffer, from: number): number {
  for (let i = jpeg.indexOf(0xff, from); i >= 0 && i + 1 < jpeg.length; i = jpeg.indexOf(0xff, i + 1)) {
    const next = jpeg[i + 1];
    if (next === EOI) return i;
    if (next !== 0 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return -1;
  }
  return -1;
}
