// RTSP Digest authentication, server side (RFC 2617 with MD5, as RTSP clients speak it:
// ffmpeg, VLC/live555, Frigate's go2rtc and Home Assistant all send Digest when challenged).
// We issue our own nonces and accept only those, for a limited time, so a captured response
// cannot be replayed for ever. Plain `qop`-less Digest (RFC 2069 form) and `qop=auth` are both
// accepted; the challenge offers neither qop, which every client above understands.

import { createHash, randomBytes, timingSafeEqual } from 'crypto';

export interface DigestCredentials {
  username: string;
  password: string;
}

export interface DigestOptions {
  realm?: string;
  /** How long an issued nonce is honoured (default 10 minutes). */
  nonceLifetimeMs?: number;
  /** Issued nonces remembered at once; the oldest is forgotten first (default 1024). */
  maxNonces?: number;
  now?: () => number;
}

/** The fields of an `Authorization: Digest ...` header. */
export type DigestFields = Record<string, string>;

const MAX_HEADER_LENGTH = 2048;

export class DigestAuthenticator {
  readonly realm: string;
  private readonly nonceLifetimeMs: number;
  private readonly maxNonces: number;
  private readonly now: () => number;
  /** nonce → when it was issued; a Map keeps insertion order, so the oldest is first. */
  private readonly nonces = new Map<string, number>();

  constructor(private readonly credentials: DigestCredentials, options: DigestOptions = {}) {
    this.realm = options.realm ?? 'p2pcam';
    this.nonceLifetimeMs = options.nonceLifetimeMs ?? 10 * 60_000;
    this.maxNonces = options.maxNonces ?? 1024;
    this.now = options.now ?? Date.now;
  }

  /**
   * A fresh `WWW-Authenticate` header value for a 401 answer. `stale` tells the client its
   * password was right but its nonce had expired, so it retries without asking the user.
   */
  challenge(stale = false): string {
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, this.now());
    while (this.nonces.size > this.maxNonces) this.nonces.delete(this.nonces.keys().next().value as string);
    return `Digest realm="${this.realm}", nonce="${nonce}", algorithm="MD5"${stale ? ', stale=TRUE' : ''}`;
  }

  /** True when `authorization` proves the password for this method and the request's URI. */
  verify(method: string, authorization: string | undefined): boolean {
    return this.check(method, authorization) === 'ok';
  }

  /**
   * 'ok', 'stale' (right password, expired nonce) or 'denied'. A nonce in use stays valid: each
   * success restarts its lifetime, so a client's keepalives never run into an expiry mid-stream.
   */
  check(method: string, authorization: string | undefined): 'ok' | 'stale' | 'denied' {
    if (authorization === undefined || authorization.length > MAX_HEADER_LENGTH) return 'denied';
    const fields = parseDigestHeader(authorization);
    if (!fields) return 'denied';
    const { username, realm, nonce, uri, response } = fields;
    if (username !== this.credentials.username || realm !== this.realm || !uri || !response || nonce === undefined) return 'denied';
    if (fields.algorithm && fields.algorithm.toUpperCase() !== 'MD5') return 'denied';
    const issued = this.nonces.get(nonce);
    if (issued === undefined) return 'denied';
    const ha1 = md5(`${username}:${realm}:${this.credentials.password}`);
    const ha2 = md5(`${method}:${uri}`);
    const expected = fields.qop === 'auth'
      ? md5(`${ha1}:${nonce}:${fields.nc ?? ''}:${fields.cnonce ?? ''}:auth:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`);
    if (!safeEqual(expected, response.toLowerCase())) return 'denied';
    if (this.now() - issued > this.nonceLifetimeMs) {
      this.nonces.delete(nonce);
      return 'stale';
    }
    this.nonces.delete(nonce);
    this.nonces.set(nonce, this.now());
    return 'ok';
  }
}

/** Splits `Digest a="b", c=d` into its fields; null when it is not a Digest header. */
export function parseDigestHeader(header: string): DigestFields | null {
  const match = /^\s*Digest\s+/i.exec(header);
  if (!match) return null;
  const fields: DigestFields = {};
  const pattern = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/y;
  pattern.lastIndex = match[0].length;
  while (pattern.lastIndex < header.length) {
    const field = pattern.exec(header);
    if (!field) return null;
    fields[field[1].toLowerCase()] = field[2] !== undefined ? field[2].replace(/\\(.)/g, '$1') : field[3];
  }
  return fields;
}

/** The client's side of the exchange: used by tests and by anything that talks to a Digest server. */
export function digestResponse(method: string, uri: string, creds: DigestCredentials, realm: string, nonce: string): string {
  const ha1 = md5(`${creds.username}:${realm}:${creds.password}`);
  const response = md5(`${ha1}:${nonce}:${md5(`${method}:${uri}`)}`);
  return `Digest username="${creds.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}"`;
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}
