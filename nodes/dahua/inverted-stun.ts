// The hole punch between S_dev and the device (spec §5): RFC 5389-shaped STUN Binding messages
// with every byte inverted (XOR 0xFF), carrying the peers' 8-byte Identify in ICE-CONTROLLING /
// ICE-CONTROLLED and an IPv4 address in attribute 0x0004 (the destination in a request, the
// reflexive source in a response).

import { readIpv4, writeIpv4 } from './ipv4';

export const STUN_BINDING_REQUEST = 0x0001;
export const STUN_BINDING_RESPONSE = 0x0101;
export const STUN_MAGIC_COOKIE = 0x2112a442;
const ATTR_ADDRESS = 0x0004;
const ATTR_ICE_CONTROLLED = 0x8029;
const ATTR_ICE_CONTROLLING = 0x802a;
const HEADER_BYTES = 20;
/** Our messages are 44 bytes; allow unknown attributes but nothing near a fragmenting size. */
export const MAX_STUN_BYTES = 548;

export interface StunAddress {
  host: string;
  port: number;
}

export interface StunMessage {
  type: number;
  cookie: number;
  /** 12 bytes. */
  txid: Buffer;
  /** The sender's Identify, from ICE-CONTROLLING (requests) or ICE-CONTROLLED (responses). */
  identify?: Buffer;
  address?: StunAddress;
}

function invert(buf: Buffer): Buffer {
  const out = Buffer.allocUnsafe(buf.length);
  for (let i = 0; i < buf.length; i++) out[i] = buf[i] ^ 0xff;
  return out;
}

/** Inverted STUN starts with FF or FE: the inverted high byte of type 0x00xx / 0x01xx. */
export function looksLikeInvertedStun(datagram: Buffer): boolean {
  return datagram.length >= HEADER_BYTES && (datagram[0] === 0xff || datagram[0] === 0xfe);
}

export function encodeInvertedStun(msg: StunMessage): Buffer {
  if (msg.txid.length !== 12) throw new RangeError('STUN transaction id must be 12 bytes');
  const attrs: Buffer[] = [];
  if (msg.identify) {
    if (msg.identify.length !== 8) throw new RangeError('Identify must be 8 bytes');
    const a = Buffer.alloc(12);
    a.writeUInt16BE(msg.type === STUN_BINDING_REQUEST ? ATTR_ICE_CONTROLLING : ATTR_ICE_CONTROLLED, 0);
    a.writeUInt16BE(8, 2);
    msg.identify.copy(a, 4);
    attrs.push(a);
  }
  if (msg.address) {
    const a = Buffer.alloc(12);
    a.writeUInt16BE(ATTR_ADDRESS, 0);
    a.writeUInt16BE(8, 2);
    a[4] = 0;
    a[5] = 1; // IPv4
    a.writeUInt16BE(msg.address.port, 6);
    writeIpv4(a, 8, msg.address.host);
    attrs.push(a);
  }
  const body = Buffer.concat(attrs);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(msg.type, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(msg.cookie >>> 0, 4);
  msg.txid.copy(header, 8);
  return invert(Buffer.concat([header, body]));
}

/**
 * Null for anything that is not a well-formed inverted Binding message. The declared length may
 * be shorter than the attributes present (the PoC sends such messages and the device accepts
 * them), never longer.
 */
export function decodeInvertedStun(datagram: Buffer): StunMessage | null {
  if (!looksLikeInvertedStun(datagram) || datagram.length > MAX_STUN_BYTES) return null;
  const plain = invert(datagram);
  const type = plain.readUInt16BE(0);
  if ((type & 0xc000) !== 0) return null;
  const declared = plain.readUInt16BE(2);
  if (declared % 4 !== 0 || HEADER_BYTES + declared > plain.length) return null;
  const msg: StunMessage = { type, cookie: plain.readUInt32BE(4), txid: Buffer.from(plain.subarray(8, 20)) };
  let off = HEADER_BYTES;
  while (off + 4 <= plain.length) {
    const attr = plain.readUInt16BE(off);
    const len = plain.readUInt16BE(off + 2);
    const valueAt = off + 4;
    if (valueAt + len > plain.length) return null;
    if ((attr === ATTR_ICE_CONTROLLED || attr === ATTR_ICE_CONTROLLING) && len === 8) msg.identify = Buffer.from(plain.subarray(valueAt, valueAt + 8));
    if (attr === ATTR_ADDRESS && len === 8 && plain[valueAt + 1] === 1) {
      msg.address = { port: plain.readUInt16BE(valueAt + 2), host: readIpv4(plain, valueAt + 4) };
    }
    off = valueAt + ((len + 3) & ~3);
  }
  if (off !== plain.length) return null;
  return msg;
}
