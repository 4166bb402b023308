// The camera's 7878 byte stream is JSON objects written back to back with no delimiter and no
// length (spec §1.2). TCP cuts them anywhere and joins several in one segment, so objects are found
// by a byte-level brace counter that knows about strings and escapes (a `}` inside a string value
// does not close anything), never by splitting on `}{` or parsing each `data` chunk.
//
// Hazards of the reference server that the framer absorbs (§1.2, §1.3):
// - a trailing NUL after some replies, and any other stray byte between objects: skipped, counted;
// - error replies of the Wi-Fi commands that lack their closing brace: when the next object starts
//   where the broken one could not legally continue, the broken one is closed and delivered;
// - UTF-8 characters straddling TCP chunks: bytes are decoded only once the object is complete;
// - huge or endless objects: capped at `maxFrameBytes`, the rest of that object is thrown away.

export interface JsonFramerOptions {
  /** Largest object accepted, in bytes. Default 1 MiB (a Yi `ls` reply is tens of KiB). */
  maxFrameBytes?: number;
}

export type FramerErrorReason = 'parse' | 'oversize' | 'not-object';

export type FramerEvent =
  | { kind: 'object'; value: Record<string, unknown>; bytes: number; repaired: boolean }
  | { kind: 'error'; reason: FramerErrorReason; bytes: number; message: string };

export interface FramerCounters {
  objects: number;
  /** Bytes skipped between objects: NULs, whitespace, garbage. */
  skippedBytes: number;
  /** Objects whose missing closing brace was supplied. */
  repaired: number;
  /** Bytes of objects that could not be delivered (unparsable or too large). */
  droppedBytes: number;
  errors: number;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** How far past the cap an oversized object is followed to its end before the framer gives up on
 *  it: far enough that a large listing is skipped whole (its inner objects must not surface as
 *  messages), short enough that an unterminated string does not swallow the stream for long. */
const DISCARD_FACTOR = 16;

type Mode = 'idle' | 'object' | 'discard';

export class JsonFramer {
  readonly maxFrameBytes: number;
  readonly counters: FramerCounters = { objects: 0, skippedBytes: 0, repaired: 0, droppedBytes: 0, errors: 0 };
  private mode: Mode = 'idle';
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Last byte outside strings and whitespace, at depth 1; decides whether a `{` there is legal. */
  private lastSignificant = 0;
  /** Completed pieces of the current object from earlier chunks. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Bytes of the object being thrown away (discard mode). */
  private discarded = 0;

  constructor(options: JsonFramerOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxFrameBytes = Number.isFinite(max) && max >= 2 ? Math.floor(max) : DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held for an unfinished object. Never more than `maxFrameBytes`. */
  get bufferedBytes(): number {
    return this.partsBytes;
  }

  /** True when an object is open, at its top level, right after a complete value: the shape the
   *  missing-brace reply leaves behind. The session closes it when the camera then goes quiet. */
  get danglingAfterValue(): boolean {
    return this.mode === 'object' && this.depth === 1 && !this.inString && endsValue(this.lastSignificant);
  }

  /** Feeds one chunk; returns the objects and errors it completed, in stream order. */
  push(chunk: Buffer): FramerEvent[] {
    const out: FramerEvent[] = [];
    let start = this.mode === 'object' ? 0 : -1;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk[i];
      if (this.mode === 'idle') {
        if (c === OPEN_BRACE) {
          this.open();
          start = i;
        } else {
          this.counters.skippedBytes++;
        }
        continue;
      }
      if (this.mode === 'discard' && ++this.discarded > this.maxFrameBytes * DISCARD_FACTOR) {
        // Braces that never balance (an unterminated string, binary noise): give up on this
        // object altogether and look for the next `{` from here.
        this.endDiscard();
        continue;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.depth === 1) this.lastSignificant = QUOTE;
        }
        continue;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (this.depth === 1 && c === OPEN_BRACE && this.lastSignificant !== COLON) {
            // At the top level of an object a `{` may only follow a `:`. Anywhere else it starts
            // the next object: the current one lost its closing brace.
            if (this.mode === 'discard') this.discarded--;
            this.closeBroken(chunk, start, i, out);
            this.open();
            start = i;
            break;
          }
          this.depth++;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          this.depth--;
          if (this.depth === 0) {
            this.finish(chunk, start, i + 1, out);
            start = -1;
          } else if (this.depth === 1) {
            this.lastSignificant = c;
          }
          break;
        default:
          if (this.depth === 1 && c > 0x20) this.lastSignificant = c;
      }
    }
    if (this.mode === 'object' && start >= 0 && start < n) {
      const held = this.partsBytes + n - start;
      if (held > this.maxFrameBytes) this.overflow(held, out);
      else this.keep(chunk.subarray(start));
    }
    return out;
  }

  /** Delivers an object left open after a complete value (see `danglingAfterValue`). */
  closeDangling(): FramerEvent[] {
    if (!this.danglingAfterValue) return [];
    const out: FramerEvent[] = [];
    this.closeBroken(Buffer.alloc(0), 0, 0, out);
    return out;
  }

  /** Forgets any unfinished object, e.g. when the connection is replaced. */
  reset(): void {
    this.mode = 'idle';
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.lastSignificant = 0;
    this.parts = [];
    this.partsBytes = 0;
    this.discarded = 0;
  }

  private open(): void {
    this.mode = 'object';
    this.depth = 1;
    this.inString = false;
    this.escape = false;
    this.lastSignificant = OPEN_BRACE;
  }

  private keep(piece: Buffer): void {
    // A copy: the socket may reuse its buffer, and a small slice must not pin a large chunk.
    this.parts.push(Buffer.from(piece));
    this.partsBytes += piece.length;
  }

  private take(chunk: Buffer, start: number, end: number): Buffer {
    const tail = chunk.subarray(start, end);
    if (this.parts.length === 0) return tail;
    const whole = Buffer.concat([...this.parts, tail], this.partsBytes + tail.length);
    this.parts = [];
    this.partsBytes = 0;
    return whole;
  }

  private finish(chunk: Buffer, start: number, end: number, out: FramerEvent[]): void {
    if (this.mode === 'discard') {
      this.endDiscard();
      return;
    }
    this.mode = 'idle';
    const whole = this.take(chunk, start, end);
    if (whole.length > this.maxFrameBytes) {
      this.fail('oversize', whole.length, `object of ${whole.length} bytes is larger than ${this.maxFrameBytes}, thrown away`, out);
      return;
    }
    this.deliver(whole.toString('utf8'), false, out);
  }

  private closeBroken(chunk: Buffer, start: number, end: number, out: FramerEvent[]): void {
    if (this.mode === 'discard') {
      this.endDiscard();
      return;
    }
    this.mode = 'idle';
    this.depth = 0;
    // The broken reply may still carry the reference server's trailing NUL.
    const text = this.take(chunk, Math.max(start, 0), end).toString('utf8').replace(/[\s\u0000]+$/, '');
    const trimmed = text.endsWith(',') ? text.slice(0, -1) : text;
    this.deliver(trimmed + '}', true, out);
  }

  private endDiscard(): void {
    this.counters.droppedBytes += this.discarded;
    this.discarded = 0;
    this.mode = 'idle';
    this.depth = 0;
  }

  private deliver(text: string, repaired: boolean, out: FramerEvent[]): void {
    const bytes = Buffer.byteLength(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.fail('parse', bytes, `unparsable object (${(err as Error).message}): ${preview(text)}`, out);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail('not-object', bytes, `top-level value is not an object: ${preview(text)}`, out);
      return;
    }
    this.counters.objects++;
    if (repaired) this.counters.repaired++;
    out.push({ kind: 'object', value: value as Record<string, unknown>, bytes, repaired });
  }

  /** Too large to hold: report it and skip the rest of this object (still counting braces, so
   *  the next object is found). */
  private overflow(held: number, out: FramerEvent[]): void {
    this.parts = [];
    this.partsBytes = 0;
    this.mode = 'discard';
    this.discarded = 0;
    this.fail('oversize', held, `object larger than ${this.maxFrameBytes} bytes, thrown away`, out);
  }

  private fail(reason: FramerErrorReason, bytes: number, message: string, out: FramerEvent[]): void {
    this.counters.errors++;
    this.counters.droppedBytes += bytes;
    out.push({ kind: 'error', reason, bytes, message });
  }
}

/** Characters that end a JSON value: a closing quote, bracket or brace, a digit, or the last
 *  letter of true/false/null. */
function endsValue(c: number): boolean {
  return c === QUOTE || c === CLOSE_BRACE || c === CLOSE_BRACKET || (c >= 0x30 && c <= 0x39) || c === 0x65 /* e */ || c === 0x6c /* l */;
}

function preview(text: string): string {
  return text.length <= 80 ? text : text.slice(0, 77) + '...';
}
