import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameSizeHeuristic } from '../../nodes/media/motion/frame-size-heuristic';
import { LumaImage } from '../../nodes/media/motion/luma-image';
import { LumaMotionDetector } from '../../nodes/media/motion/luma-motion-detector';
import { MotionEventTracker } from '../../nodes/media/motion/motion-events';
import { DEFAULT_MOTION_SETTINGS, MotionSettings, parseMask, resolveSettings } from '../../nodes/media/motion/motion-settings';
import { seededRandom } from '../support/ffmpeg';

const W = 80;
const H = 60;

/** A 640×480 scene at 1/8: a gradient with noise, plus an optional bright square. */
function scene(random: () => number, opts: { box?: { x: number; y: number; size: number; level: number }; shift?: number } = {}): LumaImage {
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let v = 60 + x + y + (random() - 0.5) * 6 + (opts.shift ?? 0);
      const b = opts.box;
      if (b && x >= b.x && x < b.x + b.size && y >= b.y && y < b.y + b.size) v = b.level;
      data[y * W + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width: W, height: H, data, sourceWidth: 640, sourceHeight: 480 };
}

function settings(over: Partial<MotionSettings> = {}): MotionSettings {
  return { ...DEFAULT_MOTION_SETTINGS, ...over };
}

/** A detector that has learnt the empty scene for a few seconds of 10 fps. */
function warmed(random: () => number, s = settings()): { det: LumaMotionDetector; t: number } {
  const det = new LumaMotionDetector();
  let t = 0;
  for (; t < 3000; t += 100) assert.equal(det.measure(scene(random), t, s).motion, false, `quiet frame at ${t}`);
  return { det, t };
}

describe('LumaMotionDetector', () => {
  it('finds a square: motion, area, score and a bounding box in source pixels', () => {
    const random = seededRandom(1);
    const { det, t } = warmed(random);
    const m = det.measure(scene(random, { box: { x: 20, y: 10, size: 10, level: 250 } }), t, settings());
    assert.equal(m.motion, true);
    assert.ok(Math.abs((m.area as number) - 100 / (W * H)) < 0.002, `area ${m.area}`);
    assert.deepEqual(m.boxes[0], { x: 160, y: 80, width: 80, height: 80 });
    assert.ok(m.score > 100, `score ${m.score}`);
  });

  it('ignores noise, a global brightness change, and masked parts', () => {
    const random = seededRandom(2);
    const { det, t } = warmed(random);
    assert.equal(det.measure(scene(random, { shift: 40 }), t, settings()).motion, false, 'lights on');
    const mask = [{ x: 0.2, y: 0.1, w: 0.2, h: 0.3 }];
    const masked = det.measure(scene(random, { shift: 40, box: { x: 20, y: 10, size: 10, level: 250 } }), t + 100, settings({ mask }));
    assert.equal(masked.motion, false);
    assert.equal(masked.area, 0);
  });

  it('applies sensitivity and minimum area', () => {
    const random = seededRandom(3);
    const faint = { box: { x: 30, y: 30, size: 8, level: 0 } };
    const { det, t } = warmed(random);
    // The square is ~95 levels below the background there: seen at 80, not at 1 (threshold 51.5)?
    const a = det.measure(scene(random, faint), t, settings({ sensitivity: 80 }));
    assert.equal(a.motion, true);
    const weak = warmed(random);
    const b = weak.det.measure(scene(random, { box: { x: 30, y: 30, size: 8, level: 115 } }), weak.t, settings({ sensitivity: 10 }));
    assert.equal(b.motion, false, 'a change of ~25 levels is below the threshold of sensitivity 10');
    const small = warmed(random);
    const c = small.det.measure(scene(random, faint), small.t, settings({ minAreaPercent: 5 }));
    assert.equal(c.motion, false, '64 cells of 4800 is 1.3 %, under 5 %');
    assert.ok((c.area as number) > 0.01);
  });

  it('lets a parked object become background, and starts over when the picture size changes', () => {
    const random = seededRandom(4);
    const { det } = warmed(random);
    const parked = { box: { x: 40, y: 20, size: 12, level: 240 } };
    let t = 3000;
    assert.equal(det.measure(scene(random, parked), t, settings()).motion, true);
    let quietAt = -1;
    for (t += 1000; t < 300_000; t += 1000) {
      if (!det.measure(scene(random, parked), t, settings()).motion) {
        quietAt = t;
        break;
      }
    }
    assert.ok(quietAt > 0, 'the parked object merged into the background');
    const other: LumaImage = { width: 40, height: 30, data: new Uint8Array(1200).fill(9), sourceWidth: 320, sourceHeight: 240 };
    assert.equal(det.measure(other, t + 100, settings()).motion, false, 'a new size is learnt, not compared');
  });
});

describe('MotionEventTracker', () => {
  const yes = { motion: true, score: 50, area: 0.1, boxes: [] };
  const no = { motion: false, score: 0, area: 0, boxes: [] };

  it('starts on the first motion frame and ends a cool-down after the last', () => {
    const tr = new MotionEventTracker();
    assert.equal(tr.update(no, 0, 1000), null);
    assert.equal(tr.update(yes, 100, 1000)?.event, 'start');
    assert.equal(tr.update({ ...yes, score: 70, area: 0.2 }, 200, 1000), null);
    assert.equal(tr.update(no, 300, 1000), null);
    assert.equal(tr.update(yes, 700, 1000), null, 'motion again inside the cool-down');
    assert.equal(tr.update(no, 1600, 1000), null);
    const end = tr.update(no, 1700, 1000);
    assert.equal(end?.event, 'end');
    assert.equal(end?.duration, 600);
    assert.equal(end?.peakScore, 70);
    assert.equal(end?.peakArea, 0.2);
    assert.equal(end?.frames, 3);
    assert.equal(tr.inMotion, false);
  });

  it('ends an event when the frames stop coming', () => {
    const tr = new MotionEventTracker();
    tr.update(yes, 1000, 2000);
    assert.equal(tr.idle(2500, 2000), null);
    assert.equal(tr.idle(3000, 2000)?.event, 'end');
    assert.equal(tr.idle(9000, 2000), null);
  });
});

describe('FrameSizeHeuristic', () => {
  it('learns the usual P-frame size and flags a jump, with a lower bar to keep an event', () => {
    const h = new FrameSizeHeuristic();
    const s = settings({ sensitivity: 50 }); // start at 2.5×, keep at 1.5×
    for (let i = 0; i < 5; i++) assert.equal(h.observe(1000, s, false), null, 'no verdict before the usual size is known');
    assert.equal(h.observe(1000, s, false)?.motion, false);
    assert.equal(h.observe(2000, s, false)?.motion, false);
    const jump = h.observe(2600, s, false);
    assert.equal(jump?.motion, true);
    assert.equal(jump?.score, 2.6);
    assert.equal(jump?.area, null);
    assert.equal(h.observe(1600, s, true)?.motion, true, 'kept going');
    assert.equal(h.observe(1400, s, true)?.motion, false);
  });
});

describe('motion settings', () => {
  it('takes overrides in range and names the rest', () => {
    const { settings: s, problems } = resolveSettings(DEFAULT_MOTION_SETTINGS, { sensitivity: '80', minArea: 2.5, cooldown: 3, mask: '[{"x":0,"y":0,"w":0.5,"h":0.1}]' });
    assert.deepEqual(problems, []);
    assert.equal(s.sensitivity, 80);
    assert.equal(s.minAreaPercent, 2.5);
    assert.equal(s.cooldownMs, 3000);
    assert.deepEqual(s.mask, [{ x: 0, y: 0, w: 0.5, h: 0.1 }]);
    const bad = resolveSettings(DEFAULT_MOTION_SETTINGS, { sensitivity: 500, minArea: 'lots', cooldown: -1, mask: [{ x: 2 }] });
    assert.equal(bad.problems.length, 4);
    assert.deepEqual(bad.settings, DEFAULT_MOTION_SETTINGS);
    assert.equal(parseMask('not json'), undefined);
    assert.equal(parseMask(new Array(33).fill({ x: 0, y: 0, w: 1, h: 1 })), undefined);
    assert.deepEqual(parseMask(''), []);
  });
});
