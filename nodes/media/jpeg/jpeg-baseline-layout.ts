// Reads the headers of a baseline JPEG (ITU-T T.81 Annex B) far enough to send it over RTP:
// picture size, components and their sampling, quantization tables, Huffman tables, restart
// interval and where the entropy-coded scan lies. Lengths are checked before use; anything
// malformed gives a reason, never an exception.

import { JpegCorruptError } from './jpeg-errors';
import { DHT, DQT, DRI, EOI, SOF0, SOF1, SOI, SOS, isStartOfFrame, nextHeaderSegment, scanEnd } from './jpeg-markers';
import { dhtTables, dqtTables, readFrameComponents, readFrameHeaderFields, readScanHeader } from './jpeg-segments';
import { HuffmanSpec } from './jpeg-standard-huffman';

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
  for (;;) {
    const next = nextHeaderSegment(jpeg, i);
    // Fewer than four bytes where a segment belongs: the JPEG ends before its scan.
    if (next.at + 4 > jpeg.length) return bad('truncated JPEG: no scan');
    if ('stop' in next) return bad('corrupt JPEG: expected a marker');
    const { marker, at, length } = next;
    if (marker === EOI) return bad('JPEG has no scan (EOI before SOS)');
    const segment = jpeg.subarray(at + 4, at + 2 + length);
    if (length < 2 || at + 2 + length > jpeg.length) return bad('truncated JPEG: a header segment runs past the end');
    if (marker === DQT) {
      if (!readQuantTables(segment, quantTables)) return bad('corrupt JPEG: bad DQT segment');
    } else if (marker === DHT) {
      if (!readHuffmanTables(segment, huffmanTables)) return bad('corrupt JPEG: bad DHT segment');
    } else if (marker === DRI) {
      if (segment.length < 2) return bad('corrupt JPEG: bad DRI segment');
      restartInterval = segment.readUInt16BE(0);
    } else if (marker === SOF0 || marker === SOF1) {
      frame = readFrame(segment);
      if (!frame) return bad('corrupt JPEG: bad SOF segment');
    } else if (isStartOfFrame(marker)) {
      return bad('JPEG is not baseline (progressive, lossless or arithmetic coding)');
    } else if (marker === SOS) {
      if (!frame) return bad('corrupt JPEG: SOS before SOF');
      if (!readScanTables(segment, frame.components)) return bad('corrupt JPEG: bad SOS segment');
      const scanStart = at + 2 + length;
      const eoiAt = findEoi(jpeg, scanStart);
      if (eoiAt < 0) return bad('truncated JPEG: no EOI after the scan');
      return { ok: true, layout: { ...frame, quantTables, huffmanTables, restartInterval, scan: jpeg.subarray(scanStart, eoiAt) } };
    }
    i = at + 2 + length;
  }
}

/** `read` of a segment body, or null when the body is malformed. */
function orNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch (err) {
    if (err instanceof JpegCorruptError) return null;
    throw err;
  }
}

function readQuantTables(segment: Buffer, tables: (QuantTable | undefined)[]): boolean {
  const read = orNull(() => [...dqtTables(segment)]);
  if (!read) return false;
  for (const t of read) tables[t.id] = { precision: t.precision, data: Buffer.from(t.entries) };
  return true;
}

function readHuffmanTables(segment: Buffer, tables: HuffmanTable[]): boolean {
  const read = orNull(() => [...dhtTables(segment)]);
  if (!read) return false;
  for (const t of read) {
    const existing = tables.findIndex((known) => known.tableClass === t.tableClass && known.id === t.id);
    const table = { tableClass: t.tableClass, id: t.id, spec: { counts: [...t.counts], symbols: [...t.symbols] } };
    if (existing >= 0) tables[existing] = table;
    else tables.push(table);
  }
  return true;
}

function readFrame(segment: Buffer): { width: number; height: number; components: JpegComponent[] } | null {
  const fields = orNull(() => readFrameHeaderFields(segment));
  if (!fields || fields.precision !== 8) return null;
  const { width, height, componentCount } = fields;
  if (width === 0 || height === 0 || componentCount === 0) return null;
  const components = orNull(() => readFrameComponents(segment, componentCount));
  if (!components) return null;
  return { width, height, components: components.map((c) => ({ id: c.id, h: c.h, v: c.v, tq: c.tq, td: 0, ta: 0 })) };
}

/** Takes the Huffman table choices of a scan that covers every component. */
function readScanTables(segment: Buffer, components: JpegComponent[]): boolean {
  const scan = orNull(() => readScanHeader(segment));
  if (!scan || scan.components.length !== components.length) return false;
  for (const selector of scan.components) {
    const component = components.find((c) => c.id === selector.id);
    if (!component) return false;
    component.td = selector.td;
    component.ta = selector.ta;
  }
  return true;
}

/** The EOI that ends the scan: stuffed bytes (FF 00) and restart markers (FF D0..D7) are data. */
function findEoi(jpeg: Buffer, from: number): number {
  const end = scanEnd(jpeg, from);
  return end >= 0 && jpeg[end + 1] === EOI ? end : -1;
}
