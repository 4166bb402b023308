import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../nodes/core/backoff';

describe('Backoff', () => {
  it('doubles from 1 s to a 60 s ceiling when there is no jitter', () => {
    const b = new Backoff({ jitter: 0 });
    const delays = Array.from({ length: 9 }, () => b.next());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('spreads each delay by the jitter fraction, both ways', () => {
    const low = new Backoff({ jitter: 0.2, random: () => 0 });
    const high = new Backoff({ jitter: 0.2, random: () => 0.999999 });
    assert.equal(low.next(), 800);
    assert.equal(high.next(), 1200);
    assert.equal(low.next(), 1600);
    assert.equal(high.next(), 2400);
  });

  it('varies between instances with real randomness, within bounds', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const d = new Backoff().next();
      assert.ok(d >= 800 && d <= 1200, `delay ${d} outside 1 s ± 20 %`);
      seen.add(d);
    }
    assert.ok(seen.size > 5, 'jitter should give different delays');
  });

  it('starts again from 1 s only after a healthy period', () => {
    let now = 0;
    const b = new Backoff({ jitter: 0, healthyMs: 30_000, now: () => now });
    b.next();
    b.next();
    b.next(); // 4 s
    b.succeeded();
    now += 5_000; // up for 5 s only: a flapping camera
    assert.equal(b.next(), 8000);
    b.succeeded();
    now += 30_000; // up long enough
    assert.equal(b.next(), 1000);
  });

  it('reset() forgets the history', () => {
    const b = new Backoff({ jitter: 0 });
    b.next();
    b.next();
    b.reset();
    assert.equal(b.attempts, 0);
    assert.equal(b.next(), 1000);
  });
});
