// Device-credential ("type 1") auth, spec §4, and the small encodings of the p2p-channel body.
// Newer firmware refuses a p2p-channel request that does not prove knowledge of the device's
// own password (403 DevPwd_InvalidSalt). The proof is an HMAC keyed by a digest of
// user, RandSalt and password; the salt is per device and comes encrypted in /info/device.

import { createCipheriv, createHash, createHmac, pbkdf2 } from 'crypto';

/** Fixed for every device (spec §4 step 1). */
const INFO_KEY = Buffer.from('kRjmsUB&ezmdGLL67H#$ojw@XflcaIaf', 'ascii');
const INFO_IV = Buffer.from('MydvJw*Iw1w&i^kk', 'ascii');
const LOCAL_ADDR_IV = Buffer.from('2z52*lk9o6HRyJrf', 'ascii');
const PBKDF2_ITERATIONS = 20_000;
/** The decrypted Info is a short JSON object; refuse anything that could not be one. */
const MAX_INFO_BYTES = 4096;

export interface DeviceInfo {
  randsalt: string;
  httpport?: number;
  privport?: number;
  rtspport?: number;
  tlsprivport?: number;
}

/** AES-256-OFB is a stream mode: encrypting and decrypting are the same keystream XOR. */
function ofb(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ofb', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** Raw plaintext of an Info blob; the published prefix in the spec's T7 decrypts with this. */
export function decryptInfoBlob(infoBase64: string): Buffer {
  return ofb(INFO_KEY, INFO_IV, Buffer.from(infoBase64, 'base64'));
}

/** The simulator's side of /info/device. */
export function encryptInfoBlob(json: string): string {
  return ofb(INFO_KEY, INFO_IV, Buffer.from(json, 'utf8')).toString('base64');
}

/**
 * The device's RandSalt and ports from /info/device. An empty Info means an empty salt (spec
 * §4.1); anything that does not decrypt to the expected JSON gives null.
 */
export function parseDeviceInfo(infoBase64: string | undefined): DeviceInfo | null {
  if (infoBase64 === undefined || infoBase64.trim() === '') return { randsalt: '' };
  if (infoBase64.length > (MAX_INFO_BYTES * 4) / 3 + 4 || !/^[A-Za-z0-9+/=\s]+$/.test(infoBase64)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(decryptInfoBlob(infoBase64).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const o = parsed as Record<string, unknown>;
  if (typeof o.randsalt !== 'string' || !/^[0-9A-Za-z]{0,64}$/.test(o.randsalt)) return null;
  const info: DeviceInfo = { randsalt: o.randsalt };
  for (const name of ['httpport', 'privport', 'rtspport', 'tlsprivport'] as const) {
    const v = o[name];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536) info[name] = v;
  }
  return info;
}

/** key = UPPERCASE_HEX(MD5("{user}:Login to {randsalt}:{password}")), used as 32 ASCII characters. */
export function deviceKey(user: string, randsalt: string, password: string): string {
  return createHash('md5').update(`${user}:Login to ${randsalt}:${password}`).digest('hex').toUpperCase();
}

/** dk = PBKDF2-HMAC-SHA256(key, decimal nonce, 20000, 32); asynchronous so a Pi's event loop keeps going. */
export function deriveLocalAddrKey(key: string, nonce: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(key, 'ascii'), Buffer.from(nonce, 'ascii'), PBKDF2_ITERATIONS, 32, 'sha256', (err, dk) => (err ? reject(err) : resolve(dk)));
  });
}

export function encryptLocalAddr(dk: Buffer, plain: string): string {
  return ofb(dk, LOCAL_ADDR_IV, Buffer.from(plain, 'utf8')).toString('base64');
}

/** Null when the result is not printable text (wrong key or garbage). */
export function decryptLocalAddr(dk: Buffer, base64: string): string | null {
  if (base64.length > 1024) return null;
  const text = ofb(dk, LOCAL_ADDR_IV, Buffer.from(base64, 'base64')).toString('latin1');
  return /^[\x20-\x7e]*$/.test(text) ? text : null;
}

/** DevAuth = base64(HMAC-SHA256(key, "{nonce}{createDate}{payload}")). */
export function devAuth(key: string, nonce: string, createDate: string, payload: string): string {
  return createHmac('sha256', Buffer.from(key, 'ascii')).update(`${nonce}${createDate}${payload}`).digest('base64');
}

/** LocalAddr with IpEncrpt=true: each octet replaced by 255 − octet, then `:port` (spec §3, T3). */
export function encodeLocalAddrV1(ips: readonly string[], port: number): string {
  return `${ips.map(invertIp).join(',')}:${port}`;
}

/** The inverse of encodeLocalAddrV1, and the plain form when `inverted` is false. */
export function decodeLocalAddrList(text: string, inverted: boolean): { hosts: string[]; port: number } | null {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  const hosts: string[] = [];
  for (const part of text.slice(0, colon).split(',')) {
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(part) || part.split('.').some((o) => Number(o) > 255)) return null;
    hosts.push(inverted ? invertIp(part) : part);
    if (hosts.length > 16) return null;
  }
  return { hosts, port };
}

function invertIp(ip: string): string {
  return ip.split('.').map((o) => String(255 - Number(o))).join('.');
}

/** Identify: 8 bytes as lowercase hex, space separated; zero-padded (the PoC's unpadded form parses too). */
export function formatIdentify(id: Buffer): string {
  return [...id].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function parseIdentify(text: string | undefined): Buffer | null {
  if (text === undefined) return null;
  const parts = text.trim().split(' ');
  if (parts.length !== 8 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}
