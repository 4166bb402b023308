// The bytes a splitter has received but not yet emitted, kept as the chunks they arrived in and
// addressed by absolute stream offset. Frames are copied out once, when complete: no per-chunk
// concatenation, so a stream fed one byte at a time costs the same per byte as one fed whole.

export class ChunkStore {
  private parts: Buffer[] = [];
  private starts: number[] = [];
  private head = 0;
  private cursor = 0;
  /** Absolute offset one past the last byte received. */
  end = 0;

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.starts.push(this.end);
    this.end += chunk.length;
  }

  /** Absolute offset of the first byte still held. */
  get start(): number {
    return this.head < this.parts.length ? this.starts[this.head] : this.end;
  }

  /** Bytes held. */
  get length(): number {
    return this.end - this.start;
  }

  byteAt(offset: number): number {
    const i = this.locate(offset);
    return this.parts[i][offset - this.starts[i]];
  }

  /** A fresh Buffer holding [from, to). Both must lie within what is held. */
  copy(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe(to - from);
    let i = this.locate(from);
    let written = 0;
    while (written < out.length) {
      const part = this.parts[i];
      const local = from + written - this.starts[i];
      const n = Math.min(part.length - local, out.length - written);
      part.copy(out, written, local, local + n);
      written += n;
      i++;
    }
    return out;
  }

  /** Absolute offset of the first `needle` at or after `from`, or -1; finds it across chunks too. */
  indexOf(needle: Buffer, from: number): number {
    if (from < this.start) from = this.start;
    if (from >= this.end || needle.length === 0) return -1;
    const tail = needle.length - 1;
    for (let i = this.locate(from); i < this.parts.length; i++) {
      const part = this.parts[i];
      const partStart = this.starts[i];
      const local = Math.max(0, from - partStart);
      const found = part.indexOf(needle, local);
      if (found >= 0) return partStart + found;
      // A match that starts in this chunk's last bytes and runs into the next ones.
      const partEnd = partStart + part.length;
      if (tail > 0 && partEnd < this.end) {
        const windowStart = Math.max(from, partEnd - tail);
        const windowEnd = Math.min(this.end, partEnd + tail);
        const hit = this.copy(windowStart, windowEnd).indexOf(needle);
        if (hit >= 0) return windowStart + hit;
      }
    }
    return -1;
  }

  /** Forgets everything before `offset` (whole chunks only; the rest is skipped by offset). */
  discardBefore(offset: number): void {
    while (this.head < this.parts.length && this.starts[this.head] + this.parts[this.head].length <= offset) this.head++;
    if (this.head === this.parts.length) {
      this.parts = [];
      this.starts = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.parts.length) {
      this.parts = this.parts.slice(this.head);
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
    this.cursor = this.head;
  }

  clear(): void {
    this.discardBefore(this.end);
  }

  /** Index of the chunk holding `offset`; sequential reads hit the cached cursor. */
  private locate(offset: number): number {
    let i = Math.max(this.cursor, this.head);
    if (i < this.parts.length && offset >= this.starts[i] && offset < this.starts[i] + this.parts[i].length) return i;
    let lo = this.head;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    i = lo;
    if (offset < this.starts[i] || offset >= this.starts[i] + this.parts[i].length) {
      throw new RangeError(`offset ${offset} is not held (held ${this.start}..${this.end})`);
    }
    this.cursor = i;
    return i;
  }
}
