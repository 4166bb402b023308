import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameMessage } from '../../nodes/core/frame';
import { FfmpegMissingError } from '../../nodes/media/decode/ffmpeg-decoder';
import { JpegPath, MotionEngine, MotionInputError, MotionOutcome } from '../../nodes/media/motion/motion-engine';
import { DEFAULT_MOTION_SETTINGS, MotionSettings } from '../../nodes/media/motion/motion-settings';
import { ClipCodec, isAlive, motionClip } from './media-fixtures';

/** Cool-down of one second: ten frames of the 10 fps clips. */
const SETTINGS: MotionSettings = { ...DEFAULT_MOTION_SETTINGS, cooldownMs: 1000 };
const COOLDOWN_FRAMES = 10;

interface Run {
  outcomes: MotionOutcome[];
  starts: number[];
  ends: number[];
}

async function run(frames: FrameMessage[], jpegPath?: JpegPath): Promise<Run> {
  const engine = new MotionEngine({ jpegPath });
  try {
    const outcomes: MotionOutcome[] = [];
    for (const f of frames) outcomes.push(await engine.process(f, SETTINGS));
    const at = (kind: string) => outcomes.flatMap((o, i) => (o.event?.event === kind ? [i] : []));
    return { outcomes, starts: at('start'), ends: at('end') };
  } finally {
    await engine.close();
  }
}

describe('motion on recorded clips (static, an object moves in and across, static again)', () => {
  it('MJPEG: start and end at the right frames, the DC-only and full-decode paths agreeing', async () => {
    const clip = motionClip({ codec: 'mjpeg', enter: 30, leave: 50 });
    const dc = await run(clip.frames, 'dc');
    const full = await run(clip.frames, 'full');
    assert.ok(dc.outcomes.every((o) => o.method === 'dc'));
    assert.ok(full.outcomes.every((o) => o.method === 'full'));
    assert.deepEqual(dc.starts, [clip.enter]);
    assert.deepEqual(dc.ends, [clip.leave - 1 + COOLDOWN_FRAMES]);
    assert.deepEqual(full.starts, dc.starts);
    assert.deepEqual(full.ends, dc.ends);
    const decisions = (r: Run) => r.outcomes.map((o) => o.measure?.motion);
    assert.deepEqual(decisions(full), decisions(dc), 'the same decision on every frame');
    const start = dc.outcomes[clip.enter].event!;
    assert.ok((start.area as number) > 0.01 && start.boxes.length >= 1);
    assert.equal(start.boxes[0].x, 0, 'the object comes in at the left edge');
  });

  for (const codec of ['h264', 'h265'] as ClipCodec[]) {
    it(`${codec}: start on the keyframe where the object appears, end a cool-down after it leaves`, async () => {
      const clip = motionClip({ codec, enter: 30, leave: 50, gop: 10 });
      assert.ok(clip.frames[30].frame.keyframe);
      const r = await run(clip.frames);
      assert.deepEqual(r.starts, [clip.enter]);
      assert.deepEqual(r.ends, [clip.leave - 1 + COOLDOWN_FRAMES]);
      assert.equal(r.outcomes[30].method, 'decoder');
      assert.equal(r.outcomes[31].method, 'size');
      assert.ok(r.outcomes[30].event!.boxes.length >= 1, 'a keyframe start has boxes');
    });

    it(`${codec}: an object appearing between keyframes starts an event by the next keyframe`, async () => {
      const clip = motionClip({ codec, enter: 35, leave: 55, gop: 10 });
      const r = await run(clip.frames);
      assert.equal(r.starts.length, 1);
      assert.equal(r.ends.length, 1);
      assert.ok(r.starts[0] >= 35 && r.starts[0] <= 40, `start at ${r.starts[0]}`);
      assert.ok(r.ends[0] >= clip.leave && r.ends[0] <= clip.leave + COOLDOWN_FRAMES + 10, `end at ${r.ends[0]}`);
    });
  }
});

describe('motion engine with bad input', () => {
  it('answers a broken JPEG, a keyframe without SPS/PPS and an audio frame with MotionInputError, then goes on', async () => {
    const clip = motionClip({ codec: 'mjpeg' });
    const h264 = motionClip({ codec: 'h264' });
    const engine = new MotionEngine();
    try {
      const good = clip.frames[0];
      await engine.process(good, SETTINGS);
      const truncated = { ...good, payload: good.payload.subarray(0, good.payload.length >> 1) };
      await assert.rejects(engine.process(truncated, SETTINGS), (e: Error) => e instanceof MotionInputError && /broken JPEG/.test(e.message));
      const key = h264.frames[0];
      const sliceOnly = key.payload.subarray(key.payload.indexOf(Buffer.from([0, 0, 1, 0x65])));
      const bare = { ...key, frame: { ...key.frame, camera: 'other' }, payload: sliceOnly };
      await assert.rejects(engine.process(bare, SETTINGS), /without SPS\/PPS/);
      const audio = { ...good, frame: { ...good.frame, kind: 'audio' as const, codec: 'pcma' as const } };
      await assert.rejects(engine.process(audio, SETTINGS), /not audio pcma/);
      const next = await engine.process(clip.frames[1], SETTINGS);
      assert.equal(next.method, 'dc');
      assert.equal(next.measure?.motion, false);
    } finally {
      await engine.close();
    }
  });

  it('reports a missing ffmpeg as FfmpegMissingError', async () => {
    const h264 = motionClip({ codec: 'h264' });
    const engine = new MotionEngine({ ffmpegPath: '/nonexistent/ffmpeg' });
    try {
      await assert.rejects(engine.process(h264.frames[0], SETTINGS), FfmpegMissingError);
    } finally {
      await engine.close();
    }
  });

  it('leaves no decoder child behind when closed', async () => {
    const h264 = motionClip({ codec: 'h264' });
    const engine = new MotionEngine();
    await engine.process(h264.frames[0], SETTINGS);
    const pids = engine.decoderPids;
    assert.equal(pids.length, 1);
    assert.ok(isAlive(pids[0]));
    await engine.close();
    assert.equal(isAlive(pids[0]), false);
  });
});
