// Motion between H.264/H.265 keyframes without decoding anything: a P-frame carries the
// changes since the previous frame, so its size jumps when something moves. The usual size is
// the median of recent quiet P-frames; a frame well above it is motion. While an event is on,
// a smaller jump keeps it going, so an object that slows down does not end the event early.

import { MotionMeasure } from './luma-motion-detector';
import { MotionSettings, sizeRatioThreshold } from './motion-settings';

/** Quiet P-frame sizes remembered. */
const HISTORY = 32;
/** Fewer quiet frames than this say nothing yet. */
const MIN_HISTORY = 5;

export class FrameSizeHeuristic {
  private readonly quiet: number[] = [];

  /** The decision for one non-key frame of `bytes`; null while the usual size is unknown. */
  observe(bytes: number, settings: MotionSettings, eventActive: boolean): MotionMeasure | null {
    const usual = this.usualSize();
    const startRatio = sizeRatioThreshold(settings.sensitivity);
    const keepRatio = 1 + (startRatio - 1) / 3;
    if (usual === 0) {
      this.remember(bytes);
      return null;
    }
    const ratio = bytes / usual;
    const motion = ratio >= (eventActive ? keepRatio : startRatio);
    if (!eventActive && ratio < keepRatio) this.remember(bytes);
    return { motion, score: Math.round(ratio * 100) / 100, area: null, boxes: [] };
  }

  reset(): void {
    this.quiet.length = 0;
  }

  private remember(bytes: number): void {
    this.quiet.push(bytes);
    if (this.quiet.length > HISTORY) this.quiet.shift();
  }

  private usualSize(): number {
    if (this.quiet.length < MIN_HISTORY) return 0;
    const sorted = [...this.quiet].sort((a, b) => a - b);
    return sorted[sorted.length >> 1] || 1;
  }
}
