// Turns per-frame motion decisions into the two events a flow wants: `start` on the first frame
// with motion, `end` once a whole cool-down has passed without any. Time is the frames' own
// timestamps, so a recorded clip gives the same events however fast it is replayed; `idle`
// ends an event when the frames themselves stop coming.

import { MotionBox, MotionMeasure } from './luma-motion-detector';

export type MotionEventKind = 'start' | 'end';

export interface MotionEvent {
  event: MotionEventKind;
  score: number;
  area: number | null;
  boxes: MotionBox[];
  /** Timestamp (ms) of the frame the event belongs to. */
  at: number;
  /** `end` only: from the first to the last frame with motion, ms. */
  duration?: number;
  /** `end` only: the largest score and area seen during the event. */
  peakScore?: number;
  peakArea?: number | null;
  /** `end` only: frames with motion during the event. */
  frames?: number;
}

export class MotionEventTracker {
  private active = false;
  private startedAt = 0;
  private lastMotionAt = 0;
  private peakScore = 0;
  private peakArea: number | null = null;
  private motionFrames = 0;

  get inMotion(): boolean {
    return this.active;
  }

  /** The decision for one frame; returns the event it causes, if any. */
  update(measure: MotionMeasure, timestamp: number, cooldownMs: number): MotionEvent | null {
    if (measure.motion) {
      this.lastMotionAt = Math.max(this.lastMotionAt, timestamp);
      if (!this.active) {
        this.active = true;
        this.startedAt = timestamp;
        this.peakScore = 0;
        this.peakArea = null;
        this.motionFrames = 0;
        this.note(measure);
        return { event: 'start', score: measure.score, area: measure.area, boxes: measure.boxes, at: timestamp };
      }
      this.note(measure);
      return null;
    }
    if (this.active && timestamp - this.lastMotionAt >= cooldownMs) return this.finish(measure, timestamp);
    return null;
  }

  /** Ends an event when no frame has come for the cool-down (the stream stopped). */
  idle(now: number, cooldownMs: number): MotionEvent | null {
    if (!this.active || now - this.lastMotionAt < cooldownMs) return null;
    return this.finish({ motion: false, score: 0, area: 0, boxes: [] }, now);
  }

  reset(): void {
    this.active = false;
  }

  private note(measure: MotionMeasure): void {
    this.motionFrames++;
    this.peakScore = Math.max(this.peakScore, measure.score);
    if (measure.area !== null) this.peakArea = Math.max(this.peakArea ?? 0, measure.area);
  }

  private finish(measure: MotionMeasure, timestamp: number): MotionEvent {
    this.active = false;
    return {
      event: 'end',
      score: measure.score,
      area: measure.area,
      boxes: measure.boxes,
      at: timestamp,
      duration: this.lastMotionAt - this.startedAt,
      peakScore: this.peakScore,
      peakArea: this.peakArea,
      frames: this.motionFrames,
    };
  }
}
