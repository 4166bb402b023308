// Cuts a raw MJPEG byte stream (JPEGs back to back, SOI … EOI) into whole images.
// It walks the marker segments by their lengths rather than searching for FF D9, so an EXIF
// thumbnail (a whole JPEG inside APP1) never ends the picture early; inside the entropy-coded
// data it looks only at FF bytes (native indexOf), skipping stuffed FF 00 and restart markers.
// A frame that breaks (a new SOI before its EOI, a bad segment length) is dropped, never emitted.

import { ChunkStore } from './chunk-store';
import { DEFAULT_MAX_FRAME_BYTES, FrameSplitter, SplitOutput } from './frame-splitter';
import { EOI, SOI, SOS, continuesScan, isStandalone, jpegDimensions } from '../jpeg/jpeg-markers';

const enum State {
  SeekSoi,
  MarkerPrefix,
  MarkerCode,
  LengthHigh,
  LengthLow,
  SkipSegment,
  Entropy,
  EntropyMarker,
}

export class JpegStreamSplitter implements FrameSplitter {
  private readonly store = new ChunkStore();
  private state = State.SeekSoi;
  /** SeekSoi: the previous chunk ended with FF. */
  private pendingFF = false;
  private frameStart = -1;
  private garbageFrom = 0;
  private marker = 0;
  private segmentLength = 0;
  private skipLeft = 0;
  private sawScan = false;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  get pendingBytes(): number {
    return this.frameStart < 0 ? 0 : this.store.end - this.frameStart;
  }

  push(chunk: Buffer, out: SplitOutput): void {
    const base = this.store.end;
    this.store.append(chunk);
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.SeekSoi: {
          if (this.pendingFF) {
            this.pendingFF = false;
            if (chunk[i] === SOI) {
              this.startFrame(base + i - 1, out);
              i++;
              break;
            }
          }
          const j = chunk.indexOf(0xff, i);
          if (j < 0 || j === n - 1) {
            this.pendingFF = j === n - 1;
            i = n;
          } else if (chunk[j + 1] === SOI) {
            this.startFrame(base + j, out);
            i = j + 2;
          } else {
            i = j + 1;
          }
          break;
        }
        case State.MarkerPrefix:
          if (chunk[i++] === 0xff) this.state = State.MarkerCode;
          else this.corrupt(base + i - 1, out);
          break;
        case State.MarkerCode: {
          const code = chunk[i++];
          if (code !== 0xff) this.onMarker(code, base + i, out);
          break;
        }
        case State.LengthHigh:
          this.segmentLength = chunk[i++] << 8;
          this.state = State.LengthLow;
          break;
        case State.LengthLow:
          this.segmentLength |= chunk[i++];
          if (this.segmentLength < 2) {
            this.corrupt(base + i, out);
          } else {
            this.skipLeft = this.segmentLength - 2;
            this.state = State.SkipSegment;
            if (this.skipLeft === 0) this.afterSegment();
          }
          break;
        case State.SkipSegment: {
          const step = Math.min(this.skipLeft, n - i);
          i += step;
          this.skipLeft -= step;
          if (this.skipLeft === 0) this.afterSegment();
          break;
        }
        case State.Entropy: {
          // The hot loop: hop from FF to FF natively, stepping over stuffed FF 00 and RSTn
          // without going back through the state machine.
          let j = chunk.indexOf(0xff, i);
          while (j >= 0 && j + 1 < n) {
            const code = chunk[j + 1];
            if (!continuesScan(code)) break;
            j = chunk.indexOf(0xff, j + 2);
          }
          if (j < 0) i = n;
          else {
            i = j + 1;
            this.state = State.EntropyMarker;
          }
          break;
        }
        case State.EntropyMarker: {
          const code = chunk[i++];
          // FF 00 is a stuffed data byte, RSTn sits inside the scan, FF FF is fill.
          if (continuesScan(code)) this.state = State.Entropy;
          else if (code !== 0xff) this.onMarker(code, base + i, out);
          break;
        }
      }
    }
    this.afterChunk(out);
  }

  flush(out: SplitOutput): void {
    if (this.frameStart >= 0) out.drop(this.store.end - this.frameStart, 'truncated');
    else this.reportGarbage(this.store.end, out);
    this.reset();
  }

  reset(): void {
    this.store.clear();
    this.state = State.SeekSoi;
    this.pendingFF = false;
    this.frameStart = -1;
    this.garbageFrom = this.store.end;
  }

  private startFrame(at: number, out: SplitOutput): void {
    this.reportGarbage(at, out);
    this.frameStart = at;
    this.sawScan = false;
    this.state = State.MarkerPrefix;
  }

  /** `after` is the absolute offset just past the marker code. */
  private onMarker(code: number, after: number, out: SplitOutput): void {
    if (code === SOI) {
      this.corrupt(after - 2, out);
      this.startFrame(after - 2, out);
    } else if (code === EOI) {
      if (this.sawScan) this.endFrame(after, out);
      else this.corrupt(after, out);
    } else if (isStandalone(code)) {
      this.state = State.MarkerPrefix;
    } else {
      this.marker = code;
      this.state = State.LengthHigh;
    }
  }

  private afterSegment(): void {
    if (this.marker === SOS) {
      this.sawScan = true;
      this.state = State.Entropy;
    } else {
      this.state = State.MarkerPrefix;
    }
  }

  private endFrame(end: number, out: SplitOutput): void {
    const length = end - this.frameStart;
    if (length > this.maxFrameBytes) {
      out.drop(length, 'oversize');
    } else {
      const payload = this.store.copy(this.frameStart, end);
      const size = jpegDimensions(payload);
      out.frame({ payload, codec: 'jpeg', keyframe: true, width: size?.width, height: size?.height });
    }
    this.seekFrom(end);
  }

  /** Drops the frame in progress up to `end` and looks for the next SOI from there. */
  private corrupt(end: number, out: SplitOutput): void {
    if (this.frameStart >= 0 && end > this.frameStart) out.drop(end - this.frameStart, 'corrupt');
    this.seekFrom(end);
  }

  private seekFrom(at: number): void {
    this.frameStart = -1;
    this.garbageFrom = at;
    this.pendingFF = false;
    this.state = State.SeekSoi;
    this.store.discardBefore(at);
  }

  private reportGarbage(upTo: number, out: SplitOutput): void {
    if (upTo > this.garbageFrom) out.drop(upTo - this.garbageFrom, 'garbage');
    this.garbageFrom = upTo;
  }

  private afterChunk(out: SplitOutput): void {
    if (this.state === State.SeekSoi) {
      // Keep nothing but a trailing FF that may be the first half of the next SOI.
      const keepFrom = this.pendingFF ? this.store.end - 1 : this.store.end;
      this.reportGarbage(keepFrom, out);
      this.store.discardBefore(keepFrom);
    } else if (this.store.end - this.frameStart > this.maxFrameBytes) {
      out.drop(this.store.end - this.frameStart, 'oversize');
      this.seekFrom(this.store.end);
    }
  }
}
