// The status every node shows, in one vocabulary (CONVENTIONS.md, "Status and events"), and a
// throttle so a streaming node updates the editor at most once a second: the editor's comms
// channel is shared by every node and a 30 fps status storm makes it sluggish.

export type StatusFill = 'red' | 'green' | 'yellow' | 'blue' | 'grey';
export type StatusShape = 'ring' | 'dot';

export interface NodeStatusLike {
  fill?: StatusFill;
  shape?: StatusShape;
  text?: string;
}

export type SourceState = 'connecting' | 'online' | 'streaming' | 'offline' | 'error' | 'stopped';

/** The payload of a `<camera>/status` message. */
export interface StatusPayload {
  state: SourceState;
  reason?: string;
  [extra: string]: unknown;
}

/** A type alias, not an interface, so it is assignable to Node-RED's open message type. */
export type StatusMessage = {
  topic: string;
  payload: StatusPayload;
};

const MAX_TEXT = 20;

function fit(text: string): string {
  return text.length <= MAX_TEXT ? text : text.slice(0, MAX_TEXT - 1) + '…';
}

function seconds(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)}m` : `${Math.max(1, Math.round(ms / 1000))}s`;
}

/** Builders for the standard looks, so every node paints the same state the same way. */
export const Status = {
  idle: (text = 'idle'): NodeStatusLike => ({ fill: 'grey', shape: 'ring', text: fit(text) }),
  connecting: (text = 'connecting'): NodeStatusLike => ({ fill: 'yellow', shape: 'ring', text: fit(text) }),
  connected: (text = 'connected'): NodeStatusLike => ({ fill: 'green', shape: 'dot', text: fit(text) }),
  streaming: (fps: number): NodeStatusLike => ({ fill: 'green', shape: 'dot', text: fit(`streaming ${formatRate(fps)} fps`) }),
  offline: (retryMs?: number): NodeStatusLike => ({
    fill: 'red',
    shape: 'ring',
    text: fit(retryMs === undefined ? 'offline' : `offline, retry ${seconds(retryMs)}`),
  }),
  error: (text: string): NodeStatusLike => ({ fill: 'red', shape: 'dot', text: fit(text) }),
  info: (text: string): NodeStatusLike => ({ fill: 'blue', shape: 'dot', text: fit(text) }),
  clear: (): NodeStatusLike => ({}),
};

function formatRate(rate: number): string {
  if (rate >= 10 || Number.isInteger(rate)) return String(Math.round(rate));
  return rate.toFixed(1);
}

export function statusMessage(camera: string, state: SourceState, extra: Omit<StatusPayload, 'state'> = {}): StatusMessage {
  return { topic: `${camera}/status`, payload: { ...extra, state } };
}

export interface StatusThrottleOptions {
  minIntervalMs?: number;
  now?: () => number;
}

/**
 * Passes statuses to `sink` at most once per interval. The newest status always wins: one that
 * arrives too early is held and shown when the interval ends, so the last word is never lost.
 * Repeats of what is already shown are dropped.
 */
export class StatusThrottle {
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private lastShownAt = -Infinity;
  private shown: string | null = null;
  private pending: NodeStatusLike | null = null;
  private timer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(private readonly sink: (status: NodeStatusLike) => void, options: StatusThrottleOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  set(status: NodeStatusLike): void {
    if (this.disposed) return;
    if (key(status) === this.shown) {
      this.pending = null;
      return;
    }
    const wait = this.lastShownAt + this.minIntervalMs - this.now();
    if (wait <= 0 && !this.timer) {
      this.show(status);
      return;
    }
    this.pending = status;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        const next = this.pending;
        this.pending = null;
        if (next && !this.disposed) this.show(next);
      }, Math.max(wait, 0));
    }
  }

  /** Stops the timer; nothing is shown afterwards. */
  dispose(): void {
    this.disposed = true;
    this.pending = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private show(status: NodeStatusLike): void {
    this.lastShownAt = this.now();
    this.shown = key(status);
    this.sink(status);
  }
}

function key(status: NodeStatusLike): string {
  return `${status.fill ?? ''}|${status.shape ?? ''}|${status.text ?? ''}`;
}

/** Events per second over a sliding window, for "streaming 10 fps" and bytes/s figures. */
export class RateMeter {
  private readonly stamps: number[] = [];
  private readonly amounts: number[] = [];
  private total = 0;

  constructor(private readonly windowMs = 2000, private readonly now: () => number = Date.now) {}

  add(amount = 1): void {
    const t = this.now();
    this.stamps.push(t);
    this.amounts.push(amount);
    this.total += amount;
    this.expire(t);
  }

  /** Per second, over the window. */
  rate(): number {
    const t = this.now();
    this.expire(t);
    return (this.total * 1000) / this.windowMs;
  }

  private expire(t: number): void {
    let drop = 0;
    while (drop < this.stamps.length && this.stamps[drop] <= t - this.windowMs) {
      this.total -= this.amounts[drop];
      drop++;
    }
    if (drop > 0) {
      this.stamps.splice(0, drop);
      this.amounts.splice(0, drop);
    }
  }
}
