// When the frame loop calls avRecvFrameData2 next. The 2014 library has no blocking or waitable
// read (spec §1.2, §7.2), so a reader must poll; a fixed 10 ms poll wakes the camera's process a
// hundred times a second whether frames come or not, and those wake-ups, not the frames, were
// most of what a frame cost. A camera sends at a steady rate, so the pacer learns the frame
// interval from the stream and keeps a schedule: the time by which the next frame is due, and a
// probe a little before it, as early as the frame might already be there.
//  - A poll that finds its frame moves the schedule on by one interval. On schedule, it also
//    moves it earlier by the probe and halves the probe: a schedule that only ever finds its
//    frame cannot tell how late it is, so it keeps creeping earlier until a probe comes too soon.
//  - A probe that finds nothing waits for the due time.
//  - A poll at the due time that finds nothing (a late frame, or a stream that stopped) retries
//    after a short step that doubles while nothing comes, up to an idle ceiling. The poll that
//    then finds the frame knows it came since the last poll: that anchors the schedule, and half
//    that gap is the next probe.
// So a steady stream costs about one wake-up per frame, and a frame waits a few milliseconds.
// The library keeps frames in its buffer meanwhile (1 MB by default), so a late poll costs
// latency, never a frame. Pure arithmetic on the caller's clock, so it can be tested without time.

export interface PollPacerOptions {
  /** The retry step before the interval is known: the spec's 10 ms (§1.4). */
  initialStepMs: number;
  /** The shortest retry step once the interval is known. */
  minStepMs: number;
  /** The longest sleep: how late an idle stream's first new frame (or queued audio) is read. */
  maxSleepMs: number;
  /** The interval is measured over at least this long, so a burst after a stall is not a rate. */
  windowMs: number;
  /** A measured interval above this is a stalled stream, not a frame rate. */
  maxIntervalMs: number;
}

export const DEFAULT_PACER: PollPacerOptions = {
  initialStepMs: 10,
  minStepMs: 2,
  maxSleepMs: 100,
  windowMs: 1000,
  maxIntervalMs: 1000,
};

/** What one turn of the frame loop read. */
export interface PollTurn {
  /** Video frames read, lost ones included: they are the camera's rate too. */
  video: number;
  /** A per-turn cap was reached: more is waiting in the library, read it at once. */
  backlog: boolean;
}

export class PollPacer {
  private intervalMs: number | null = null;
  private windowStart: number | null = null;
  private windowFrames = 0;
  /** When the next frame is expected; null until a frame has anchored the schedule. */
  private dueAt: number | null = null;
  /** How much earlier than `dueAt` the frame might already be there: the next poll comes this much early. */
  private probeMs = 0;
  private lastTurnAt: number | null = null;
  /** The last poll came at the probe time and found nothing: the frame is due by `dueAt`. */
  private probeMissed = false;
  private misses = 0;

  constructor(private readonly options: PollPacerOptions = DEFAULT_PACER) {}

  /** The learned video frame interval (ms), or null before a window has been measured. */
  get frameIntervalMs(): number | null {
    return this.intervalMs;
  }

  /** After a turn at `now` (ms): how long to sleep before the next poll (0: poll again at once). */
  next(now: number, turn: PollTurn): number {
    const previousTurnAt = this.lastTurnAt;
    this.lastTurnAt = now;
    if (turn.video > 0) this.learn(now, turn.video);
    if (turn.backlog) {
      // Behind the stream: read on at once, and take the schedule up again afterwards.
      this.dueAt = null;
      this.misses = 0;
      return 0;
    }
    if (turn.video > 0) return this.afterFrame(now, turn.video, previousTurnAt);
    return this.afterMiss(now);
  }

  /**
   * The interval is the time between two frame-bearing turns a window apart, divided by the frames
   * read after the first: polls may bunch frames up, but over a window they average out.
   */
  private learn(now: number, frames: number): void {
    if (this.windowStart === null) {
      this.windowStart = now;
      this.windowFrames = 0;
      return;
    }
    this.windowFrames += frames;
    const span = now - this.windowStart;
    if (span < this.options.windowMs) return;
    const interval = span / this.windowFrames;
    if (interval <= this.options.maxIntervalMs) this.intervalMs = interval;
    this.windowStart = now;
    this.windowFrames = 0;
  }

  private step(): number {
    const { intervalMs, options } = this;
    return intervalMs === null ? options.initialStepMs : Math.max(options.minStepMs, intervalMs / 8);
  }

  private afterFrame(now: number, frames: number, previousTurnAt: number | null): number {
    const { intervalMs, dueAt } = this;
    const onSchedule = this.misses === 0 && !this.probeMissed && frames === 1 && dueAt !== null && now >= dueAt - this.probeMs - 0.5;
    this.misses = 0;
    this.probeMissed = false;
    if (intervalMs === null) return this.sleep(this.step());
    const leastProbe = this.step() / 16;
    let anchor: number;
    if (onSchedule) {
      // The frame was there by the due time, and maybe up to the probe earlier: move the schedule
      // that much earlier and halve the doubt. A schedule that only ever found its frame cannot
      // tell how late it is, so it keeps creeping earlier until a poll comes too soon.
      anchor = Math.min(now, dueAt! - this.probeMs);
      this.probeMs = Math.max(leastProbe, this.probeMs / 2);
    } else {
      // The newest frame came between the previous turn and this one: the next is due an interval
      // after this turn at the latest; probe half the bracket earlier.
      anchor = now;
      const bracket = previousTurnAt === null ? intervalMs : now - previousTurnAt;
      this.probeMs = Math.min(intervalMs / 2, Math.max(leastProbe, bracket / 2));
    }
    this.dueAt = anchor + intervalMs;
    return this.sleep(this.dueAt - this.probeMs - now);
  }

  private afterMiss(now: number): number {
    const { dueAt } = this;
    if (dueAt !== null) {
      const probeAt = dueAt - this.probeMs;
      // Woken before the probe time (the sleep is capped for slow streams): sleep on.
      if (now < probeAt - 0.5) return this.sleep(probeAt - now);
      // The probe came too early: the frame is still due by the due time.
      if (now < dueAt - 0.5) {
        this.probeMissed = true;
        return this.sleep(dueAt - now);
      }
    }
    this.misses++;
    return this.sleep(this.step() * 2 ** Math.min(this.misses - 1, 16));
  }

  private sleep(ms: number): number {
    return Math.min(this.options.maxSleepMs, Math.max(1, Math.ceil(ms)));
  }
}
