// The frames since the last keyframe (a group of pictures), so a client that joins mid-stream
// starts decoding at once from that keyframe instead of waiting up to a whole keyframe interval.
// Capped in frames and bytes: a camera with a very long (or no) keyframe interval would otherwise
// make it grow for ever. Past a cap the cache empties and waits for the next keyframe, because a
// GOP with a hole in it cannot be decoded anyway.

export interface GopCacheLimits {
  maxFrames?: number;
  maxBytes?: number;
}

export class GopCache<T> {
  private frames: T[] = [];
  private bytes = 0;
  private readonly maxFrames: number;
  private readonly maxBytes: number;

  constructor(limits: GopCacheLimits = {}) {
    this.maxFrames = limits.maxFrames ?? 600;
    this.maxBytes = limits.maxBytes ?? 16 * 1024 * 1024;
  }

  get length(): number {
    return this.frames.length;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** A keyframe starts a new group; other frames join the open group, if there is one. */
  add(frame: T, keyframe: boolean, size: number): void {
    if (keyframe) {
      this.frames = [frame];
      this.bytes = size;
      return;
    }
    if (this.frames.length === 0) return;
    if (this.frames.length >= this.maxFrames || this.bytes + size > this.maxBytes) {
      this.clear();
      return;
    }
    this.frames.push(frame);
    this.bytes += size;
  }

  /** The open group, keyframe first; a copy, so later frames do not change it. */
  snapshot(): T[] {
    return this.frames.slice();
  }

  clear(): void {
    this.frames = [];
    this.bytes = 0;
  }
}
