// The receiving side of the RTP payload formats, written from the RFCs for the tests: it turns
// our payloads back into NAL units or a JPEG file, so a test can compare them with what went in.
import { STANDARD_TABLES } from '../../nodes/media/jpeg/jpeg-standard-huffman';
import type { RtpPayload } from '../../nodes/media/rtp/rtp-packet';

function bytesOf(p: RtpPayload): Buffer {
  return Buffer.concat([p.prefix, p.body]);
}

/** RFC 6184: single NAL unit packets and FU-A. */
export function depacketizeH264(payloads: RtpPayload[]): Buffer[] {
  const units: Buffer[] = [];
  let fu: Buffer[] | null = null;
  for (const p of payloads.map(bytesOf)) {
    const type = p[0] & 0x1f;
    if (type !== 28) {
      units.push(p);
      continue;
    }
    const start = (p[1] & 0x80) !== 0;
    const end = (p[1] & 0x40) !== 0;
    if (start) fu = [Buffer.from([(p[0] & 0xe0) | (p[1] & 0x1f)])];
    if (!fu) throw new Error('FU-A without a start fragment');
    fu.push(p.subarray(2));
    if (end) {
      units.push(Buffer.concat(fu));
      fu = null;
    }
  }
  if (fu) throw new Error('FU-A without an end fragment');
  return units;
}

/** RFC 7798: single NAL unit packets and FUs (type 49), no DONL. */
export function depacketizeH265(payloads: RtpPayload[]): Buffer[] {
  const units: Buffer[] = [];
  let fu: Buffer[] | null = null;
  for (const p of payloads.map(bytesOf)) {
    const type = (p[0] >> 1) & 0x3f;
    if (type !== 49) {
      units.push(p);
      continue;
    }
    const fuType = p[2] & 0x3f;
    if (p[2] & 0x80) fu = [Buffer.from([(p[0] & 0x81) | (fuType << 1), p[1]])];
    if (!fu) throw new Error('FU without a start fragment');
    fu.push(p.subarray(3));
    if (p[2] & 0x40) {
      units.push(Buffer.concat(fu));
      fu = null;
    }
  }
  if (fu) throw new Error('FU without an end fragment');
  return units;
}

/** RFC 2435 Appendix A: rebuilds a JFIF-less baseline JPEG from the RTP/JPEG payloads of one frame. */
export function depacketizeJpeg(payloads: RtpPayload[]): Buffer {
  const packets = payloads.map(bytesOf);
  const first = packets[0];
  const type = first[4];
  const q = first[5];
  const width = first[6] * 8;
  const height = first[7] * 8;
  const restart = type >= 64;
  const mainBytes = restart ? 12 : 8;
  const restartInterval = restart ? first.readUInt16BE(8) : 0;
  if (q < 128) throw new Error('only in-band tables (Q >= 128) are expected');
  const tableLength = first.readUInt16BE(mainBytes + 2);
  const precision = first[mainBytes + 1];
  const tables = first.subarray(mainBytes + 4, mainBytes + 4 + tableLength);
  const lumaSize = precision & 1 ? 128 : 64;
  const scanParts: Buffer[] = [];
  let expectOffset = 0;
  packets.forEach((p, i) => {
    const offset = p.readUIntBE(1, 3);
    if (offset !== expectOffset) throw new Error(`fragment offset ${offset}, expected ${expectOffset}`);
    const data = p.subarray(i === 0 ? mainBytes + 4 + tableLength : mainBytes);
    scanParts.push(data);
    expectOffset += data.length;
  });
  const segment = (marker: number, body: Buffer) => {
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(body.length + 2, 2);
    return Buffer.concat([head, body]);
  };
  const dqt = Buffer.concat([
    Buffer.from([(precision & 1) << 4 | 0]), tables.subarray(0, lumaSize),
    Buffer.from([(precision & 2) << 3 | 1]), tables.subarray(lumaSize),
  ]);
  const sof = Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3,
    1, (type & 63) === 0 ? 0x21 : 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const dht = Buffer.concat(STANDARD_TABLES.flatMap((byClass, tableClass) => byClass.map((spec, id) =>
    Buffer.concat([Buffer.from([(tableClass << 4) | id]), Buffer.from(spec.counts), Buffer.from(spec.symbols)]))));
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8]), segment(0xdb, dqt), segment(0xc0, sof), segment(0xc4, dht)];
  if (restart) parts.push(segment(0xdd, Buffer.from([restartInterval >> 8, restartInterval & 0xff])));
  parts.push(segment(0xda, Buffer.from([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])));
  parts.push(...scanParts, Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}
