// A fixed-capacity FIFO that never grows: the caller decides what to drop when it is full.
// A ring buffer rather than Array#shift so a busy queue costs O(1) per item on a Raspberry Pi.

export class BoundedQueue<T> {
  private readonly slots: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    this.slots = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Adds at the tail; returns false (and adds nothing) when full. */
  push(item: T): boolean {
    if (this.count === this.capacity) return false;
    this.slots[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return true;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  /** Empties the queue and returns how many items were in it. */
  clear(): number {
    const n = this.count;
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
    return n;
  }
}
