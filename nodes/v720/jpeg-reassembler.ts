// Puts MJPEG frames back together from UDP fragments (spec §4.1): a frame is one HEAD, any
// number of BODY and one END with consecutive pkgIds; the END ends with a 5-byte tail
// ([1 unknown byte][u32 LE jpegLen]). UDP may lose, repeat and reorder datagrams, so fragments
// are kept by pkgId, repeats dropped, and a frame is emitted only when every id from HEAD to END
// is there and the tail agrees — a frame with a hole is thrown away, never emitted corrupt.

import { MsgFlag } from './naxclow-header';

export const JPEG_TAIL_BYTES = 5;
/** This many old pkgIds in a row means a new counter, not stray repeats. */
const LATE_RUN_RESET = 64;

export interface JpegFragment {
  pkgId: number;
  msgFlag: number;
  payload: Buffer;
}

export interface ReassemblerOptions {
  /** Bytes of fragments held per camera before the oldest are thrown away (default 2 MiB). */
  maxBytes?: number;
  /** Longest frame in fragments (default 2048, about 2 MB of JPEG). */
  maxFramePackets?: number;
}

export interface ReassemblerCounts {
  frames: number;
  /** A pkgId seen before (or older than a frame already finished). */
  duplicates: number;
  /** Frames given up because a fragment never came. */
  incomplete: number;
  /** Frames whose tail, flags or JPEG markers were wrong. */
  corrupt: number;
  /** Fragments thrown away to stay under the memory cap. */
  evicted: number;
}

interface Stored {
  flag: number;
  payload: Buffer;
}

/** True when serial number `a` comes after `b` (pkgIds are u32 and may wrap). */
function after(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

const prev = (id: number): number => (id - 1) >>> 0;

export class JpegReassembler {
  readonly counts: ReassemblerCounts = { frames: 0, duplicates: 0, incomplete: 0, corrupt: 0, evicted: 0 };
  private readonly maxBytes: number;
  private readonly maxFramePackets: number;
  private readonly fragments = new Map<number, Stored>();
  private readonly ends = new Set<number>();
  private bytes = 0;
  /** Late fragments in a row: many means the camera restarted its counter lower. */
  private lateRun = 0;
  /** Every pkgId up to and including this one is finished with (emitted or given up). */
  private floor: number | null = null;

  constructor(options: ReassemblerOptions = {}) {
    this.maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
    this.maxFramePackets = options.maxFramePackets ?? 2048;
  }

  /** Bytes of fragments currently held. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Takes one fragment; returns the JPEG frames it completed (usually none or one). */
  push(fragment: JpegFragment): Buffer[] {
    const id = fragment.pkgId >>> 0;
    const flag = fragment.msgFlag;
    if (flag !== MsgFlag.HEAD && flag !== MsgFlag.BODY && flag !== MsgFlag.END && flag !== MsgFlag.FINISH) {
      this.counts.corrupt++;
      return [];
    }
    // Far behind what we have finished: not a late repeat, the camera restarted its counter.
    if (this.floor !== null && ((this.floor - id) | 0) > this.maxFramePackets * 2) this.reset();
    if ((this.floor !== null && !after(id, this.floor)) || this.fragments.has(id)) {
      this.counts.duplicates++;
      if (++this.lateRun < LATE_RUN_RESET) return [];
      this.reset();
    }
    this.lateRun = 0;
    // A jump far ahead (camera restarted its counter, or a long outage): start afresh there.
    if (this.floor !== null && ((id - this.floor) | 0) > this.maxFramePackets * 2) this.finishUpTo(prev(id));
    if (flag === MsgFlag.FINISH) return this.single(id, fragment.payload);
    this.fragments.set(id, { flag, payload: fragment.payload });
    this.bytes += fragment.payload.length;
    if (flag === MsgFlag.END) this.ends.add(id);
    this.enforceCap();
    const end = flag === MsgFlag.END ? id : this.nearestEndAfter(id);
    return end === null || !this.fragments.has(end) ? [] : this.tryComplete(end);
  }

  /** Forgets everything (stream restarted). */
  reset(): void {
    this.lateRun = 0;
    this.fragments.clear();
    this.ends.clear();
    this.bytes = 0;
    this.floor = null;
  }

  private single(id: number, payload: Buffer): Buffer[] {
    this.finishUpTo(id);
    const jpeg = unwrapJpeg(payload) ?? (isWholeJpeg(payload) ? payload : null);
    if (!jpeg) {
      this.counts.corrupt++;
      return [];
    }
    this.counts.frames++;
    return [jpeg];
  }

  private nearestEndAfter(id: number): number | null {
    let best: number | null = null;
    for (const end of this.ends) {
      if (after(end, id) && ((end - id) | 0) < this.maxFramePackets && (best === null || after(best, end))) best = end;
    }
    return best;
  }

  /** Walks down from an END to its HEAD; emits the frame when nothing is missing. */
  private tryComplete(end: number): Buffer[] {
    const parts: Buffer[] = [];
    let id = end;
    for (let n = 0; n < this.maxFramePackets; n++) {
      const stored = this.fragments.get(id);
      if (!stored) return []; // a hole: wait for it (or for a later frame to give this one up)
      if (id !== end && stored.flag !== MsgFlag.BODY && stored.flag !== MsgFlag.HEAD) {
        // Another frame's END right below ours: our HEAD was lost and this cannot complete.
        this.counts.corrupt++;
        this.finishUpTo(end);
        return [];
      }
      parts.push(stored.payload);
      if (stored.flag === MsgFlag.HEAD) {
        parts.reverse();
        this.finishUpTo(end, parts.length);
        const jpeg = unwrapJpeg(Buffer.concat(parts));
        if (!jpeg) {
          this.counts.corrupt++;
          return [];
        }
        this.counts.frames++;
        return [jpeg];
      }
      id = prev(id);
    }
    this.counts.corrupt++;
    this.finishUpTo(end);
    return [];
  }

  /**
   * Everything up to `id` is done: drop what is held there. `used` fragments (at the top) went
   * into a frame; the others belonged to frames that can no longer complete.
   */
  private finishUpTo(id: number, used = 0): void {
    let dropped = 0;
    for (const [key, stored] of this.fragments) {
      if (after(key, id)) continue;
      if (stored.flag === MsgFlag.END) dropped++;
      this.fragments.delete(key);
      this.ends.delete(key);
      this.bytes -= stored.payload.length;
    }
    // Counted per lost frame: each abandoned END is one; a frame whose END was lost too counts
    // when a later frame arrives (approximation, for status only).
    this.counts.incomplete += Math.max(0, dropped - (used > 0 ? 1 : 0));
    this.floor = this.floor === null || after(id, this.floor) ? id : this.floor;
  }

  private enforceCap(): void {
    while (this.bytes > this.maxBytes && this.fragments.size > 0) {
      let oldest: number | null = null;
      for (const key of this.fragments.keys()) if (oldest === null || after(oldest, key)) oldest = key;
      const stored = this.fragments.get(oldest as number) as Stored;
      this.fragments.delete(oldest as number);
      this.ends.delete(oldest as number);
      this.bytes -= stored.payload.length;
      this.counts.evicted++;
      this.floor = oldest;
    }
  }
}

/** Strips and checks the 5-byte tail; returns the JPEG, or null when anything disagrees. */
export function unwrapJpeg(frame: Buffer): Buffer | null {
  if (frame.length < JPEG_TAIL_BYTES + 4) return null;
  const jpegLen = frame.readUInt32LE(frame.length - 4);
  if (jpegLen !== frame.length - JPEG_TAIL_BYTES) return null;
  const jpeg = frame.subarray(0, jpegLen);
  return isWholeJpeg(jpeg) ? jpeg : null;
}

function isWholeJpeg(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
}

/** The camera side: cuts a JPEG into HEAD/BODY/END payloads of `size` bytes with the tail. */
export function fragmentJpeg(jpeg: Buffer, size = 1004, unknownTailByte = 0): { msgFlag: number; payload: Buffer }[] {
  const tail = Buffer.alloc(JPEG_TAIL_BYTES);
  tail[0] = unknownTailByte;
  tail.writeUInt32LE(jpeg.length, 1);
  const whole = Buffer.concat([jpeg, tail]);
  const out: { msgFlag: number; payload: Buffer }[] = [];
  for (let at = 0; at < whole.length; at += size) {
    const last = at + size >= whole.length;
    out.push({ msgFlag: at === 0 ? MsgFlag.HEAD : last ? MsgFlag.END : MsgFlag.BODY, payload: whole.subarray(at, at + size) });
  }
  // A frame that fits one fragment still needs a HEAD and an END: split its last bytes off.
  if (out.length === 1) {
    out[0] = { msgFlag: MsgFlag.HEAD, payload: whole.subarray(0, whole.length - 1) };
    out.push({ msgFlag: MsgFlag.END, payload: whole.subarray(whole.length - 1) });
  }
  return out;
}
