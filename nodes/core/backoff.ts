// Reconnect pacing shared by every connection (CONVENTIONS.md: 1 s doubling to 60 s, with jitter).
// Jitter spreads the retries of many cameras that went offline together (a router reboot), so
// they do not all hit the network in the same tick. The policy resets only after the connection
// has stayed up for a while: a camera that accepts and drops at once must not be retried at 1 s.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Fraction of the delay added or removed at random: 0.2 gives ±20 %. */
  jitter?: number;
  /** How long a connection must stay healthy before the next failure starts again from `initialMs`. */
  healthyMs?: number;
  random?: () => number;
  now?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly healthyMs: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private attempt = 0;
  private healthySince: number | null = null;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 60_000;
    this.factor = options.factor ?? 2;
    this.jitter = Math.min(Math.max(options.jitter ?? 0.2, 0), 1);
    this.healthyMs = options.healthyMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** The delay before the next attempt, after a failure. */
  next(): number {
    if (this.healthySince !== null && this.now() - this.healthySince >= this.healthyMs) this.attempt = 0;
    this.healthySince = null;
    const base = Math.min(this.initialMs * this.factor ** this.attempt, this.maxMs);
    if (base < this.maxMs) this.attempt++;
    const spread = base * this.jitter * (this.random() * 2 - 1);
    return Math.max(0, Math.round(Math.min(base + spread, this.maxMs * (1 + this.jitter))));
  }

  /** The connection is up: start the healthy clock. */
  succeeded(): void {
    this.healthySince = this.now();
  }

  /** Forget all history, e.g. after the user asked for a restart. */
  reset(): void {
    this.attempt = 0;
    this.healthySince = null;
  }

  get attempts(): number {
    return this.attempt;
  }
}
