// Reads what an RTSP client sends on its control connection (RFC 2326): requests (a request
// line, header lines, an optional body of Content-Length bytes) and, once RTP runs over the same
// connection, interleaved binary frames (`$`, channel, 16-bit length, data; RFC 2326 §10.12)
// carrying the client's RTCP receiver reports. Bytes arrive at any boundary.
//
// Every size is capped before it is trusted: a request head larger than maxHeadBytes, a body
// larger than maxBodyBytes or too many header lines ends the stream with an error, because the
// rest of a connection cannot be re-synchronised once a request has been misread.

export interface RtspRequest {
  method: string;
  /** The Request-URI as sent: `rtsp://host:port/path`, or `*` for OPTIONS. */
  uri: string;
  /** Header names in lower case; a repeated header keeps its values joined by ", ". */
  headers: Map<string, string>;
  body: Buffer;
  /** The CSeq header as a number, or -1 when absent or not a number. */
  cseq: number;
}

export interface InterleavedFrame {
  channel: number;
  data: Buffer;
}

/** Why the stream cannot be read on; `status` is the RTSP status code to answer with. */
export interface RtspParseError {
  status: 400 | 413 | 431 | 505;
  reason: string;
  /** The CSeq of the broken request when it could be read, so the answer can carry it. */
  cseq: number;
}

export interface RtspParserOutput {
  request(req: RtspRequest): void;
  interleaved(frame: InterleavedFrame): void;
  error(err: RtspParseError): void;
}

export interface RtspParserLimits {
  /** Request line plus header lines plus the blank line (default 8 KiB). */
  maxHeadBytes?: number;
  /** Content-Length cap (default 4 KiB: we take no ANNOUNCE, so bodies are tiny). */
  maxBodyBytes?: number;
  /** Header lines per request (default 64). */
  maxHeaders?: number;
}

const INTERLEAVED_MAGIC = 0x24; // '$'
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class RtspRequestParser {
  readonly maxHeadBytes: number;
  readonly maxBodyBytes: number;
  readonly maxHeaders: number;
  private pending: Buffer = Buffer.alloc(0);
  /** Set once a request's head is read and its body is still arriving. */
  private awaitingBody: { request: RtspRequest; length: number } | null = null;
  private failed = false;

  constructor(limits: RtspParserLimits = {}) {
    this.maxHeadBytes = limits.maxHeadBytes ?? 8192;
    this.maxBodyBytes = limits.maxBodyBytes ?? 4096;
    this.maxHeaders = limits.maxHeaders ?? 64;
  }

  /** Bytes held for an incomplete request or frame; never more than a head, a body or 64 KiB + 4. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  get broken(): boolean {
    return this.failed;
  }

  push(chunk: Buffer, out: RtspParserOutput): void {
    if (this.failed || chunk.length === 0) return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (!this.failed) {
      const used = this.step(offset, out);
      if (used === 0) break;
      offset += used;
    }
    this.pending = this.failed ? Buffer.alloc(0) : Buffer.from(this.pending.subarray(offset));
  }

  /** Reads one item at `offset`; returns the bytes it used, 0 when more are needed. */
  private step(offset: number, out: RtspParserOutput): number {
    const data = this.pending;
    const available = data.length - offset;
    if (available <= 0) return 0;
    if (this.awaitingBody) return this.readBody(offset, out);
    const first = data[offset];
    if (first === INTERLEAVED_MAGIC) return this.readInterleaved(offset, out);
    // Blank lines between requests are allowed (RFC 2326 §15 keeps HTTP's leniency).
    if (first === 0x0d || first === 0x0a) return 1;
    return this.readHead(offset, out);
  }

  private readInterleaved(offset: number, out: RtspParserOutput): number {
    const data = this.pending;
    if (data.length - offset < 4) return 0;
    const length = data.readUInt16BE(offset + 2);
    if (data.length - offset < 4 + length) return 0;
    out.interleaved({ channel: data[offset + 1], data: Buffer.from(data.subarray(offset + 4, offset + 4 + length)) });
    return 4 + length;
  }

  private readHead(offset: number, out: RtspParserOutput): number {
    const data = this.pending;
    const end = findHeadEnd(data, offset, this.maxHeadBytes);
    if (end === null) {
      if (data.length - offset > this.maxHeadBytes) this.fail(out, 431, 'request head too large', -1);
      return 0;
    }
    const headBytes = end.bodyStart - offset;
    if (headBytes > this.maxHeadBytes) {
      this.fail(out, 431, 'request head too large', -1);
      return 0;
    }
    // latin1 keeps one char per byte, so a hostile byte can never turn into something longer.
    const head = data.toString('latin1', offset, end.headEnd);
    const parsed = this.parseHead(head, out);
    if (!parsed) return 0;
    const length = contentLength(parsed.headers);
    if (length === null) {
      this.fail(out, 400, 'bad Content-Length', parsed.cseq);
      return 0;
    }
    if (length > this.maxBodyBytes) {
      this.fail(out, 413, 'request body too large', parsed.cseq);
      return 0;
    }
    if (length === 0) {
      out.request(parsed);
      return headBytes;
    }
    this.awaitingBody = { request: parsed, length };
    return headBytes;
  }

  private readBody(offset: number, out: RtspParserOutput): number {
    const waiting = this.awaitingBody!;
    if (this.pending.length - offset < waiting.length) return 0;
    waiting.request.body = Buffer.from(this.pending.subarray(offset, offset + waiting.length));
    this.awaitingBody = null;
    out.request(waiting.request);
    return waiting.length;
  }

  private parseHead(head: string, out: RtspParserOutput): RtspRequest | null {
    const lines = head.split(/\r?\n/);
    const requestLine = lines[0].split(' ');
    const headers = new Map<string, string>();
    let headerLines = 0;
    let lastName: string | null = null;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line.length === 0) continue;
      if (line[0] === ' ' || line[0] === '\t') {
        // Obsolete line folding: the line continues the previous header's value.
        if (lastName === null) return this.fail(out, 400, 'continuation line without a header', -1);
        headers.set(lastName, `${headers.get(lastName)} ${line.trim()}`);
        continue;
      }
      if (++headerLines > this.maxHeaders) return this.fail(out, 431, 'too many header lines', cseqOf(headers));
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
      if (!TOKEN.test(name)) return this.fail(out, 400, 'malformed header line', cseqOf(headers));
      const value = line.slice(colon + 1).trim();
      const previous = headers.get(name);
      headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
      lastName = name;
    }
    const cseq = cseqOf(headers);
    if (requestLine.length !== 3 || !TOKEN.test(requestLine[0]) || requestLine[1].length === 0) {
      return this.fail(out, 400, 'malformed request line', cseq);
    }
    const version = requestLine[2];
    if (!/^RTSP\/\d\.\d$/.test(version)) return this.fail(out, 400, 'malformed request line', cseq);
    if (version !== 'RTSP/1.0') return this.fail(out, 505, 'RTSP version not supported', cseq);
    return { method: requestLine[0], uri: requestLine[1], headers, body: Buffer.alloc(0), cseq };
  }

  private fail(out: RtspParserOutput, status: RtspParseError['status'], reason: string, cseq: number): null {
    this.failed = true;
    this.awaitingBody = null;
    out.error({ status, reason, cseq });
    return null;
  }
}

/** Finds the blank line ending a request head, looking no further than the cap allows. */
function findHeadEnd(data: Buffer, offset: number, maxHeadBytes: number): { headEnd: number; bodyStart: number } | null {
  const limit = Math.min(data.length, offset + maxHeadBytes + 4);
  for (let i = data.indexOf(0x0a, offset); i >= 0 && i < limit; i = data.indexOf(0x0a, i + 1)) {
    // "\n\n" or "\n\r\n" ends the head; the line break before it belongs to the last header.
    if (i + 1 < data.length && data[i + 1] === 0x0a) return { headEnd: i, bodyStart: i + 2 };
    if (i + 2 < data.length && data[i + 1] === 0x0d && data[i + 2] === 0x0a) return { headEnd: i, bodyStart: i + 3 };
  }
  return null;
}

function contentLength(headers: Map<string, string>): number | null {
  const value = headers.get('content-length');
  if (value === undefined) return 0;
  if (!/^\d{1,9}$/.test(value)) return null;
  return Number(value);
}

function cseqOf(headers: Map<string, string>): number {
  const value = headers.get('cseq');
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : -1;
}
