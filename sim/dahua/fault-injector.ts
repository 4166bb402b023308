// Loss, duplication and reordering of datagrams, for the simulator and the tests' links.
// Reordering delays a datagram by a few milliseconds so later ones overtake it, as a real path
// with several routes does.

export interface FaultOptions {
  /** Probability (0..1) that a datagram is dropped. */
  loss?: number;
  /** Probability that a datagram is delivered twice. */
  duplicate?: number;
  /** Probability that a datagram is held back so that later ones overtake it. */
  reorder?: number;
  /** Longest hold-back for a reordered datagram. */
  reorderDelayMs?: number;
  random?: () => number;
}

export interface FaultStats {
  passed: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

export class FaultInjector {
  readonly stats: FaultStats = { passed: 0, dropped: 0, duplicated: 0, reordered: 0 };
  private options: FaultOptions;
  /** The object last given to set(): the simulator hands over the same one until faults change. */
  private lastSet: FaultOptions | null = null;
  private faulty: boolean;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly deliver: (datagram: Buffer) => void, options: FaultOptions = {}) {
    this.options = options;
    this.faulty = isFaulty(options);
  }

  set(options: FaultOptions): void {
    if (options === this.lastSet) return;
    this.lastSet = options;
    this.options = { ...this.options, ...options };
    this.faulty = isFaulty(this.options);
  }

  pass(datagram: Buffer): void {
    if (this.closed) return;
    this.stats.passed++;
    if (!this.faulty) {
      this.deliver(datagram);
      return;
    }
    const random = this.options.random ?? Math.random;
    if (random() < (this.options.loss ?? 0)) {
      this.stats.dropped++;
      return;
    }
    const copies = random() < (this.options.duplicate ?? 0) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (random() < (this.options.reorder ?? 0)) {
        this.stats.reordered++;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.closed) this.deliver(datagram);
        }, 1 + Math.floor(random() * (this.options.reorderDelayMs ?? 8)));
        this.timers.add(timer);
      } else {
        this.deliver(datagram);
      }
    }
  }

  /** Drops whatever is held back; nothing is delivered afterwards. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

function isFaulty(o: FaultOptions): boolean {
  return (o.loss ?? 0) > 0 || (o.duplicate ?? 0) > 0 || (o.reorder ?? 0) > 0;
}
