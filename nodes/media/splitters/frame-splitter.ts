// What every stream splitter of the frame assembler has in common: bytes in at any boundary,
// whole frames out, and an account of every byte it had to throw away.

import type { VideoCodec } from '../../core/frame';

export interface SplitFrame {
  payload: Buffer;
  codec: VideoCodec;
  keyframe: boolean;
  width?: number;
  height?: number;
}

export type DropReason =
  | 'garbage' // bytes outside any frame
  | 'oversize' // a frame grew past the cap
  | 'corrupt' // a frame whose structure broke (a new frame began before it ended)
  | 'truncated'; // a frame cut off by a reset or the end of the stream

export interface SplitOutput {
  frame(frame: SplitFrame): void;
  drop(bytes: number, reason: DropReason): void;
}

export interface FrameSplitter {
  /** Takes the next bytes of the stream; completed frames and drops are reported to `out`. */
  push(chunk: Buffer, out: SplitOutput): void;
  /** The stream has ended: emit what is known to be whole, count the rest as truncated. */
  flush(out: SplitOutput): void;
  /** Forget everything, as for a new stream (nothing is reported). */
  reset(): void;
  /** Bytes held for a frame not yet complete. */
  readonly pendingBytes: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
