// One camera connection, many consumers (flow nodes, HTTP viewers, RTSP clients).
// The producer runs only while someone listens: started by the first consumer, stopped after the
// last. When the producer fails, the hub restarts it with backoff and the consumers stay attached,
// so a viewer sees a pause, not a disconnect. Each consumer has its own bounded queue: a slow one
// loses (and counts) frames and never stalls the producer or the other consumers.

import { Backoff, BackoffOptions } from './backoff';
import { BoundedQueue } from './bounded-queue';

export type HubState = 'idle' | 'starting' | 'running' | 'waiting' | 'closed';

export interface HubStateInfo {
  state: HubState;
  /** Set while waiting: how long until the next start attempt. */
  retryMs?: number;
  /** Set while waiting: why the producer failed. */
  error?: Error;
}

/** What a producer uses to hand over items and report its health. */
export interface ProducerSink<T> {
  emit(item: T): void;
  /** The source is connected; starts the backoff's healthy clock. */
  up(): void;
  /** The source is lost; the hub stops the producer and starts it again later. */
  fail(err: Error): void;
}

export interface Producer<T> {
  start(sink: ProducerSink<T>): void;
  stop(): void;
}

export interface Consumer<T> {
  /** Return a promise to say "busy until this settles"; items queue up meanwhile. */
  deliver(item: T): void | Promise<void>;
  onState?(info: HubStateInfo): void;
}

export interface SubscribeOptions<T> {
  /** Items waiting per consumer before drops start (default 30). */
  queueLimit?: number;
  /**
   * For streams where items depend on earlier ones (H.264 P-frames): after an overflow, the
   * queue is emptied and items are skipped until the next one this returns true for.
   */
  isKey?(item: T): boolean;
}

export interface HubOptions {
  backoff?: BackoffOptions;
  onState?(info: HubStateInfo): void;
  /** A consumer threw or rejected; the item counts as delivered and the hub goes on. */
  onConsumerError?(err: unknown): void;
}

export class Subscription<T> {
  delivered = 0;
  dropped = 0;
  private readonly queue: BoundedQueue<T>;
  private busy = false;
  private waitingForKey = false;
  private closed = false;

  constructor(
    private readonly hub: FanoutHub<T>,
    readonly consumer: Consumer<T>,
    private readonly options: SubscribeOptions<T>,
    private readonly onError: (err: unknown) => void,
  ) {
    this.queue = new BoundedQueue<T>(options.queueLimit ?? 30);
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Leaves the hub; the last one to leave stops the producer. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    this.hub.unsubscribe(this);
  }

  /** @internal called by the hub for every produced item */
  offer(item: T): void {
    if (this.closed) return;
    const isKey = this.options.isKey;
    if (this.waitingForKey) {
      if (!isKey!(item)) {
        this.dropped++;
        return;
      }
      this.waitingForKey = false;
    }
    if (!this.busy && this.queue.length === 0) {
      this.deliverNow(item);
      return;
    }
    if (this.queue.push(item)) return;
    if (isKey) {
      this.dropped += this.queue.clear();
      if (isKey(item)) this.queue.push(item);
      else {
        this.dropped++;
        this.waitingForKey = true;
      }
    } else {
      this.queue.shift();
      this.dropped++;
      this.queue.push(item);
    }
  }

  private deliverNow(item: T): void {
    let result: void | Promise<void>;
    try {
      result = this.consumer.deliver(item);
    } catch (err) {
      this.onError(err);
      result = undefined;
    }
    this.delivered++;
    if (result && typeof (result as Promise<void>).then === 'function') {
      this.busy = true;
      (result as Promise<void>).then(() => this.drain(), (err: unknown) => {
        this.onError(err);
        this.drain();
      });
    }
  }

  private drain(): void {
    this.busy = false;
    while (!this.busy && !this.closed && this.queue.length > 0) this.deliverNow(this.queue.shift() as T);
  }
}

export class FanoutHub<T> {
  private readonly subscriptions = new Set<Subscription<T>>();
  private readonly backoff: Backoff;
  private info: HubStateInfo = { state: 'idle' };
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private producerRunning = false;

  constructor(private readonly producer: Producer<T>, private readonly options: HubOptions = {}) {
    this.backoff = new Backoff(options.backoff);
  }

  get state(): HubStateInfo {
    return this.info;
  }

  get consumerCount(): number {
    return this.subscriptions.size;
  }

  /** Totals over the current consumers, for status output. */
  get stats(): { consumers: number; delivered: number; dropped: number } {
    let delivered = 0;
    let dropped = 0;
    for (const s of this.subscriptions) {
      delivered += s.delivered;
      dropped += s.dropped;
    }
    return { consumers: this.subscriptions.size, delivered, dropped };
  }

  subscribe(consumer: Consumer<T>, options: SubscribeOptions<T> = {}): Subscription<T> {
    if (this.info.state === 'closed') throw new Error('hub is closed');
    const onError = (err: unknown) => this.options.onConsumerError?.(err);
    const sub = new Subscription<T>(this, consumer, options, onError);
    this.subscriptions.add(sub);
    if (this.subscriptions.size === 1 && this.info.state === 'idle') this.startProducer();
    else this.tell(consumer, this.info);
    return sub;
  }

  /** @internal use Subscription#close */
  unsubscribe(sub: Subscription<T>): void {
    if (!this.subscriptions.delete(sub)) return;
    if (this.subscriptions.size === 0 && this.info.state !== 'closed') {
      this.stopProducer();
      this.setState({ state: 'idle' });
    }
  }

  /** Stops and starts the producer now (a user's restart); consumers stay attached. */
  restart(): void {
    if (this.info.state === 'closed' || this.subscriptions.size === 0) return;
    this.stopProducer();
    this.backoff.reset();
    this.startProducer();
  }

  /** Stops the producer and detaches every consumer; the hub cannot be used again. */
  close(): void {
    if (this.info.state === 'closed') return;
    this.stopProducer();
    const subs = [...this.subscriptions];
    this.subscriptions.clear();
    this.setState({ state: 'closed' });
    for (const s of subs) s.close();
  }

  private startProducer(): void {
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    const sink: ProducerSink<T> = {
      emit: (item) => {
        if (current()) for (const s of this.subscriptions) s.offer(item);
      },
      up: () => {
        if (!current()) return;
        this.backoff.succeeded();
        this.setState({ state: 'running' });
      },
      fail: (err) => {
        if (current()) this.producerFailed(err);
      },
    };
    this.setState({ state: 'starting' });
    this.producerRunning = true;
    try {
      this.producer.start(sink);
    } catch (err) {
      if (current()) this.producerFailed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private stopProducer(): void {
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (!this.producerRunning) return;
    this.producerRunning = false;
    try {
      this.producer.stop();
    } catch (err) {
      this.options.onConsumerError?.(err);
    }
  }

  private producerFailed(error: Error): void {
    this.stopProducer();
    const retryMs = this.backoff.next();
    this.setState({ state: 'waiting', retryMs, error });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.subscriptions.size > 0 && this.info.state === 'waiting') this.startProducer();
    }, retryMs);
  }

  private setState(info: HubStateInfo): void {
    this.info = info;
    try {
      this.options.onState?.(info);
    } catch (err) {
      this.options.onConsumerError?.(err);
    }
    for (const s of this.subscriptions) this.tell(s.consumer, info);
  }

  private tell(consumer: Consumer<T>, info: HubStateInfo): void {
    try {
      consumer.onState?.(info);
    } catch (err) {
      this.options.onConsumerError?.(err);
    }
  }
}
