import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FanoutHub, HubStateInfo, Producer, ProducerSink } from '../../nodes/core/fanout-hub';
import { delay, waitFor } from '../support/node-red';

/** A producer the test drives by hand, recording its starts and stops. */
class ManualProducer implements Producer<number> {
  starts = 0;
  stops = 0;
  sink: ProducerSink<number> | null = null;
  start(sink: ProducerSink<number>): void {
    this.starts++;
    this.sink = sink;
  }
  stop(): void {
    this.stops++;
    this.sink = null;
  }
}

describe('FanoutHub', () => {
  it('starts the producer with the first consumer and stops it after the last', () => {
    const p = new ManualProducer();
    const hub = new FanoutHub(p);
    assert.equal(p.starts, 0);
    const a = hub.subscribe({ deliver: () => {} });
    const b = hub.subscribe({ deliver: () => {} });
    assert.equal(p.starts, 1, 'one producer for two consumers');
    a.close();
    assert.equal(p.stops, 0);
    b.close();
    assert.equal(p.stops, 1);
    assert.equal(hub.state.state, 'idle');
    b.close(); // twice is harmless
    assert.equal(p.stops, 1);
  });

  it('delivers every item to every consumer', () => {
    const p = new ManualProducer();
    const hub = new FanoutHub(p);
    const got: number[][] = [[], [], []];
    got.forEach((list) => hub.subscribe({ deliver: (n) => void list.push(n) }));
    p.sink!.up();
    for (let i = 0; i < 100; i++) p.sink!.emit(i);
    for (const list of got) assert.deepEqual(list, Array.from({ length: 100 }, (_, i) => i));
    hub.close();
  });

  it('lets a slow consumer drop (and count) without stalling the others', async () => {
    const p = new ManualProducer();
    const hub = new FanoutHub(p);
    const fast: number[] = [];
    const slow: number[] = [];
    hub.subscribe({ deliver: (n) => void fast.push(n) });
    const slowSub = hub.subscribe({ deliver: (n) => { slow.push(n); return delay(5); } }, { queueLimit: 4 });
    for (let i = 0; i < 50; i++) p.sink!.emit(i);
    assert.equal(fast.length, 50, 'the fast consumer got everything at once');
    await waitFor(() => slowSub.queued === 0 && slow.length === 5, 2000, 'slow consumer to drain');
    assert.deepEqual(slow, [0, 46, 47, 48, 49], 'the slow one keeps the newest items');
    assert.equal(slowSub.dropped, 45);
    assert.equal(slowSub.delivered + slowSub.dropped, 50, 'every item is delivered or counted');
    hub.close();
  });

  it('after an overflow, a keyed consumer resumes only at the next key item', async () => {
    const p = new ManualProducer();
    const hub = new FanoutHub(p);
    const got: number[] = [];
    // Multiples of 10 are "keyframes".
    const sub = hub.subscribe({ deliver: (n) => { got.push(n); return delay(2); } }, { queueLimit: 3, isKey: (n) => n % 10 === 0 });
    for (let i = 0; i < 23; i++) p.sink!.emit(i);
    await waitFor(() => sub.queued === 0, 2000);
    await delay(5);
    assert.deepEqual(got, [0, 20, 21, 22], 'nothing between the overflow and the next key item');
    assert.equal(sub.delivered + sub.dropped, 23);
    hub.close();
  });

  it('restarts a failed producer with backoff while consumers stay attached', async () => {
    const p = new ManualProducer();
    const states: HubStateInfo[] = [];
    const hub = new FanoutHub(p, { backoff: { initialMs: 20, jitter: 0 } });
    const got: number[] = [];
    hub.subscribe({ deliver: (n) => void got.push(n), onState: (s) => void states.push(s) });
    p.sink!.up();
    p.sink!.emit(1);
    const oldSink = p.sink!;
    oldSink.fail(new Error('camera went away'));
    assert.equal(p.stops, 1);
    assert.equal(hub.state.state, 'waiting');
    assert.equal(hub.state.retryMs, 20);
    oldSink.emit(99); // a late item from the dead connection is ignored
    await waitFor(() => p.starts === 2, 1000, 'restart');
    p.sink!.up();
    p.sink!.emit(2);
    assert.deepEqual(got, [1, 2]);
    assert.equal(hub.consumerCount, 1);
    assert.deepEqual(states.map((s) => s.state), ['starting', 'running', 'waiting', 'starting', 'running']);
    assert.equal(states[2].error?.message, 'camera went away');
    hub.close();
  });

  it('keeps doubling the delay when the producer keeps failing, and stops retrying when nobody listens', async () => {
    let starts = 0;
    const hub = new FanoutHub<number>({ start: (sink) => { starts++; setImmediate(() => sink.fail(new Error('refused'))); }, stop: () => {} }, { backoff: { initialMs: 10, jitter: 0 } });
    const retries: number[] = [];
    const sub = hub.subscribe({ deliver: () => {}, onState: (s) => { if (s.retryMs) retries.push(s.retryMs); } });
    await waitFor(() => retries.length >= 4, 2000);
    assert.deepEqual(retries.slice(0, 4), [10, 20, 40, 80]);
    sub.close();
    const startsAtClose = starts;
    await delay(200);
    assert.equal(starts, startsAtClose, 'no retry after the last consumer left');
    hub.close();
  });

  it('survives consumers and producers that throw', () => {
    const errors: unknown[] = [];
    const hub = new FanoutHub<number>({ start: () => { throw new Error('cannot start'); }, stop: () => {} }, { backoff: { initialMs: 10_000 }, onConsumerError: (e) => errors.push(e) });
    const got: number[] = [];
    hub.subscribe({ deliver: () => { throw new Error('bad consumer'); } });
    assert.equal(hub.state.state, 'waiting');
    hub.close();

    const p = new ManualProducer();
    const hub2 = new FanoutHub(p, { onConsumerError: (e) => errors.push(e) });
    hub2.subscribe({ deliver: () => { throw new Error('bad consumer'); } });
    hub2.subscribe({ deliver: (n) => void got.push(n) });
    p.sink!.emit(7);
    assert.deepEqual(got, [7]);
    assert.equal(errors.length, 1);
    hub2.close();
    assert.equal(p.stops, 1);
    assert.throws(() => hub2.subscribe({ deliver: () => {} }), /closed/);
  });

  it('restart() reconnects at once and resets the backoff', () => {
    const p = new ManualProducer();
    const hub = new FanoutHub(p);
    hub.subscribe({ deliver: () => {} });
    hub.restart();
    assert.equal(p.starts, 2);
    assert.equal(p.stops, 1);
    hub.close();
  });
});
