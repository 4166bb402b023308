// Frames for the media tests: an ffmpeg-made stream cut by the StreamAssembler, and for the
// stream-out tests played in a loop at its frame rate with fresh host timestamps, as a camera
// source would emit them.
import * as fs from 'node:fs';
import type { FrameMessage } from '../../nodes/core/frame';
import { AssemblerMode, StreamAssembler } from '../../nodes/media/assembler/frame-assembler-engine';

/** The frames of a whole stream, as the StreamAssembler cuts them for camera `camera`. */
export function framesOf(data: Buffer, mode: AssemblerMode, camera = 'cam'): FrameMessage[] {
  const assembler = new StreamAssembler({ mode, camera });
  return [...assembler.push(data).frames, ...assembler.flush().frames];
}

export function framesOfFile(file: string, mode: AssemblerMode, camera = 'cam'): FrameMessage[] {
  return framesOf(fs.readFileSync(file), mode, camera);
}

export class FrameFeed {
  private timer: NodeJS.Timeout | null = null;
  private index = 0;
  sent = 0;

  constructor(private readonly frames: FrameMessage[], private readonly fps: number, private readonly push: (frame: FrameMessage) => void) {
    if (frames.length === 0) throw new Error('no frames to feed');
  }

  start(): this {
    this.timer = setInterval(() => this.next(), 1000 / this.fps);
    return this;
  }

  /** Sends the next frame now (the loop wraps around to the first keyframe's stream start). */
  next(): void {
    const frame = this.frames[this.index];
    this.index = (this.index + 1) % this.frames.length;
    this.sent++;
    this.push({ ...frame, frame: { ...frame.frame, seq: this.sent - 1, timestamp: Date.now() } });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
