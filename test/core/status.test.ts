import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedQueue } from '../../nodes/core/bounded-queue';
import { FrameStamper, isFrameMessage } from '../../nodes/core/frame';
import { NodeStatusLike, RateMeter, Status, StatusThrottle, statusMessage } from '../../nodes/core/status';
import { delay } from '../support/node-red';

describe('Status builders', () => {
  it('paint the conventional looks and keep text under 20 characters', () => {
    assert.deepEqual(Status.connecting(), { fill: 'yellow', shape: 'ring', text: 'connecting' });
    assert.deepEqual(Status.streaming(10), { fill: 'green', shape: 'dot', text: 'streaming 10 fps' });
    assert.deepEqual(Status.streaming(2.5), { fill: 'green', shape: 'dot', text: 'streaming 2.5 fps' });
    assert.deepEqual(Status.offline(8000), { fill: 'red', shape: 'ring', text: 'offline, retry 8s' });
    assert.deepEqual(Status.offline(120_000).text, 'offline, retry 2m');
    assert.equal(Status.error('wrong password').shape, 'dot');
    assert.equal(Status.idle().fill, 'grey');
    const long = Status.error('a very long explanation of the failure');
    assert.ok(long.text!.length <= 20);
  });

  it('builds <camera>/status messages', () => {
    assert.deepEqual(statusMessage('cam1', 'offline', { reason: 'timeout' }), {
      topic: 'cam1/status',
      payload: { state: 'offline', reason: 'timeout' },
    });
  });
});

describe('StatusThrottle', () => {
  it('shows the first status at once, holds later ones, and the newest wins', async () => {
    const shown: NodeStatusLike[] = [];
    const t = new StatusThrottle((s) => shown.push(s), { minIntervalMs: 60 });
    t.set(Status.connecting());
    t.set(Status.streaming(1));
    t.set(Status.streaming(2));
    t.set(Status.streaming(3));
    assert.equal(shown.length, 1);
    await delay(100);
    assert.deepEqual(shown.map((s) => s.text), ['connecting', 'streaming 3 fps']);
    t.dispose();
  });

  it('drops repeats and shows nothing after dispose', async () => {
    const shown: NodeStatusLike[] = [];
    const t = new StatusThrottle((s) => shown.push(s), { minIntervalMs: 20 });
    t.set(Status.idle());
    await delay(30);
    t.set(Status.idle());
    assert.equal(shown.length, 1);
    t.set(Status.error('x'));
    t.set(Status.error('y'));
    t.dispose();
    await delay(40);
    assert.equal(shown.length, 2, 'only the immediate one, nothing after dispose');
  });
});

describe('RateMeter', () => {
  it('counts events per second over its window', () => {
    let now = 0;
    const m = new RateMeter(1000, () => now);
    for (let i = 0; i < 10; i++) {
      m.add();
      now += 100;
    }
    assert.equal(m.rate(), 9); // the event at t=0 has left the window at t=1000
    now += 5000;
    assert.equal(m.rate(), 0);
  });
});

describe('BoundedQueue', () => {
  it('is FIFO, refuses when full, and wraps around', () => {
    const q = new BoundedQueue<number>(3);
    assert.ok(q.push(1) && q.push(2) && q.push(3));
    assert.equal(q.push(4), false);
    assert.equal(q.shift(), 1);
    assert.ok(q.push(4));
    assert.deepEqual([q.shift(), q.shift(), q.shift(), q.shift()], [2, 3, 4, undefined]);
    q.push(5);
    assert.equal(q.clear(), 1);
    assert.equal(q.length, 0);
    assert.throws(() => new BoundedQueue(0), RangeError);
  });
});

describe('FrameStamper', () => {
  it('stamps the contract fields and counts per kind from 0', () => {
    const s = new FrameStamper('cam', 'assembler', () => 1234);
    const a = s.stamp(Buffer.from([1]), { codec: 'h264', keyframe: false, width: 640, height: 480 });
    const b = s.stamp(Buffer.from([2]), { codec: 'pcma', sampleRate: 8000, channels: 1 });
    const c = s.stamp(Buffer.from([3]), { codec: 'jpeg' });
    assert.deepEqual(a.frame, { camera: 'cam', source: 'assembler', kind: 'video', codec: 'h264', keyframe: false, seq: 0, timestamp: 1234, width: 640, height: 480 });
    assert.deepEqual(b.frame, { camera: 'cam', source: 'assembler', kind: 'audio', codec: 'pcma', keyframe: true, seq: 0, timestamp: 1234, sampleRate: 8000, channels: 1 });
    assert.equal(c.frame.seq, 1);
    assert.equal(c.frame.keyframe, true, 'JPEG is always a keyframe');
    assert.equal(a.topic, 'cam');
    assert.ok(isFrameMessage(a));
    assert.equal(isFrameMessage({ payload: 'x' }), false);
    s.reset();
    assert.equal(s.stamp(Buffer.alloc(1), { codec: 'jpeg' }).frame.seq, 0);
  });
});
