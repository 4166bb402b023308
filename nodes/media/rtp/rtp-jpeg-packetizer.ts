// JPEG over RTP, RFC 2435. Only the entropy-coded scan travels; the receiver rebuilds the
// headers from an 8-byte JPEG header per packet (§3.1): type (0 = 4:2:2, 1 = 4:2:0; +64 when a
// restart interval is used, with the restart header of §3.1.7), Q and the size in 8-pixel units.
// We always send Q = 255 with the frame's own quantization tables in the first packet (§3.1.8),
// so the picture decodes exactly as the camera encoded it, whatever its quality setting.
// The receiver also assumes the standard Huffman tables of T.81 Annex K: a JPEG coded with its own
// tables (ffmpeg's default "optimal" Huffman coding does this) is first re-coded with the standard
// ones by jpeg-huffman-recode, losslessly.

import { JpegLayout, readBaselineJpeg } from '../jpeg/jpeg-baseline-layout';
import { recodeWithStandardTables, usesStandardTables } from '../jpeg/jpeg-huffman-recode';
import { MAX_RTP_PAYLOAD_BYTES, PacketizeFailure, PacketizeResult, failure, fragment } from './rtp-packet';

export const JPEG_PAYLOAD_TYPE = 26;
const MAX_DIMENSION = 2040; // 255 × 8: the size fields are one byte of 8-pixel units
const MAX_FRAGMENT_OFFSET = 0xffffff;
const Q_DYNAMIC_TABLES = 255;

export class JpegPacketizer {
  readonly clockRate = 90_000;
  readonly payloadType = JPEG_PAYLOAD_TYPE;
  /** Frames whose Huffman tables had to be re-coded (a figure for status and tests). */
  recoded = 0;

  constructor(private readonly maxPayload = MAX_RTP_PAYLOAD_BYTES) {}

  /**
   * The cheap half of packetize(): reads the headers and says whether the frame can be sent at
   * all, without touching the scan. Lets a server refuse a bad frame at once and defer the costly
   * part (Huffman re-coding) until a client actually plays.
   */
  check(jpeg: Buffer): PacketizeFailure | null {
    const prepared = this.prepare(jpeg);
    return prepared.ok ? null : prepared;
  }

  packetize(jpeg: Buffer): PacketizeResult {
    const prepared = this.prepare(jpeg);
    if (!prepared.ok) return prepared;
    const { layout, type, tables } = prepared;
    let scan = layout.scan;
    if (!usesStandardTables(layout)) {
      const recoded = recodeWithStandardTables(layout);
      if (!recoded.ok) return failure(recoded.error);
      scan = recoded.scan;
      this.recoded++;
    }
    if (scan.length > MAX_FRAGMENT_OFFSET) return failure('JPEG scan too large for RTP/JPEG fragment offsets');
    return { ok: true, payloads: this.payloadsOf(layout, type, tables, scan) };
  }

  private prepare(jpeg: Buffer): PacketizeFailure | { ok: true; layout: JpegLayout; type: number; tables: Buffer } {
    const read = readBaselineJpeg(jpeg);
    if (!read.ok) return failure(read.error);
    const layout = read.layout;
    const type = rtpJpegType(layout);
    if (type < 0) return failure('JPEG sampling not sendable over RTP/JPEG: needs 3 components, Y 2×2 (4:2:0) or 2×1 (4:2:2), chroma 1×1');
    if (layout.width > MAX_DIMENSION || layout.height > MAX_DIMENSION) return failure(`JPEG larger than ${MAX_DIMENSION}×${MAX_DIMENSION} cannot be sent over RTP`);
    const tables = quantTablesOf(layout);
    if (!tables) return failure('JPEG lacks a quantization table its components use');
    return { ok: true, layout, type, tables };
  }

  private payloadsOf(layout: JpegLayout, type: number, tables: Buffer, scan: Buffer) {
    const restart = layout.restartInterval > 0;
    const widthUnits = Math.ceil(layout.width / 8);
    const heightUnits = Math.ceil(layout.height / 8);
    const mainBytes = 8 + (restart ? 4 : 0);
    const headerFor = (offset: number): Buffer => {
      const withTables = offset === 0;
      const header = Buffer.alloc(mainBytes + (withTables ? tables.length : 0));
      header.writeUInt32BE(offset & MAX_FRAGMENT_OFFSET, 0); // type-specific = 0, then the offset
      header[4] = restart ? type + 64 : type;
      header[5] = Q_DYNAMIC_TABLES;
      header[6] = widthUnits;
      header[7] = heightUnits;
      if (restart) {
        header.writeUInt16BE(layout.restartInterval, 8);
        // F = L = 1 and count 0x3FFF: our packets are not aligned to restart intervals (§3.1.7).
        header.writeUInt16BE(0xffff, 10);
      }
      if (withTables) tables.copy(header, mainBytes);
      return header;
    };
    // The first packet carries the tables, so its body room is smaller: cut it separately.
    const firstRoom = this.maxPayload - mainBytes - tables.length;
    if (firstRoom <= 0) return [];
    const first = { prefix: headerFor(0), body: scan.subarray(0, firstRoom), marker: false };
    const rest = fragment(scan.subarray(first.body.length), mainBytes, this.maxPayload, (_f, _l, offset) => headerFor(first.body.length + offset));
    const payloads = [first, ...rest];
    payloads[payloads.length - 1].marker = true;
    return payloads;
  }
}

/** 0 for 4:2:2 (Y 2×1), 1 for 4:2:0 (Y 2×2), chroma 1×1 (RFC 2435 §4.1); -1 otherwise. */
function rtpJpegType(layout: JpegLayout): number {
  const [y, cb, cr] = layout.components;
  if (layout.components.length !== 3 || cb.h !== 1 || cb.v !== 1 || cr.h !== 1 || cr.v !== 1 || y.h !== 2) return -1;
  if (y.v === 1) return 0;
  if (y.v === 2) return 1;
  return -1;
}

/** The §3.1.8 quantization table header: MBZ, precision bits, length, luma then chroma table. */
function quantTablesOf(layout: JpegLayout): Buffer | null {
  const [y, cb, cr] = layout.components;
  if (cb.tq !== cr.tq) return null;
  const luma = layout.quantTables[y.tq];
  const chroma = layout.quantTables[cb.tq];
  if (!luma || !chroma) return null;
  const header = Buffer.alloc(4);
  header[1] = luma.precision | (chroma.precision << 1);
  header.writeUInt16BE(luma.data.length + chroma.data.length, 2);
  return Buffer.concat([header, luma.data, chroma.data]);
}
