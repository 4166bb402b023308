// The 605 RETRANSMISSION_CONFIRM pacing (spec §4.3). The camera stops sending after ~111
// unconfirmed packets or ~4 s without a 605, so the cloud confirms what it received: an empty
// 605 on the first END, then every 100 ms the ids received since the previous 605 (video and
// audio alike), as intx82's server does at ~10 fps.

import { encodeConfirm } from './naxclow-header';

/** Ids per 605 packet: keeps the datagram under 1044 bytes, like a media datagram. */
const MAX_IDS_PER_CONFIRM = 256;
/** Ids remembered between two confirms; beyond this the oldest are not confirmed (memory cap). */
const MAX_PENDING_IDS = 4096;

export class ConfirmScheduler {
  private pending: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  sent = 0;

  constructor(private readonly send: (packet: Buffer) => void, private readonly intervalMs = 100) {}

  get running(): boolean {
    return this.timer !== null;
  }

  received(pkgId: number): void {
    if (this.pending.length < MAX_PENDING_IDS) this.pending.push(pkgId);
  }

  /** A frame ended: the first one starts the confirms. */
  frameEnded(): void {
    if (this.timer) return;
    this.emit([]);
    this.timer = setInterval(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    const ids = this.pending.sort((a, b) => a - b);
    this.pending = [];
    if (ids.length === 0) {
      this.emit([]);
      return;
    }
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CONFIRM) this.emit(ids.slice(i, i + MAX_IDS_PER_CONFIRM));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private emit(ids: number[]): void {
    this.sent++;
    try {
      this.send(encodeConfirm(ids));
    } catch {
      /* the channel logs its own send errors */
    }
  }
}
