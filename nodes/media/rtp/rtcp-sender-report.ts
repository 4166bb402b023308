// RTCP sender reports (RFC 3550 §6.4.1) with the SDES CNAME a compound packet must carry (§6.1,
// §6.5.1). They tie each track's RTP clock to the wall clock, which is how a player lines up the
// audio and the video of one session.

const NTP_EPOCH_OFFSET_S = 2_208_988_800; // 1900-01-01 to 1970-01-01

export interface SenderReport {
  ssrc: number;
  /** Wall clock, ms since the Unix epoch. */
  nowMs: number;
  /** The RTP timestamp matching nowMs on this track's clock (with the client's offset). */
  rtpTimestamp: number;
  packets: number;
  octets: number;
  cname: string;
}

export function buildSenderReport(report: SenderReport): Buffer {
  const sr = Buffer.alloc(28);
  sr[0] = 0x80; // V=2, no padding, no report blocks: we receive nothing we would report on
  sr[1] = 200;
  sr.writeUInt16BE(6, 2); // length in 32-bit words minus one
  sr.writeUInt32BE(report.ssrc >>> 0, 4);
  const seconds = Math.floor(report.nowMs / 1000);
  const fraction = Math.floor(((report.nowMs % 1000) / 1000) * 2 ** 32);
  sr.writeUInt32BE((seconds + NTP_EPOCH_OFFSET_S) >>> 0, 8);
  sr.writeUInt32BE(fraction >>> 0, 12);
  sr.writeUInt32BE(report.rtpTimestamp >>> 0, 16);
  sr.writeUInt32BE(report.packets >>> 0, 20);
  sr.writeUInt32BE(report.octets >>> 0, 24);
  return Buffer.concat([sr, sdesCname(report.ssrc, report.cname)]);
}

function sdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname.slice(0, 255), 'utf8').subarray(0, 255);
  // SSRC, CNAME item (type 1, length, text), then the end item (0), padded to 32 bits.
  const itemBytes = 4 + 2 + text.length + 1;
  const padded = Math.ceil(itemBytes / 4) * 4;
  const sdes = Buffer.alloc(4 + padded);
  sdes[0] = 0x81; // V=2, one chunk
  sdes[1] = 202;
  sdes.writeUInt16BE(padded / 4, 2);
  sdes.writeUInt32BE(ssrc >>> 0, 4);
  sdes[8] = 1;
  sdes[9] = text.length;
  text.copy(sdes, 10);
  return sdes;
}
