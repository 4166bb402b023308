// Cuts a multipart/x-mixed-replace stream (the MJPEG of IP cameras and of ffmpeg's mpjpeg) into
// its JPEG parts. The boundary is configured, learnt from a Content-Type header line seen in the
// stream (when the HTTP response head is fed in too), or learnt from the first "--token" line.
// A part with Content-Length is taken by count; without it, up to the next boundary line.
// Parts that are not whole JPEG images are dropped and counted, never emitted.

import { ChunkStore } from './chunk-store';
import { DEFAULT_MAX_FRAME_BYTES, FrameSplitter, SplitOutput } from './frame-splitter';
import { jpegDimensions, looksLikeWholeJpeg } from '../jpeg/jpeg-markers';

const enum State {
  Preamble,
  Headers,
  BodyByLength,
  BodyByBoundary,
}

/** Longest line accepted in the preamble or a part's headers. */
const MAX_LINE = 16 * 1024;
const MAX_HEADER_BLOCK = 32 * 1024;
/**
 * What may stand before the first boundary without being called garbage: the multipart preamble
 * (RFC 2046 §5.1.1), and the HTTP response head when a raw TCP connection feeds the stream.
 */
const MAX_PREAMBLE = 8 * 1024;
const NEWLINE = Buffer.from('\n');

export class MultipartSplitter implements FrameSplitter {
  private readonly store = new ChunkStore();
  private state = State.Preamble;
  private boundary: string | null;
  private delimiter: Buffer | null = null;
  /** Offset of the next byte not yet consumed. */
  private pos = 0;
  /** Where the next search may start, so no byte is searched twice. */
  private searchFrom = 0;
  private headerBytes = 0;
  private contentLength = -1;
  private contentType = '';
  /** The part is too large: its bytes are counted as dropped instead of kept. */
  private oversize = false;
  private partsSeen = 0;
  private preambleBytes = 0;

  constructor(boundary = '', private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.boundary = null;
    if (boundary) this.setBoundary(boundary);
  }

  get pendingBytes(): number {
    return this.state === State.BodyByLength || this.state === State.BodyByBoundary ? this.store.end - this.pos : 0;
  }

  push(chunk: Buffer, out: SplitOutput): void {
    this.store.append(chunk);
    while (this.step(out)) { /* each step consumes something or waits for more */ }
    this.store.discardBefore(this.pos);
  }

  flush(out: SplitOutput): void {
    if (this.store.end > this.pos) out.drop(this.store.end - this.pos, this.pendingBytes ? 'truncated' : 'garbage');
    this.reset();
  }

  reset(): void {
    this.store.clear();
    this.pos = this.store.end;
    this.searchFrom = this.pos;
    this.state = State.Preamble;
    this.oversize = false;
    this.partsSeen = 0;
    this.preambleBytes = 0;
  }

  private setBoundary(boundary: string): void {
    this.boundary = boundary.replace(/^--/, '');
    this.delimiter = Buffer.from('\n--' + this.boundary, 'latin1');
  }

  private step(out: SplitOutput): boolean {
    switch (this.state) {
      case State.Preamble:
      case State.Headers: {
        const line = this.nextLine(out);
        if (line === null) return false;
        if (this.state === State.Preamble) this.onPreambleLine(line, out);
        else this.onHeaderLine(line, out);
        return true;
      }
      case State.BodyByLength:
        return this.bodyByLength(out);
      case State.BodyByBoundary:
        return this.bodyByBoundary(out);
    }
  }

  /** The next line without its CR LF (and how many bytes it took), or null if it has not fully arrived. */
  private nextLine(out: SplitOutput): { text: string; bytes: number } | null {
    const nl = this.store.indexOf(NEWLINE, Math.max(this.pos, this.searchFrom));
    if (nl < 0) {
      this.searchFrom = this.store.end;
      if (this.store.end - this.pos > MAX_LINE) {
        out.drop(this.store.end - this.pos, this.state === State.Headers ? 'corrupt' : 'garbage');
        this.pos = this.store.end;
        this.state = State.Preamble;
      }
      return null;
    }
    const text = this.store.copy(this.pos, nl).toString('latin1').replace(/\r$/, '');
    const bytes = nl + 1 - this.pos;
    this.pos = this.searchFrom = nl + 1;
    return { text, bytes };
  }

  private isBoundaryLine(line: string): boolean {
    if (!line.startsWith('--')) return false;
    if (this.boundary === null) return line.length > 2 && !/\s/.test(line);
    return line === '--' + this.boundary || line === '--' + this.boundary + '--';
  }

  /** Before a part: a boundary line opens it; an HTTP head may declare the boundary; the rest is garbage. */
  private onPreambleLine(line: { text: string; bytes: number }, out: SplitOutput): void {
    const trimmed = line.text.trim();
    if (trimmed === '') return;
    if (this.isBoundaryLine(trimmed)) {
      if (this.boundary === null) this.setBoundary(trimmed.slice(2).replace(/--$/, ''));
      if (trimmed === '--' + this.boundary + '--') return; // the closing delimiter
      this.partsSeen++;
      this.state = State.Headers;
      this.headerBytes = 0;
      this.contentLength = -1;
      this.contentType = '';
      return;
    }
    const declared = /boundary="?([^";\s]+)"?/i.exec(trimmed);
    if (declared && this.boundary === null) this.setBoundary(declared[1]);
    else if (this.partsSeen > 0 || (this.preambleBytes += line.bytes) > MAX_PREAMBLE) out.drop(line.bytes, 'garbage');
  }

  private onHeaderLine(line: { text: string; bytes: number }, out: SplitOutput): void {
    this.headerBytes += line.bytes;
    if (line.text === '') {
      this.oversize = this.contentLength > this.maxFrameBytes;
      this.state = this.contentLength >= 0 ? State.BodyByLength : State.BodyByBoundary;
      return;
    }
    if (this.headerBytes > MAX_HEADER_BLOCK) {
      out.drop(this.headerBytes, 'corrupt');
      this.state = State.Preamble;
      return;
    }
    const colon = line.text.indexOf(':');
    if (colon < 0) return;
    const name = line.text.slice(0, colon).trim().toLowerCase();
    const value = line.text.slice(colon + 1).trim();
    if (name === 'content-length' && /^\d+$/.test(value)) this.contentLength = Number(value);
    else if (name === 'content-type') this.contentType = value.toLowerCase();
  }

  private bodyByLength(out: SplitOutput): boolean {
    const available = this.store.end - this.pos;
    if (this.oversize) {
      const n = Math.min(available, this.contentLength);
      out.drop(n, 'oversize');
      this.pos += n;
      this.contentLength -= n;
      if (this.contentLength > 0) return false;
      this.endPart();
      return true;
    }
    if (available < this.contentLength) return false;
    const end = this.pos + this.contentLength;
    this.emitPart(this.store.copy(this.pos, end), out);
    this.pos = end;
    this.endPart();
    return true;
  }

  private bodyByBoundary(out: SplitOutput): boolean {
    const delimiter = this.delimiter as Buffer;
    const found = this.store.indexOf(delimiter, Math.max(this.pos, this.searchFrom));
    if (found < 0) {
      this.searchFrom = Math.max(this.pos, this.store.end - delimiter.length + 1);
      if (this.store.end - this.pos > this.maxFrameBytes) this.oversize = true;
      if (this.oversize) {
        // Count and forget what cannot be a delimiter's beginning.
        out.drop(this.searchFrom - this.pos, 'oversize');
        this.pos = this.searchFrom;
      }
      return false;
    }
    let end = found;
    if (end > this.pos && this.store.byteAt(end - 1) === 0x0d) end--;
    if (this.oversize || end - this.pos > this.maxFrameBytes) out.drop(end - this.pos, 'oversize');
    else this.emitPart(this.store.copy(this.pos, end), out);
    this.pos = found + 1;
    this.endPart();
    return true;
  }

  private endPart(): void {
    this.searchFrom = this.pos;
    this.oversize = false;
    this.state = State.Preamble;
  }

  private emitPart(body: Buffer, out: SplitOutput): void {
    if (this.contentType && !this.contentType.includes('jpeg')) {
      out.drop(body.length, 'garbage');
      return;
    }
    if (!looksLikeWholeJpeg(body)) {
      out.drop(body.length, 'corrupt');
      return;
    }
    const size = jpegDimensions(body);
    out.frame({ payload: body, codec: 'jpeg', keyframe: true, width: size?.width, height: size?.height });
  }
}
