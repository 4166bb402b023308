// The frame assembler without Node-RED: picks the splitter for a stream mode, stamps each frame
// per the frame contract and keeps the drop accounts the node reports.

import { FrameMessage, FrameStamper } from '../../core/frame';
import { AnnexBSplitter } from '../splitters/annexb-splitter';
import { DEFAULT_MAX_FRAME_BYTES, DropReason, FrameSplitter, SplitFrame, SplitOutput } from '../splitters/frame-splitter';
import { JpegStreamSplitter } from '../splitters/jpeg-stream-splitter';
import { MultipartSplitter } from '../splitters/multipart-splitter';

export type AssemblerMode = 'mjpeg' | 'multipart' | 'h264' | 'h265';
export const ASSEMBLER_MODES: readonly AssemblerMode[] = ['mjpeg', 'multipart', 'h264', 'h265'];

export interface AssemblerOptions {
  mode: AssemblerMode;
  camera: string;
  maxFrameBytes?: number;
  /** multipart only: the boundary, if known in advance. */
  boundary?: string;
  now?: () => number;
}

export type DropCounts = Record<DropReason, number>;

export interface PushResult {
  frames: FrameMessage[];
  /** Bytes dropped during this push, by reason. */
  dropped: DropCounts;
  droppedBytes: number;
}

export function emptyDrops(): DropCounts {
  return { garbage: 0, oversize: 0, corrupt: 0, truncated: 0 };
}

export function createSplitter(mode: AssemblerMode, maxFrameBytes: number, boundary = ''): FrameSplitter {
  switch (mode) {
    case 'mjpeg':
      return new JpegStreamSplitter(maxFrameBytes);
    case 'multipart':
      return new MultipartSplitter(boundary, maxFrameBytes);
    case 'h264':
    case 'h265':
      return new AnnexBSplitter(mode, maxFrameBytes);
  }
}

export class StreamAssembler {
  private readonly splitter: FrameSplitter;
  private readonly stamper: FrameStamper;
  readonly totals = { frames: 0, droppedBytes: 0, dropped: emptyDrops() };
  private result: PushResult = this.freshResult();
  private readonly output: SplitOutput = {
    frame: (f: SplitFrame) => {
      this.result.frames.push(this.stamper.stamp(f.payload, f));
      this.totals.frames++;
    },
    drop: (bytes: number, reason: DropReason) => {
      if (bytes <= 0) return;
      this.result.dropped[reason] += bytes;
      this.result.droppedBytes += bytes;
      this.totals.dropped[reason] += bytes;
      this.totals.droppedBytes += bytes;
    },
  };

  constructor(readonly options: AssemblerOptions) {
    const max = options.maxFrameBytes && options.maxFrameBytes > 0 ? options.maxFrameBytes : DEFAULT_MAX_FRAME_BYTES;
    this.splitter = createSplitter(options.mode, max, options.boundary);
    this.stamper = new FrameStamper(options.camera, 'assembler', options.now);
  }

  get pendingBytes(): number {
    return this.splitter.pendingBytes;
  }

  push(chunk: Buffer): PushResult {
    this.result = this.freshResult();
    this.splitter.push(chunk, this.output);
    return this.result;
  }

  /** End of stream: emits a last access unit that only the end can complete. */
  flush(): PushResult {
    this.result = this.freshResult();
    this.splitter.flush(this.output);
    return this.result;
  }

  /** Back to a fresh stream: partial data is forgotten and numbering starts again at 0. */
  reset(): void {
    this.splitter.reset();
    this.stamper.reset();
  }

  private freshResult(): PushResult {
    return { frames: [], dropped: emptyDrops(), droppedBytes: 0 };
  }
}
