// The 20-byte "NaxclowProtocol" header that frames every V720 packet on TCP and UDP
// (spec §1.1). All integers are little-endian; payloadLen counts the bytes after the header.

export const HEADER_LENGTH = 20;

/** Header `cmd` values the A9 uses (spec §1.2). */
export const Cmd = {
  JSON: 0,
  JPEG: 1,
  G711: 4,
  PCM: 6,
  AVI: 7,
  XML: 8,
  GSENSOR: 10,
  HEARTBEAT: 100,
  PING: 101,
  PONG: 102,
  DIRECT_MOTION: 114,
  LIVE_MOTION: 115,
  RETRANSMISSION_CONFIRM: 605,
} as const;

/** Header `msgFlag` values (spec §1.3). */
export const MsgFlag = {
  DEFAULT: 0,
  HEAD: 250,
  BODY: 251,
  END: 252,
  FINISH: 255,
} as const;

/** The app's default forwardId: eight ASCII zeros. */
export const FORWARD_ID_APP: Buffer = Buffer.from('00000000', 'ascii');
/** What the camera puts in forwardId. */
export const FORWARD_ID_DEVICE: Buffer = Buffer.alloc(8);

export interface NaxclowPacket {
  cmd: number;
  msgFlag: number;
  dealFlag: number;
  /** 8 bytes; meaningful only when dealFlag is 1. */
  forwardId: Buffer;
  pkgId: number;
  payload: Buffer;
}

export interface PacketFields {
  cmd: number;
  msgFlag?: number;
  dealFlag?: number;
  forwardId?: Buffer;
  pkgId?: number;
  payload?: Buffer;
}

const EMPTY = Buffer.alloc(0);

export function encodePacket(fields: PacketFields): Buffer {
  const payload = fields.payload ?? EMPTY;
  const out = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  writeHeader(out, 0, fields, payload.length);
  payload.copy(out, HEADER_LENGTH);
  return out;
}

/** Writes a header for a payload of `payloadLen` bytes that the caller places after it. */
export function writeHeader(out: Buffer, offset: number, fields: PacketFields, payloadLen: number): void {
  out.writeUInt32LE(payloadLen >>> 0, offset);
  out.writeUInt16LE(fields.cmd & 0xffff, offset + 4);
  out[offset + 6] = (fields.msgFlag ?? MsgFlag.DEFAULT) & 0xff;
  out[offset + 7] = (fields.dealFlag ?? 0) & 0xff;
  const forwardId = fields.forwardId ?? FORWARD_ID_APP;
  out.fill(0, offset + 8, offset + 16);
  forwardId.copy(out, offset + 8, 0, Math.min(8, forwardId.length));
  out.writeUInt32LE((fields.pkgId ?? 0) >>> 0, offset + 16);
}

/** The payload length a header announces, or -1 when fewer than 4 bytes are at hand. */
export function announcedPayloadLength(buf: Buffer, offset = 0): number {
  return buf.length - offset < 4 ? -1 : buf.readUInt32LE(offset);
}

/**
 * A packet read in place. The forwardId is taken out of the header only when asked for: media
 * datagrams (thousands a second) never need it, and each view of a Buffer costs an allocation.
 */
class DecodedPacket implements NaxclowPacket {
  readonly cmd: number;
  readonly msgFlag: number;
  readonly dealFlag: number;
  readonly pkgId: number;
  payload: Buffer;
  private source: Buffer | null;
  private forward: Buffer | null = null;

  constructor(buf: Buffer, private readonly offset: number, payloadLen: number) {
    const start = offset + HEADER_LENGTH;
    this.source = buf;
    this.cmd = buf.readUInt16LE(offset + 4);
    this.msgFlag = buf[offset + 6];
    this.dealFlag = buf[offset + 7];
    this.pkgId = buf.readUInt32LE(offset + 16);
    this.payload = buf.subarray(start, start + payloadLen);
  }

  get forwardId(): Buffer {
    if (!this.forward) this.forward = this.source!.subarray(this.offset + 8, this.offset + 16);
    return this.forward;
  }

  /** Replacing it (with a copy) lets go of the buffer the packet was read from. */
  set forwardId(value: Buffer) {
    this.forward = value;
    this.source = null;
  }
}

/**
 * Decodes one packet whose header starts at `offset` and whose payload is entirely in `buf`.
 * The payload is a view into `buf`, not a copy. Returns null when the bytes are too few.
 */
export function decodePacketAt(buf: Buffer, offset = 0): NaxclowPacket | null {
  if (buf.length - offset < HEADER_LENGTH) return null;
  const payloadLen = buf.readUInt32LE(offset);
  if (buf.length - offset - HEADER_LENGTH < payloadLen) return null;
  return new DecodedPacket(buf, offset, payloadLen);
}

/**
 * A UDP datagram carries exactly one packet (spec §1.1): its announced length must match the
 * datagram's size, otherwise the datagram is damaged or not ours and is refused (null).
 */
export function decodeDatagram(datagram: Buffer): NaxclowPacket | null {
  if (datagram.length < HEADER_LENGTH) return null;
  if (datagram.readUInt32LE(0) !== datagram.length - HEADER_LENGTH) return null;
  return decodePacketAt(datagram, 0);
}

/** A JSON signalling packet (cmd 0) with compact JSON, as the app sends it. */
export function encodeJson(message: object, fields: Omit<PacketFields, 'cmd' | 'payload'> = {}): Buffer {
  return encodePacket({ ...fields, cmd: Cmd.JSON, payload: Buffer.from(JSON.stringify(message), 'utf8') });
}

/** A header-only packet (heartbeat, ping, pong, AP hello). */
export function encodeBare(cmd: number, fields: Omit<PacketFields, 'cmd' | 'payload'> = {}): Buffer {
  return encodePacket({ ...fields, cmd });
}

/** 605 RETRANSMISSION_CONFIRM: n × u32 LE pkgIds (spec §4.3). */
export function encodeConfirm(pkgIds: readonly number[]): Buffer {
  const payload = Buffer.allocUnsafe(pkgIds.length * 4);
  pkgIds.forEach((id, i) => payload.writeUInt32LE(id >>> 0, i * 4));
  return encodePacket({ cmd: Cmd.RETRANSMISSION_CONFIRM, payload });
}

/** The pkgIds of a 605 payload; a trailing partial id is ignored. */
export function decodeConfirm(payload: Buffer): number[] {
  const ids: number[] = [];
  for (let i = 0; i + 4 <= payload.length; i += 4) ids.push(payload.readUInt32LE(i));
  return ids;
}
