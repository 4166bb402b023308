// Shared measuring for `npm run bench`: every figure is measured beside a baseline in the same
// run, alternating the two so that machine load affects both alike, and reported as a ratio.

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
  [extra: string]: unknown;
}

/** Median of `rounds` timings (ms) of `fn`, each round repeating it until `minMs` have passed. */
export function timeRounds(fn: () => void, rounds = 7, minMs = 200): { msPerCall: number } {
  const samples: number[] = [];
  fn(); // warm up
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    } while (elapsed < minMs);
    samples.push(elapsed / calls);
  }
  samples.sort((a, b) => a - b);
  return { msPerCall: samples[Math.floor(samples.length / 2)] };
}

/**
 * Mean µs per item of `fn` over `items`, after one warm-up pass (JIT and caches): whole passes
 * are timed, `rounds` of them, or as many as fill `minMs`. `fn` gets the item's running number.
 */
export function usPerItem<T>(items: T[], fn: (item: T, n: number) => void, repeat: { rounds: number } | { minMs: number }): number {
  for (const item of items) fn(item, 0);
  let n = 0;
  let passes = 0;
  let elapsedMs = 0;
  const started = process.hrtime.bigint();
  do {
    for (const item of items) fn(item, n++);
    passes++;
    elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  } while ('rounds' in repeat ? passes < repeat.rounds : elapsedMs < repeat.minMs);
  return (elapsedMs * 1000) / n;
}

/** Times subject and baseline in alternation and returns both medians. */
export function compare(subject: () => void, baseline: () => void, rounds = 7): { subjectMs: number; baselineMs: number } {
  const s: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    s.push(timeRounds(subject, 1).msPerCall);
    b.push(timeRounds(baseline, 1).msPerCall);
  }
  return { subjectMs: median(s), baselineMs: median(b) };
}

/** Measurements that take real time (transfers, sessions): subject and baseline in alternation, `rounds` each, medians. */
export async function alternate(subject: () => Promise<number>, baseline: () => Promise<number>, rounds: number): Promise<{ subject: number; baseline: number }> {
  const s: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    b.push(await baseline());
    s.push(await subject());
  }
  return { subject: median(s), baseline: median(b) };
}

export function median(xs: number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
