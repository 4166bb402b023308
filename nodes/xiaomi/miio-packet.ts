// The miIO packet (spec §4): a 32-byte big-endian header, then the JSON payload encrypted with
// AES-128-CBC under keys derived from the device token, with an MD5 checksum over header, token
// and ciphertext. Used to ask old Xiaomi cameras for their TUTK credentials (`get_ipcprop`).
import { createCipheriv, createDecipheriv, createHash } from 'crypto';

export const MIIO_PORT = 54321;
export const MIIO_MAGIC = 0x2131;
export const MIIO_HEADER_BYTES = 32;
/** A UDP datagram cannot be larger; nothing longer is parsed. */
export const MIIO_MAX_PACKET = 65_507;

export class MiioError extends Error {
  constructor(readonly kind: 'malformed' | 'invalid-token' | 'timeout' | 'device-error' | 'no-credentials' | 'bad-token-format', message: string) {
    super(message);
    this.name = 'MiioError';
  }
}

/** The hello request: magic, length 32, then 28 bytes of 0xFF. */
export const MIIO_HELLO: Buffer = Buffer.concat([Buffer.from([0x21, 0x31, 0x00, 0x20]), Buffer.alloc(28, 0xff)]);

export interface MiioKeys {
  key: Buffer;
  iv: Buffer;
}

const md5 = (...parts: Buffer[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** A 32-hex-character token → its 16 bytes; throws otherwise. */
export function parseToken(token: string | Buffer): Buffer {
  if (Buffer.isBuffer(token)) {
    if (token.length !== 16) throw new MiioError('bad-token-format', `the miIO token must be 16 bytes, got ${token.length}`);
    return token;
  }
  const clean = token.trim();
  if (!/^[0-9a-fA-F]{32}$/.test(clean)) throw new MiioError('bad-token-format', 'the miIO token must be 32 hexadecimal characters');
  return Buffer.from(clean, 'hex');
}

/** key = MD5(token), iv = MD5(key ‖ token). */
export function miioKeys(token: Buffer): MiioKeys {
  const key = md5(token);
  return { key, iv: md5(key, token) };
}

export function encryptPayload(token: Buffer, plaintext: Buffer): Buffer {
  const { key, iv } = miioKeys(token);
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

/** Throws MiioError('invalid-token') when the padding does not check out. */
export function decryptPayload(token: Buffer, ciphertext: Buffer): Buffer {
  if (ciphertext.length === 0) return Buffer.alloc(0);
  if (ciphertext.length % 16 !== 0) throw new MiioError('malformed', `miIO payload of ${ciphertext.length} bytes is not whole AES blocks`);
  const { key, iv } = miioKeys(token);
  try {
    const decipher = createDecipheriv('aes-128-cbc', key, iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new MiioError('invalid-token', 'the miIO payload does not decrypt with this token');
  }
}

export interface MiioHeader {
  length: number;
  unknown: number;
  did: number;
  stamp: number;
  checksum: Buffer;
}

function header(length: number, unknown: number, did: number, stamp: number): Buffer {
  const h = Buffer.alloc(MIIO_HEADER_BYTES);
  h.writeUInt16BE(MIIO_MAGIC, 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(unknown >>> 0, 4);
  h.writeUInt32BE(did >>> 0, 8);
  h.writeUInt32BE(stamp >>> 0, 12);
  return h;
}

/** A command packet: header, checksum MD5(header[0..16] ‖ token ‖ ciphertext), ciphertext. */
export function encodeMiioPacket(token: Buffer, did: number, stamp: number, plaintext: Buffer): Buffer {
  const ciphertext = encryptPayload(token, plaintext);
  const length = MIIO_HEADER_BYTES + ciphertext.length;
  if (length > MIIO_MAX_PACKET) throw new MiioError('malformed', `miIO packet of ${length} bytes is too large`);
  const h = header(length, 0, did, stamp);
  md5(h.subarray(0, 16), token, ciphertext).copy(h, 16);
  return Buffer.concat([h, ciphertext]);
}

/** A hello reply as a device sends it (used by the fake device). */
export function encodeHelloReply(did: number, stamp: number, tokenField: Buffer = Buffer.alloc(16, 0xff)): Buffer {
  const h = header(MIIO_HEADER_BYTES, 0, did, stamp);
  tokenField.copy(h, 16, 0, 16);
  return h;
}

/** Reads and checks the header; throws MiioError('malformed') on anything that is not miIO. */
export function decodeMiioHeader(packet: Buffer): MiioHeader {
  if (packet.length < MIIO_HEADER_BYTES) throw new MiioError('malformed', `miIO packet of ${packet.length} bytes is shorter than its header`);
  if (packet.length > MIIO_MAX_PACKET) throw new MiioError('malformed', 'miIO packet too large');
  if (packet.readUInt16BE(0) !== MIIO_MAGIC) throw new MiioError('malformed', 'not a miIO packet (bad magic)');
  const length = packet.readUInt16BE(2);
  if (length < MIIO_HEADER_BYTES || length > packet.length) throw new MiioError('malformed', `miIO length field ${length} does not fit the ${packet.length}-byte packet`);
  return {
    length,
    unknown: packet.readUInt32BE(4),
    did: packet.readUInt32BE(8),
    stamp: packet.readUInt32BE(12),
    checksum: Buffer.from(packet.subarray(16, 32)),
  };
}

/** Checks the checksum (a mismatch means a wrong token) and decrypts the payload. */
export function decodeMiioPacket(token: Buffer, packet: Buffer): { header: MiioHeader; plaintext: Buffer } {
  const h = decodeMiioHeader(packet);
  const ciphertext = packet.subarray(MIIO_HEADER_BYTES, h.length);
  if (ciphertext.length === 0) return { header: h, plaintext: Buffer.alloc(0) };
  const expected = md5(packet.subarray(0, 16), token, ciphertext);
  if (!expected.equals(h.checksum)) throw new MiioError('invalid-token', 'miIO checksum mismatch: the token is wrong');
  return { header: h, plaintext: decryptPayload(token, ciphertext) };
}

/** JSON out of a decrypted payload: trailing NULs (python-miio appends one) are ignored. */
export function parseMiioJson(plaintext: Buffer): Record<string, unknown> {
  let end = plaintext.length;
  while (end > 0 && plaintext[end - 1] === 0) end--;
  let value: unknown;
  try {
    value = JSON.parse(plaintext.subarray(0, end).toString('utf8'));
  } catch {
    throw new MiioError('malformed', 'the miIO reply is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MiioError('malformed', 'the miIO reply is not a JSON object');
  return value as Record<string, unknown>;
}
