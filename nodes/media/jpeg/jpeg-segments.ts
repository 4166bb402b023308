// The bodies of the header segments an image reader needs (ITU T.81 B.2.2 SOF, B.2.3 SOS,
// B.2.4.1 DQT, B.2.4.2 DHT), read with every length and table id checked before use. Shared by
// the DC-only luma reader and the RTP/JPEG layout reader, which differ only in what they accept
// (baseline only, picture sizes, component counts): those checks stay with each reader.
// Malformed bodies throw JpegCorruptError.

import { JpegCorruptError } from './jpeg-errors';

export interface QuantizationTable {
  /** Pq: 0 for 8-bit entries (64 bytes), 1 for 16-bit entries (128 bytes). */
  precision: number;
  /** Tq, 0..3. */
  id: number;
  /** The entries in zigzag order, as DQT stores them (a view into the segment). */
  entries: Uint8Array;
}

/**
 * The tables of a DQT segment body, in order. Read one at a time, so a reader acts on a table
 * before the next one is judged.
 */
export function* dqtTables(body: Uint8Array): Generator<QuantizationTable> {
  let i = 0;
  while (i < body.length) {
    const precision = body[i] >> 4;
    const id = body[i] & 15;
    if (precision > 1 || id > 3) throw new JpegCorruptError(`bad DQT table ${precision}/${id}`);
    const size = precision === 0 ? 64 : 128;
    if (i + 1 + size > body.length) throw new JpegCorruptError('DQT shorter than its table');
    yield { precision, id, entries: body.subarray(i + 1, i + 1 + size) };
    i += 1 + size;
  }
}

export interface HuffmanTableDefinition {
  /** Tc: 0 = DC, 1 = AC. */
  tableClass: number;
  /** Th, 0..3. */
  id: number;
  /** BITS: the number of codes of each length 1..16 (views into the segment). */
  counts: Uint8Array;
  /** HUFFVAL: the symbols, in code order. */
  symbols: Uint8Array;
}

/** The tables of a DHT segment body, in order, one at a time (as dqtTables). */
export function* dhtTables(body: Uint8Array): Generator<HuffmanTableDefinition> {
  let i = 0;
  while (i < body.length) {
    const tableClass = body[i] >> 4;
    const id = body[i] & 15;
    if (tableClass > 1 || id > 3) throw new JpegCorruptError(`bad DHT table ${tableClass}/${id}`);
    if (i + 17 > body.length) throw new JpegCorruptError('DHT shorter than its counts');
    const counts = body.subarray(i + 1, i + 17);
    let total = 0;
    for (let k = 0; k < 16; k++) total += counts[k];
    if (i + 17 + total > body.length) throw new JpegCorruptError('DHT shorter than its values');
    // A byte holds 256 symbols at most: more codes than that describe no table.
    if (total > 256) throw new JpegCorruptError('Huffman table counts do not match its values');
    yield { tableClass, id, counts, symbols: body.subarray(i + 17, i + 17 + total) };
    i += 17 + total;
  }
}

/** The fixed part of a SOF segment body, before its component list. */
export interface FrameHeaderFields {
  /** P: bits per sample. */
  precision: number;
  /** Y: 0 means the height comes later, in a DNL segment. */
  height: number;
  /** X. */
  width: number;
  /** Nf. */
  componentCount: number;
}

export function readFrameHeaderFields(body: Uint8Array): FrameHeaderFields {
  if (body.length < 6) throw new JpegCorruptError('SOF too short');
  return { precision: body[0], height: (body[1] << 8) | body[2], width: (body[3] << 8) | body[4], componentCount: body[5] };
}

export interface FrameComponent {
  /** C: the id the scan headers name it by. */
  id: number;
  /** H and V: horizontal and vertical sampling factors, 1..4. */
  h: number;
  v: number;
  /** Tq: quantization table id, 0..3. */
  tq: number;
}

/**
 * The component list of a SOF segment body. Read apart from its fixed fields, so that a reader
 * can refuse a kind of JPEG it does not take (by precision, size, count) before judging the list.
 */
export function readFrameComponents(body: Uint8Array, count: number): FrameComponent[] {
  if (body.length < 6 + 3 * count) throw new JpegCorruptError('SOF shorter than its components');
  const components: FrameComponent[] = [];
  for (let c = 0; c < count; c++) {
    const o = 6 + 3 * c;
    const h = body[o + 1] >> 4;
    const v = body[o + 1] & 15;
    const tq = body[o + 2];
    if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3) throw new JpegCorruptError('bad SOF component');
    components.push({ id: body[o], h, v, tq });
  }
  return components;
}

export interface ScanComponentSelector {
  /** Cs: the frame component this scan codes. */
  id: number;
  /** Td and Ta: its DC and AC Huffman table ids. */
  td: number;
  ta: number;
}

export interface ScanHeader {
  components: ScanComponentSelector[];
  /** Ss, Se: spectral selection; a sequential scan has 0 and 63. */
  ss: number;
  se: number;
  /** Ah and Al in one byte: successive approximation; 0 in a sequential scan. */
  ahAl: number;
}

/** A SOS segment body; its length must hold at least the components it counts. */
export function readScanHeader(body: Uint8Array): ScanHeader {
  const count = body.length > 0 ? body[0] : 0;
  if (body.length < 4 + 2 * count || count === 0) throw new JpegCorruptError('bad SOS header');
  const components: ScanComponentSelector[] = [];
  for (let k = 0; k < count; k++) {
    const tables = body[2 + 2 * k];
    components.push({ id: body[1 + 2 * k], td: tables >> 4, ta: tables & 15 });
  }
  const o = 1 + 2 * count;
  return { components, ss: body[o], se: body[o + 1], ahAl: body[o + 2] };
}
