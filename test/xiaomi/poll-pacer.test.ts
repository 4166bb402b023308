// The frame loop's poll pacer on a simulated clock: a camera whose frames arrive with network
// jitter, a library that queues them, and timers that fire late by a random amount, as Node's
// do. Deterministic (seeded), so the figures asserted are properties of the pacer, not of this
// machine's speed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PACER, PollPacer } from '../../nodes/xiaomi/poll-pacer';
import { seededRandom } from '../support/ffmpeg';

/** The frame loop reads at most this many video frames per turn (tutk-session.ts). */
const FRAMES_PER_TURN = 8;

interface Camera {
  /** Arrival times (ms) of the frames, ascending. */
  arrivals: number[];
}

/** Frames at `fps` from `from` to `to` (ms), each up to `jitterMs` late (network), order kept. */
function camera(fps: number, from: number, to: number, jitterMs: number, seed: number): Camera {
  const random = seededRandom(seed);
  const arrivals: number[] = [];
  for (let t = from, last = -Infinity; t < to; t += 1000 / fps) {
    last = Math.max(last, t + random() * jitterMs);
    arrivals.push(last);
  }
  return { arrivals };
}

interface Run {
  /** Timer wake-ups of the process between `from` and `to` (turns run at once after a turn are not). */
  wakeups: number;
  frames: number;
  /** How long each frame read in the range waited in the library. */
  waits: number[];
  /** Every sleep the pacer asked for, in order. */
  sleeps: number[];
}

/**
 * Runs the loop until `until`: each turn reads what has arrived (at most FRAMES_PER_TURN), asks
 * the pacer, and sleeps; a timer fires up to `lateMs` late. Counts turns and waits in [from, to).
 */
function simulate(cam: Camera, until: number, options: { lateMs?: number; seed?: number; from?: number; to?: number; pacer?: Pick<PollPacer, 'next'> } = {}): Run {
  const random = seededRandom(options.seed ?? 7);
  const from = options.from ?? 0;
  const to = options.to ?? until;
  const pacer = options.pacer ?? new PollPacer();
  const run: Run = { wakeups: 0, frames: 0, waits: [], sleeps: [] };
  let next = 0;
  let woken = true;
  for (let now = 0; now < until;) {
    let video = 0;
    while (video < FRAMES_PER_TURN && next < cam.arrivals.length && cam.arrivals[next] <= now) {
      if (now >= from && now < to) {
        run.waits.push(now - cam.arrivals[next]);
        run.frames++;
      }
      next++;
      video++;
    }
    if (woken && now >= from && now < to) run.wakeups++;
    const sleep = pacer.next(now, { video, backlog: video >= FRAMES_PER_TURN });
    run.sleeps.push(sleep);
    woken = sleep > 0;
    now += sleep === 0 ? 0.01 : sleep + random() * (options.lateMs ?? 1);
  }
  return run;
}

const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('poll pacer (simulated clock)', () => {
  it('polls at the spec\'s 10 ms until it knows the rate, and backs off while nothing comes', () => {
    const pacer = new PollPacer();
    assert.equal(pacer.next(0, { video: 1, backlog: false }), DEFAULT_PACER.initialStepMs);
    const sleeps = [10, 20, 30, 40, 50, 60, 70].map((t) => pacer.next(t, { video: 0, backlog: false }));
    assert.deepEqual(sleeps, [10, 20, 40, 80, 100, 100, 100]);
    assert.equal(pacer.frameIntervalMs, null);
  });

  for (const fps of [10, 15, 25, 30, 60]) {
    it(`settles on about one wake-up per frame at ${fps} fps with jitter, and no frame waits long`, () => {
      const cam = camera(fps, 0, 60_000, 3, fps);
      const run = simulate(cam, 60_000, { lateMs: 1.5, from: 5_000 });
      const interval = 1000 / fps;
      assert.ok(run.frames > 0.99 * 55 * fps, `${run.frames} frames read`);
      assert.ok(run.wakeups / run.frames < 1.35, `${(run.wakeups / run.frames).toFixed(2)} wake-ups per frame`);
      // A frame waits for at most a few doubling retry steps of an eighth of the interval.
      assert.ok(max(run.waits) < Math.max(interval / 2, 12), `longest wait ${max(run.waits).toFixed(1)} ms`);
      assert.ok(mean(run.waits) < Math.max(interval / 8, 3), `mean wait ${mean(run.waits).toFixed(1)} ms`);
    });
  }

  it('against the fixed 10 ms poll it replaces, at 30 fps: under 40 % of the wake-ups, and frames wait less', () => {
    const cam = camera(30, 0, 30_000, 3, 3);
    const paced = simulate(cam, 30_000, { from: 5_000 });
    // The old loop: at once after a frame, else 10 ms.
    const fixed = simulate(cam, 30_000, { from: 5_000, pacer: { next: (_now, turn) => (turn.video > 0 ? 0 : 10) } });
    assert.equal(paced.frames, fixed.frames);
    assert.ok(paced.wakeups < 0.4 * fixed.wakeups, `${paced.wakeups} wake-ups against ${fixed.wakeups}`);
    assert.ok(mean(paced.waits) < mean(fixed.waits), `mean wait ${mean(paced.waits).toFixed(1)} ms against ${mean(fixed.waits).toFixed(1)} ms`);
  });

  it('learns the interval over a window, and follows a change of frame rate', () => {
    const cam = { arrivals: [...camera(15, 0, 10_000, 0, 1).arrivals, ...camera(30, 10_000, 20_000, 0, 2).arrivals] };
    const pacer = new PollPacer();
    let next = 0;
    const learned: Record<number, number | null> = {};
    for (let now = 0; now < 20_000; now += 1) {
      let video = 0;
      while (next < cam.arrivals.length && cam.arrivals[next] <= now) {
        next++;
        video++;
      }
      pacer.next(now, { video, backlog: false });
      if (now === 9_000 || now === 19_000) learned[now] = pacer.frameIntervalMs;
    }
    assert.ok(Math.abs(learned[9_000]! - 1000 / 15) < 1, `${learned[9_000]} ms at 15 fps`);
    assert.ok(Math.abs(learned[19_000]! - 1000 / 30) < 1, `${learned[19_000]} ms at 30 fps`);
  });

  it('an idle stream is polled ten times a second; the first frame after the pause is read within the ceiling', () => {
    const cam = { arrivals: [...camera(30, 0, 5_000, 1, 4).arrivals, ...camera(30, 15_000, 20_000, 1, 5).arrivals] };
    const idle = simulate(cam, 20_000, { from: 6_000, to: 14_000 });
    assert.ok(idle.wakeups <= 8 * 10 + 1, `${idle.wakeups} wake-ups in 8 idle seconds`);
    assert.ok(Math.max(...idle.sleeps) <= DEFAULT_PACER.maxSleepMs);
    const resumed = simulate(cam, 20_000, { from: 14_000 });
    assert.ok(resumed.waits[0] <= DEFAULT_PACER.maxSleepMs + 1, `first frame after the pause waited ${resumed.waits[0].toFixed(1)} ms`);
    assert.ok(resumed.wakeups / resumed.frames < 1.5, 'back on the beat after the pause');
  });

  it('a slow stream (5 fps) is still polled at least every 100 ms, without counting the early wake-ups as misses', () => {
    const cam = camera(5, 0, 30_000, 2, 6);
    const run = simulate(cam, 30_000, { from: 5_000 });
    assert.ok(Math.max(...run.sleeps.slice(50)) <= DEFAULT_PACER.maxSleepMs);
    assert.ok(run.wakeups / run.frames < 3, `${(run.wakeups / run.frames).toFixed(2)} wake-ups per frame (two are needed at 200 ms)`);
    assert.ok(max(run.waits) < 40, `longest wait ${max(run.waits).toFixed(1)} ms`);
  });

  it('reads a backlog at once, then takes up the schedule again', () => {
    // 2 s of frames held back by the network, then delivered together, then a steady stream.
    const burst = camera(30, 0, 2_000, 0, 1).arrivals.map(() => 2_000);
    const cam = { arrivals: [...burst, ...camera(30, 2_010, 20_000, 2, 8).arrivals] };
    const run = simulate(cam, 20_000);
    const zeros = run.sleeps.filter((s) => s === 0).length;
    assert.ok(zeros >= Math.floor(burst.length / FRAMES_PER_TURN), `${zeros} immediate turns for a backlog of ${burst.length}`);
    const steady = simulate(cam, 20_000, { from: 5_000 });
    assert.ok(steady.wakeups / steady.frames < 1.35);
    assert.ok(max(steady.waits) < 20);
  });
});
