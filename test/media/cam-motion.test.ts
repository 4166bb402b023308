import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import camMotion = require('../../nodes/media/motion/cam-motion');
import { TAB, helper, record, waitFor } from '../support/node-red';
import { ffmpegChildren, motionClip } from './media-fixtures';


function flow(extra: Record<string, unknown> = {}): object[] {
  return [
    TAB,
    { id: 'm', z: 'f1', type: 'cam-motion', name: '', sensitivity: 50, minArea: 1, cooldown: 1, mask: '', ffmpegPath: '', wires: [['out']], ...extra },
    { id: 'out', z: 'f1', type: 'helper' },
    { id: 'c', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper' },
  ];
}

function statuses(nodeId: string): { fill?: string; shape?: string; text?: string }[] {
  const seen: { fill?: string; shape?: string; text?: string }[] = [];
  helper.getNode(nodeId).on('call:status', (call: { args: unknown[] }) => seen.push(call.args[0] as { text?: string }));
  return seen;
}

describe('cam-motion node', () => {
  afterEach(() => helper.unload());
  after(() => assert.deepEqual(ffmpegChildren(), [], 'no ffmpeg left behind by any test'));

  it('sends start and end events with the frame that caused them (MJPEG clip)', async () => {
    const clip = motionClip({ codec: 'mjpeg', enter: 30, leave: 50 });
    await helper.load(camMotion, flow());
    const events = record('out');
    const errors = record('caught');
    const node = helper.getNode('m');
    for (const f of clip.frames) node.receive({ ...f, extra: 'kept' });
    await waitFor(() => events.length >= 2, 20_000, 'start and end');
    assert.deepEqual(errors, []);
    const [start, end] = events;
    assert.equal(start.motion.event, 'start');
    assert.equal(start.topic, 'clip/motion');
    assert.equal(start.frame.seq, 30);
    assert.ok(start.payload.equals(clip.frames[30].payload), 'the triggering JPEG, untouched');
    assert.equal(start.extra, 'kept');
    assert.ok(start.motion.area > 0.01 && start.motion.boxes.length >= 1);
    assert.equal(end.motion.event, 'end');
    assert.equal(end.frame.seq, 59);
    assert.equal(end.motion.frames, 20);
    assert.equal(events.length, 2);
  });

  it('takes overrides per message: a large minimum area ignores the object', async () => {
    const clip = motionClip({ codec: 'mjpeg', enter: 30, leave: 50 });
    await helper.load(camMotion, flow());
    const events = record('out');
    const node = helper.getNode('m');
    for (const f of clip.frames) node.receive({ ...f, minArea: 50 });
    // The same clip again without the override: frames of a camera are judged in order, so when
    // its start arrives every frame of the first pass has been judged.
    for (const f of clip.frames) node.receive({ ...f, frame: { ...f.frame, seq: f.frame.seq + 100, timestamp: f.frame.timestamp + 8000 } });
    await waitFor(() => events.length >= 1, 20_000, 'the second pass');
    assert.equal(events[0].motion.event, 'start');
    assert.equal(events[0].frame.seq, 130, 'nothing from the first pass');
  });

  it('gives a catchable error for a broken JPEG, a non-frame and an audio frame, then goes on', async () => {
    const clip = motionClip({ codec: 'mjpeg' });
    await helper.load(camMotion, flow());
    const errors = record('caught');
    const shown = statuses('m');
    const node = helper.getNode('m');
    const good = clip.frames[0];
    node.receive({ ...good, payload: good.payload.subarray(0, 500) });
    node.receive({ payload: 'hello' });
    node.receive({ ...good, frame: { ...good.frame, kind: 'audio', codec: 'pcmu' } });
    await waitFor(() => errors.length === 3, 10_000, 'three errors');
    // The non-frame is refused at once; the other two after their turn in the camera's queue.
    const messages = errors.map((e) => e.error.message).sort().join('\n');
    assert.match(messages, /broken JPEG/);
    assert.match(messages, /needs a frame message/);
    assert.match(messages, /not audio pcmu/);
    await waitFor(() => shown.some((s) => s.fill === 'red' && s.shape === 'dot'), 5000, 'a red status');
    const events = record('out');
    for (const f of motionClip({ codec: 'mjpeg', enter: 30, leave: 50 }).frames) node.receive(f);
    await waitFor(() => events.length === 2, 20_000, 'events after the bad frames');
    assert.equal(errors.length, 3);
  });

  it('shows a red status and a catchable error when ffmpeg is missing', async () => {
    const clip = motionClip({ codec: 'h264' });
    await helper.load(camMotion, flow({ ffmpegPath: '/nonexistent/ffmpeg' }));
    const errors = record('caught');
    const shown = statuses('m');
    helper.getNode('m').receive(clip.frames[0]);
    await waitFor(() => errors.length === 1, 10_000, 'an error');
    assert.match(errors[0].error.message, /ffmpeg not found/);
    await waitFor(() => shown.some((s) => s.fill === 'red' && s.text === 'ffmpeg missing'), 5000, 'the red status');
  });

  it('H.264: events from keyframes through ffmpeg, and no ffmpeg left after redeploys', async () => {
    const clip = motionClip({ codec: 'h264', enter: 30, leave: 50, gop: 10 });
    for (let round = 0; round < 3; round++) {
      await helper.load(camMotion, flow());
      const events = record('out');
      const node = helper.getNode('m');
      for (const f of clip.frames) node.receive(f);
      await waitFor(() => events.length >= 2, 30_000, 'start and end');
      assert.deepEqual(events.map((e) => [e.motion.event, e.frame.seq]), [['start', 30], ['end', 59]]);
      assert.equal(ffmpegChildren().length, 1, 'one decoder for the camera');
      await helper.unload();
      assert.deepEqual(ffmpegChildren(), [], `no ffmpeg after redeploy ${round + 1}`);
    }
  });
});
