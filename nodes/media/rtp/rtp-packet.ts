// RTP packets (RFC 3550 §5.1) as the RTSP server sends them. A frame is cut into payloads once,
// whatever the number of clients; each client then only writes its own 12-byte headers (its SSRC,
// sequence numbers and timestamp offset) in front of the shared payload bytes.

import { randomBytes } from 'crypto';

export const RTP_VERSION = 2;
export const RTP_HEADER_BYTES = 12;
/**
 * Largest RTP packet we build: below the 1472-byte UDP payload of a 1500-byte MTU with room for
 * PPPoE and VPN overheads (docs/protocols/rtsp.md §6), so no datagram is ever IP-fragmented.
 */
export const MAX_RTP_PACKET_BYTES = 1400;
export const MAX_RTP_PAYLOAD_BYTES = MAX_RTP_PACKET_BYTES - RTP_HEADER_BYTES;

/** One RTP payload: a payload-format header (FU indicator, JPEG header…) and a slice of the frame. */
export interface RtpPayload {
  prefix: Buffer;
  body: Buffer;
  /** Set on the last packet of a video frame (RFC 6184 §5.1, RFC 7798 §4.1, RFC 2435 §3). */
  marker: boolean;
  /** Clock ticks after the frame's timestamp (audio chunks cut into several packets). */
  timestampDelta?: number;
}

export interface PacketizeOk {
  ok: true;
  payloads: RtpPayload[];
}

export interface PacketizeFailure {
  ok: false;
  /** Says what is wrong with the frame, for the node's status and catchable error. */
  error: string;
}

export type PacketizeResult = PacketizeOk | PacketizeFailure;

export function failure(error: string): PacketizeFailure {
  return { ok: false, error };
}

/**
 * Cuts `body` into payloads of at most `maxPayload` bytes including a per-fragment prefix that
 * `prefixFor(first, last, offset)` builds. Used by the fragmenting formats (FU-A, H.265 FU, JPEG).
 */
export function fragment(body: Buffer, prefixBytes: number, maxPayload: number, prefixFor: (first: boolean, last: boolean, offset: number) => Buffer): RtpPayload[] {
  const room = maxPayload - prefixBytes;
  const out: RtpPayload[] = [];
  for (let offset = 0; offset < body.length; offset += room) {
    const end = Math.min(offset + room, body.length);
    out.push({ prefix: prefixFor(offset === 0, end === body.length, offset), body: body.subarray(offset, end), marker: false });
  }
  return out;
}

/** Per client and track: the header fields that must differ between clients (RFC 3550 §5.1). */
export class RtpStreamState {
  readonly ssrc: number;
  /** Next sequence number to send. */
  seq: number;
  /** Added to the shared media timestamp, so each client's timestamps start at a random value. */
  readonly timestampOffset: number;
  packets = 0;
  octets = 0;
  lastTimestamp = 0;

  constructor(readonly payloadType: number, random: () => Buffer = () => randomBytes(10)) {
    const r = random();
    this.ssrc = r.readUInt32BE(0);
    this.seq = r.readUInt16BE(4);
    this.timestampOffset = r.readUInt32BE(6);
  }

  /** Writes the 12-byte header at `at` in `target` and advances the sequence number. */
  writeHeader(target: Buffer, at: number, marker: boolean, mediaTimestamp: number, payloadBytes: number): void {
    const timestamp = (mediaTimestamp + this.timestampOffset) >>> 0;
    target[at] = RTP_VERSION << 6;
    target[at + 1] = (marker ? 0x80 : 0) | (this.payloadType & 0x7f);
    target.writeUInt16BE(this.seq, at + 2);
    target.writeUInt32BE(timestamp, at + 4);
    target.writeUInt32BE(this.ssrc, at + 8);
    this.seq = (this.seq + 1) & 0xffff;
    this.packets++;
    this.octets += payloadBytes;
    this.lastTimestamp = timestamp;
  }
}

/** The fields of an RTP header, read back (tests, and RTCP-free sanity checks). */
export interface RtpHeader {
  version: number;
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  /** Where the payload begins (after CSRCs and a header extension). */
  payloadOffset: number;
}

export function readRtpHeader(packet: Buffer): RtpHeader | null {
  if (packet.length < RTP_HEADER_BYTES) return null;
  const version = packet[0] >> 6;
  const csrcCount = packet[0] & 0x0f;
  let payloadOffset = RTP_HEADER_BYTES + 4 * csrcCount;
  if (packet[0] & 0x10) {
    if (packet.length < payloadOffset + 4) return null;
    payloadOffset += 4 + 4 * packet.readUInt16BE(payloadOffset + 2);
  }
  if (payloadOffset > packet.length) return null;
  return {
    version,
    marker: (packet[1] & 0x80) !== 0,
    payloadType: packet[1] & 0x7f,
    seq: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadOffset,
  };
}
