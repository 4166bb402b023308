// DH-HTTP over UDP (spec §2): HTTP-shaped signalling, one message per datagram, with the WSSE
// UsernameToken digest the Easy4IP cloud checks. Requests use DHGET/DHPOST (the SDK's
// NFGET/NFPOST are accepted too); replies are ordinary HTTP/1.1 status lines and may come
// several times for one CSeq (100 Trying, then the answer).

import { createHash } from 'crypto';
import { XmlFields, parseXmlBody } from './xml-body';

/** A DH-HTTP message never spans datagrams; the PoCs read with 4 KiB, we allow a little more. */
export const MAX_DH_MESSAGE_BYTES = 16 * 1024;
const MAX_HEADER_LINES = 32;

export const DH_METHODS = ['DHGET', 'DHPOST', 'NFGET', 'NFPOST'] as const;
export type DhMethod = (typeof DH_METHODS)[number];

export interface WsseCredentials {
  /** The app user (Easy4IP: a 32-hex id, formerly `P2PClient`). */
  user: string;
  /** The app key that goes into the digest and never onto the wire. */
  key: string;
}

export interface WsseToken {
  username: string;
  passwordDigest: string;
  nonce: string;
  created: string;
}

/** PasswordDigest = base64(SHA1(Nonce + Created + "DHP2P:" + Username + ":" + UserKey)). */
export function wsseDigest(nonce: string, created: string, user: string, key: string): string {
  return createHash('sha1').update(`${nonce}${created}DHP2P:${user}:${key}`).digest('base64');
}

/** `2024-06-07T02:31:50Z`: UTC to the second, as the cloud writes its Date header. */
export function formatCreated(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function makeWsseToken(creds: WsseCredentials, nonce: string, created: string): WsseToken {
  return { username: creds.user, passwordDigest: wsseDigest(nonce, created, creds.user, creds.key), nonce, created };
}

/** Parses the X-WSSE header value; null when it is not a UsernameToken with all four fields. */
export function parseWsse(value: string): WsseToken | null {
  if (!value.startsWith('UsernameToken ')) return null;
  const found: Record<string, string> = {};
  const re = /(\w+)="([^"]*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) found[m[1]] = m[2];
  const { Username, PasswordDigest, Nonce, Created } = found;
  if (Username === undefined || PasswordDigest === undefined || Nonce === undefined || Created === undefined) return null;
  return { username: Username, passwordDigest: PasswordDigest, nonce: Nonce, created: Created };
}

export interface DhRequestSpec {
  method: DhMethod;
  path: string;
  cseq: number;
  wsse: WsseToken;
  /** XML body; when given, the PoC's empty Content-Type and a Content-Length are sent. */
  body?: string;
  /** Extra headers after the WSSE ones (the SDK's X-Version and friends). */
  headers?: ReadonlyArray<readonly [string, string]>;
}

export function buildDhRequest(spec: DhRequestSpec): Buffer {
  const t = spec.wsse;
  let text =
    `${spec.method} ${spec.path} HTTP/1.1\r\n` +
    `CSeq: ${spec.cseq}\r\n` +
    'Authorization: WSSE profile="UsernameToken"\r\n' +
    `X-WSSE: UsernameToken Username="${t.username}", PasswordDigest="${t.passwordDigest}", Nonce="${t.nonce}", Created="${t.created}"\r\n`;
  for (const [name, value] of spec.headers ?? []) text += `${name}: ${value}\r\n`;
  if (spec.body !== undefined) text += `Content-Type: \r\nContent-Length: ${Buffer.byteLength(spec.body)}\r\n`;
  text += '\r\n';
  if (spec.body !== undefined) text += spec.body;
  return Buffer.from(text, 'utf8');
}

export interface DhReplySpec {
  status: number;
  reason: string;
  cseq: number;
  date?: string;
  body?: string;
}

/** Shaped like the captured replies: Date and CSeq, then the content headers when there is a body. */
export function buildDhReply(spec: DhReplySpec): Buffer {
  let text = `HTTP/1.1 ${spec.status} ${spec.reason}\r\n`;
  if (spec.date !== undefined) text += `Date: ${spec.date}\r\n`;
  text += `CSeq: ${spec.cseq}\r\n`;
  if (spec.body !== undefined) text += `Content-Type: \r\nContent-Length: ${Buffer.byteLength(spec.body)}\r\n`;
  text += '\r\n';
  if (spec.body !== undefined) text += spec.body;
  return Buffer.from(text, 'utf8');
}

interface ParsedHead {
  startLine: string;
  /** Lower-case names; the last of a repeated header wins. */
  headers: Map<string, string>;
  body: string;
}

export interface DhRequest {
  method: DhMethod;
  path: string;
  cseq: number;
  headers: Map<string, string>;
  body: string;
  /** The body's leaves, or null when the body is not a flat XML body. */
  fields: XmlFields | null;
}

export interface DhReply {
  status: number;
  reason: string;
  cseq: number;
  headers: Map<string, string>;
  body: string;
  fields: XmlFields | null;
}

function parseHead(datagram: Buffer): ParsedHead | null {
  if (datagram.length > MAX_DH_MESSAGE_BYTES) return null;
  const text = datagram.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const lines = text.slice(0, headEnd).split('\r\n');
  if (lines.length > MAX_HEADER_LINES + 1) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const bodyStart = headEnd + 4;
  let bodyBytes = datagram.subarray(bodyStart);
  const declared = headers.get('content-length');
  if (declared !== undefined && declared !== '') {
    if (!/^\d{1,6}$/.test(declared)) return null;
    const n = Number(declared);
    if (n > bodyBytes.length) return null;
    bodyBytes = bodyBytes.subarray(0, n);
  }
  return { startLine: lines[0], headers, body: bodyBytes.toString('utf8') };
}

function parseCseq(headers: Map<string, string>): number | null {
  const value = headers.get('cseq');
  if (value === undefined || !/^\d{1,10}$/.test(value)) return null;
  const n = Number(value);
  return n <= 0xffffffff ? n : null;
}

/** A reply from the cloud, agent or device; null for anything malformed. */
export function parseDhReply(datagram: Buffer): DhReply | null {
  const head = parseHead(datagram);
  if (!head) return null;
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(head.startLine);
  if (!m) return null;
  const cseq = parseCseq(head.headers);
  if (cseq === null) return null;
  return { status: Number(m[1]), reason: m[2] ?? '', cseq, headers: head.headers, body: head.body, fields: parseXmlBody(head.body) };
}

/** A request, as the simulated cloud receives it; null for anything malformed. */
export function parseDhRequest(datagram: Buffer): DhRequest | null {
  const head = parseHead(datagram);
  if (!head) return null;
  const m = /^([A-Z]{2,8}) (\/[!-~]{0,1024}) HTTP\/1\.[01]$/.exec(head.startLine);
  if (!m || !(DH_METHODS as readonly string[]).includes(m[1])) return null;
  const cseq = parseCseq(head.headers);
  if (cseq === null) return null;
  return { method: m[1] as DhMethod, path: m[2], cseq, headers: head.headers, body: head.body, fields: parseXmlBody(head.body) };
}

/** `ip:port` as the cloud writes addresses; null unless it is a dotted IPv4 and a port. */
export function parseHostPort(text: string | undefined): { host: string; port: number } | null {
  if (text === undefined) return null;
  const m = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535 || m[1].split('.').some((o) => Number(o) > 255)) return null;
  return { host: m[1], port };
}
