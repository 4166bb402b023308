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

/** Byte classes outside strings: one table load instead of a chain of comparisons per byte. */
const IS_QUOTE = 1;
const IS_OPEN = 2;
const IS_CLOSE = 3;
const IS_SPACE = 4;
const IS_HIGH = 5;
const CLASS = new Uint8Array(256);
for (let b = 0; b <= 0x20; b++) CLASS[b] = IS_SPACE;
CLASS[QUOTE] = IS_QUOTE;
CLASS[OPEN_BRACE] = IS_OPEN;
CLASS[OPEN_BRACKET] = IS_OPEN;
CLASS[CLOSE_BRACE] = IS_CLOSE;
CLASS[CLOSE_BRACKET] = IS_CLOSE;
CLASS.fill(IS_HIGH, 0x80);

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
  /** The current object's bytes so far, or-ed together: 0x80 is set when one is not ASCII (see `text`). */
  private high = 0;
  /** The pushed chunk from `chunkTextStart` on, decoded once for all its ASCII objects. */
  private chunkText = '';
  private chunkTextStart = -1;

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
    const n = chunk.length;
    let start = this.mode === 'object' ? 0 : -1;
    let i = 0;
    while (i < n) {
      if (this.mode === 'idle') {
        // Objects usually follow one another directly: look at the next byte before searching.
        const at = chunk[i] === OPEN_BRACE ? i : chunk.indexOf(OPEN_BRACE, i);
        this.counters.skippedBytes += (at < 0 ? n : at) - i;
        if (at < 0) break;
        this.open();
        start = at;
        i = at + 1;
        continue;
      }
      // The hot loop works on locals; the state goes back to the fields before any method sees it.
      const discarding = this.mode === 'discard';
      const from = i;
      let depth = this.depth;
      let inString = this.inString;
      let escape = this.escape;
      let last = this.lastSignificant;
      let high = this.high;
      let ended = false;
      let restarted = false;
      for (; i < n; i++) {
        let c = chunk[i];
        if (inString) {
          if (escape) {
            escape = false;
            high |= c;
            continue;
          }
          // Skip the string's ordinary bytes in a tight loop (most strings are a few bytes long,
          // too short for indexOf to pay for its call). An `or` notes bytes outside ASCII for less
          // than a table lookup would cost.
          while (c !== QUOTE && c !== BACKSLASH) {
            high |= c;
            if (++i === n) break;
            c = chunk[i];
          }
          if (i === n) break;
          if (c === BACKSLASH) escape = true;
          else {
            inString = false;
            if (depth === 1) last = QUOTE;
          }
          continue;
        }
        switch (CLASS[c]) {
          case IS_QUOTE:
            inString = true;
            break;
          case IS_OPEN:
            if (depth === 1 && c === OPEN_BRACE && last !== COLON) {
              // At the top level of an object a `{` may only follow a `:`. Anywhere else it
              // starts the next object: the current one lost its closing brace.
              restarted = true;
              break;
            }
            depth++;
            break;
          case IS_CLOSE:
            depth--;
            if (depth === 0) ended = true;
            else if (depth === 1) last = c;
            break;
          case IS_SPACE:
            break;
          case IS_HIGH:
            high |= c;
            if (depth === 1) last = c;
            break;
          default:
            if (depth === 1) last = c;
        }
        if (ended || restarted) break;
      }
      this.depth = depth;
      this.inString = inString;
      this.escape = escape;
      this.lastSignificant = last;
      this.high = high;
      if (discarding) this.discarded += i - from + (ended ? 1 : 0);
      if (ended) {
        this.finish(chunk, start, i + 1, out);
        start = -1;
        i++;
      } else if (restarted) {
        this.closeBroken(chunk, start, i, out);
        this.open();
        start = i;
        i++;
      } else if (discarding && this.discarded > this.maxFrameBytes * DISCARD_FACTOR) {
        // Braces that never balance (an unterminated string, binary noise): give up on this
        // object altogether and look for the next `{` in what follows.
        this.endDiscard();
      }
    }
    if (this.mode === 'object' && start >= 0 && start < n) {
      const held = this.partsBytes + n - start;
      if (held > this.maxFrameBytes) this.overflow(held, out);
      else this.keep(chunk.subarray(start));
    }
    // Not kept past the call: the text would pin the chunk's bytes.
    this.chunkText = '';
    this.chunkTextStart = -1;
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
    this.high = 0;
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
    const bytes = this.partsBytes + end - start;
    if (bytes > this.maxFrameBytes) {
      this.parts = [];
      this.partsBytes = 0;
      this.fail('oversize', bytes, `object of ${bytes} bytes is larger than ${this.maxFrameBytes}, thrown away`, out);
      return;
    }
    const text = this.parts.length === 0 ? this.text(chunk, start, end) : this.take(chunk, start, end).toString('utf8');
    this.deliver(text, bytes, false, out);
  }

  /**
   * The text of an object that lies inside one chunk. A native decode per object costs a fifth of
   * parsing it, so the ASCII objects of a chunk, nearly all of them, are slices of one decoding of
   * the chunk (from the first of them on); in ASCII a byte offset is a character offset. An object
   * with other bytes is decoded as UTF-8 on its own, so a multi-byte character is never cut.
   */
  private text(chunk: Buffer, start: number, end: number): string {
    if (this.high >= 0x80) return chunk.toString('utf8', start, end);
    if (this.chunkTextStart < 0) {
      this.chunkTextStart = start;
      this.chunkText = chunk.toString('latin1', start);
    }
    return this.chunkText.slice(start - this.chunkTextStart, end - this.chunkTextStart);
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
    this.deliver(trimmed + '}', Buffer.byteLength(trimmed) + 1, true, out);
  }

  private endDiscard(): void {
    this.counters.droppedBytes += this.discarded;
    this.discarded = 0;
    this.mode = 'idle';
    this.depth = 0;
  }

  private deliver(text: string, bytes: number, repaired: boolean, out: FramerEvent[]): void {
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
