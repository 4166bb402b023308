// PTCP datagrams (spec §6.1, §6.2): a fixed 24-byte header (magic "PTCP", sent, recv, pid,
// lmid, rmid, all u32 big-endian) and a type-tagged body. An empty body is a pure ACK.
// Decoding never throws: a body we do not understand comes back as `unknown` so the session
// can ack it and go on, as the spec asks.

import { readIpv4, writeIpv4 } from './ipv4';

export const PTCP_MAGIC = Buffer.from('PTCP', 'ascii');
export const PTCP_HEADER_BYTES = 24;
/** The body header common to every type but SYN: type, 24-bit length, realm, reserved. */
export const BODY_HEADER_BYTES = 12;
/** The device sends at most 1280 payload bytes per DATA packet; we chunk the same way. */
export const MAX_DATA_PAYLOAD = 1280;
/** Larger than anything PTCP sends (1316 bytes); a datagram beyond this is not ours. */
export const MAX_PTCP_DATAGRAM = 8192;
export const SYN_PID = 0x0002ffff;

export const BodyType = {
  SYN: 0x00,
  DATA: 0x10,
  BIND: 0x11,
  STATUS: 0x12,
  HEARTBEAT: 0x13,
  SIGN_REQUEST: 0x17,
  SIGN_REPLY: 0x18,
  AUTH: 0x19,
  AUTH_REPLY: 0x1a,
  AUTH_DONE: 0x1b,
} as const;

const SYN_BODY = Buffer.from([0x00, 0x03, 0x01, 0x00]);

export interface PtcpHeader {
  /** Byte offset of this body in the sender's stream. */
  sent: number;
  /** Bytes received in order from the peer: its next expected offset. */
  recv: number;
  pid: number;
  lmid: number;
  rmid: number;
}

export interface PtcpPacket extends PtcpHeader {
  body: Buffer;
}

export type PtcpBody =
  | { type: 'syn' }
  | { type: 'data'; realm: number; payload: Buffer }
  | { type: 'bind'; realm: number; port: number; ip: string }
  /** `text` is everything after the body header: CONN/DISC may be followed by NULs or more. */
  | { type: 'status'; realm: number; status: 'CONN' | 'DISC' | 'other'; text?: Buffer }
  | { type: 'heartbeat' }
  | { type: 'sign-request' }
  | { type: 'sign-reply'; sign: Buffer }
  | { type: 'auth'; sign: Buffer }
  | { type: 'auth-reply'; token: Buffer }
  | { type: 'auth-done' }
  | { type: 'unknown'; code: number; raw: Buffer; why: string };

export function isPtcp(datagram: Buffer): boolean {
  return datagram.length >= PTCP_HEADER_BYTES && datagram.readUInt32BE(0) === 0x50544350;
}

const NO_BODY = Buffer.alloc(0);

export function encodePtcp(header: PtcpHeader, body: Buffer = NO_BODY): Buffer {
  const out = Buffer.allocUnsafe(PTCP_HEADER_BYTES + body.length);
  body.copy(out, PTCP_HEADER_BYTES);
  return writePtcpHeader(out, header.sent, header.recv, header.pid, header.lmid, header.rmid);
}

/** Fills in the 24-byte header at the front of `datagram` (made by encodeBodyBehindHeader). */
export function writePtcpHeader(datagram: Buffer, sent: number, recv: number, pid: number, lmid: number, rmid: number): Buffer {
  datagram.writeUInt32BE(0x50544350, 0); // "PTCP"
  datagram.writeUInt32BE(sent >>> 0, 4);
  datagram.writeUInt32BE(recv >>> 0, 8);
  datagram.writeUInt32BE(pid >>> 0, 12);
  datagram.writeUInt32BE(lmid >>> 0, 16);
  datagram.writeUInt32BE(rmid >>> 0, 20);
  return datagram;
}

/**
 * The body encoded once, straight into the datagram that will carry it, behind 24 bytes left
 * for the header: the session fills those in when it sends (the counters are only known then)
 * and keeps the same buffer for retransmission. DATA, nearly every packet, is one allocation
 * and one copy of its payload.
 */
export function encodeBodyBehindHeader(body: PtcpBody): Buffer {
  if (body.type === 'data') {
    const n = body.payload.length;
    if (n > 0xffffff) throw new RangeError('PTCP DATA payload too long');
    const out = Buffer.allocUnsafe(PTCP_HEADER_BYTES + BODY_HEADER_BYTES + n);
    out.writeUInt32BE(((BodyType.DATA << 24) | n) >>> 0, PTCP_HEADER_BYTES);
    out.writeUInt32BE(body.realm >>> 0, PTCP_HEADER_BYTES + 4);
    out.writeUInt32BE(0, PTCP_HEADER_BYTES + 8);
    body.payload.copy(out, PTCP_HEADER_BYTES + BODY_HEADER_BYTES);
    return out;
  }
  const encoded = encodeBody(body);
  const out = Buffer.allocUnsafe(PTCP_HEADER_BYTES + encoded.length);
  encoded.copy(out, PTCP_HEADER_BYTES);
  return out;
}

/** Null when the datagram is not PTCP at all; the body is not interpreted here. */
export function decodePtcp(datagram: Buffer): PtcpPacket | null {
  if (!isPtcp(datagram) || datagram.length > MAX_PTCP_DATAGRAM) return null;
  return {
    sent: datagram.readUInt32BE(4),
    recv: datagram.readUInt32BE(8),
    pid: datagram.readUInt32BE(12),
    lmid: datagram.readUInt32BE(16),
    rmid: datagram.readUInt32BE(20),
    body: datagram.subarray(PTCP_HEADER_BYTES),
  };
}

function bodyHeader(type: number, realm: number, length = 0, extra = 0): Buffer {
  const b = Buffer.alloc(BODY_HEADER_BYTES + extra);
  b.writeUInt32BE(((type << 24) | (length & 0xffffff)) >>> 0, 0);
  b.writeUInt32BE(realm >>> 0, 4);
  return b;
}

export function encodeBody(body: PtcpBody): Buffer {
  switch (body.type) {
    case 'syn':
      return Buffer.from(SYN_BODY);
    case 'data': {
      if (body.payload.length > 0xffffff) throw new RangeError('PTCP DATA payload too long');
      return Buffer.concat([bodyHeader(BodyType.DATA, body.realm, body.payload.length), body.payload]);
    }
    case 'bind': {
      const b = bodyHeader(BodyType.BIND, body.realm, 0, 8);
      b.writeUInt32BE(body.port >>> 0, 12);
      writeIpv4(b, 16, body.ip);
      return b;
    }
    case 'status': {
      const text = body.text ?? Buffer.from(body.status === 'other' ? '' : body.status, 'ascii');
      return Buffer.concat([bodyHeader(BodyType.STATUS, body.realm), text]);
    }
    case 'heartbeat':
      return bodyHeader(BodyType.HEARTBEAT, 0);
    case 'sign-request':
      return bodyHeader(BodyType.SIGN_REQUEST, 0);
    case 'sign-reply':
      return Buffer.concat([bodyHeader(BodyType.SIGN_REPLY, 0), body.sign]);
    case 'auth':
      return Buffer.concat([bodyHeader(BodyType.AUTH, 0), body.sign]);
    case 'auth-reply':
      return Buffer.concat([bodyHeader(BodyType.AUTH_REPLY, 0), body.token]);
    case 'auth-done':
      return bodyHeader(BodyType.AUTH_DONE, 0);
    case 'unknown':
      return Buffer.from(body.raw);
  }
}

function unknown(raw: Buffer, why: string): PtcpBody {
  return { type: 'unknown', code: raw.length > 0 ? raw[0] : -1, raw, why };
}

/** Interprets a non-empty body. Never throws; malformed or new types come back as `unknown`. */
export function decodeBody(raw: Buffer): PtcpBody {
  if (raw.length === 0) return unknown(raw, 'empty body');
  const type = raw[0];
  if (type === BodyType.SYN) return raw.equals(SYN_BODY) ? { type: 'syn' } : unknown(raw, 'malformed SYN');
  if (raw.length < BODY_HEADER_BYTES) return unknown(raw, 'body shorter than its header');
  const length = raw.readUInt32BE(0) & 0xffffff;
  const realm = raw.readUInt32BE(4);
  const rest = raw.subarray(BODY_HEADER_BYTES);
  // The reserved word is always zero, and so are length and realm where the type has none;
  // a body that breaks this is something we have not seen, so it stays opaque.
  if (raw.readUInt32BE(8) !== 0) return unknown(raw, 'reserved bytes set');
  if (type !== BodyType.DATA && length !== 0) return unknown(raw, `type 0x${type.toString(16)} with a length`);
  if (type >= BodyType.HEARTBEAT && realm !== 0) return unknown(raw, `type 0x${type.toString(16)} with a realm`);
  switch (type) {
    case BodyType.DATA:
      // The 24-bit length must match the datagram: the PoC's 16-bit mask hid mismatches.
      return length === rest.length ? { type: 'data', realm, payload: rest } : unknown(raw, `DATA length ${length} but ${rest.length} bytes`);
    case BodyType.BIND: {
      if (rest.length !== 8) return unknown(raw, 'BIND of the wrong size');
      const port = rest.readUInt32BE(0);
      if (port > 65535) return unknown(raw, 'BIND port out of range');
      return { type: 'bind', realm, port, ip: readIpv4(rest, 4) };
    }
    case BodyType.STATUS: {
      const word = rest.subarray(0, 4).toString('latin1');
      const status = word === 'CONN' || word === 'DISC' ? word : 'other';
      return { type: 'status', realm, status, text: rest };
    }
    case BodyType.HEARTBEAT:
      return rest.length === 0 ? { type: 'heartbeat' } : unknown(raw, 'heartbeat with data');
    case BodyType.SIGN_REQUEST:
      return rest.length === 0 ? { type: 'sign-request' } : unknown(raw, 'sign request with data');
    case BodyType.SIGN_REPLY:
      return rest.length >= 4 && rest.length <= 64 ? { type: 'sign-reply', sign: rest } : unknown(raw, 'sign of the wrong size');
    case BodyType.AUTH:
      return rest.length >= 4 && rest.length <= 64 ? { type: 'auth', sign: rest } : unknown(raw, 'sign of the wrong size');
    case BodyType.AUTH_REPLY:
      return rest.length <= 64 ? { type: 'auth-reply', token: rest } : unknown(raw, 'auth reply too long');
    case BodyType.AUTH_DONE:
      return rest.length === 0 ? { type: 'auth-done' } : unknown(raw, 'auth done with data');
    default:
      return unknown(raw, `type 0x${type.toString(16)}`);
  }
}
