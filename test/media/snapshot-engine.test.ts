import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameMessage } from '../../nodes/core/frame';
import { SnapshotEngine, SnapshotInputError } from '../../nodes/media/snapshot/snapshot-engine';
import { testStream } from '../support/ffmpeg';
import { framesOfFile } from './frame-feed';
import { motionClip } from './media-fixtures';

function h264Frames(): FrameMessage[] {
  return framesOfFile(testStream({ kind: 'h264' }), 'h264');
}

describe('SnapshotEngine', () => {
  it('keeps a frame that arrives twice once, and reuses a snapshot until a newer frame comes', async () => {
    const engine = new SnapshotEngine();
    try {
      const frames = h264Frames();
      assert.equal(engine.feed(frames[0]), true);
      assert.equal(engine.feed(frames[1]), true);
      assert.equal(engine.feed({ ...frames[1] }), false, 'the same frame again (a second wire)');
      const a = await engine.snapshot('cam');
      assert.equal(a.frame.seq, 1);
      assert.equal(await engine.snapshot('cam'), a, 'nothing new: the same snapshot');
      engine.feed(frames[2]);
      const b = await engine.snapshot('cam');
      assert.equal(b.frame.seq, 2);
      assert.notEqual(b, a);
    } finally {
      await engine.close();
    }
  });

  it('caps the GOP it keeps, and starts over when the codec changes', async () => {
    const engine = new SnapshotEngine({ maxGopFrames: 3 });
    try {
      const frames = h264Frames();
      for (const f of frames.slice(0, 10)) engine.feed(f);
      assert.equal(engine.newestFrame('cam')?.seq, 2, 'frames beyond the cap are not kept');
      const jpeg = motionClip({ codec: 'mjpeg' }).frames[0];
      engine.feed({ ...jpeg, frame: { ...jpeg.frame, camera: 'cam', seq: 50 } });
      const snap = await engine.snapshot('cam');
      assert.equal(snap.jpeg, jpeg.payload, 'a JPEG passes through');
      assert.deepEqual(engine.decoderPids, []);
    } finally {
      await engine.close();
    }
  });

  it('refuses P-frames before any keyframe and non-video frames', async () => {
    const engine = new SnapshotEngine();
    try {
      const frames = h264Frames();
      engine.feed(frames[3]);
      await assert.rejects(engine.snapshot('cam'), (e: Error) => e instanceof SnapshotInputError && /no h264 keyframe/.test(e.message));
      assert.throws(() => engine.feed({ ...frames[0], frame: { ...frames[0].frame, kind: 'audio', codec: 'aac' } }), SnapshotInputError);
    } finally {
      await engine.close();
    }
  });
});
