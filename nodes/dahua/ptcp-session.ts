// One PTCP session with one peer (spec §6.3–§6.7), made to behave like TCP where the captured
// implementations do not: bodies are delivered once and in order, duplicates are dropped and
// re-acked, early packets wait in a bounded buffer, `recv` is the highest contiguous offset,
// unacknowledged packets are resent (fast after three duplicate ACKs, else after a backed-off
// RTO), bytes in flight are capped, and offsets compare modulo 2^32. The session owns no
// socket: it is fed datagrams and hands datagrams to `send`, so the same code runs our side,
// the simulated device and the tests' lossy links.
//
// `role` picks the counter conventions of §6.3. 'client' is the PoC's (accepted by real
// devices): lmid counts packets, rmid echoes the last packet of any kind, pid counts down per
// non-empty packet, and ACKs are coalesced into the next packet we send. 'device' is the
// captured device's: lmid is a millisecond tick, rmid echoes the last non-empty packet, pid
// counts down with bytes received, and every non-empty packet is acked at once by a separate
// empty packet before any reply.

import { performance } from 'perf_hooks';
import { MAX_PTCP_DATAGRAM, PTCP_HEADER_BYTES, PtcpBody, SYN_PID, decodeBody, encodeBodyBehindHeader, isPtcp, writePtcpHeader } from './ptcp-packet';
import { seqAdd, seqDiff, seqLt, seqLte } from './serial-number';

export type PtcpRole = 'client' | 'device';
export type PtcpState = 'idle' | 'syn-sent' | 'open' | 'closed';

export interface PtcpSessionOptions {
  role: PtcpRole;
  /** Hands one datagram to the transport, addressed to the peer. */
  send(datagram: Buffer): void;
  /** Each body the peer sent, once, in the peer's order. */
  onBody?(body: PtcpBody): void;
  /** The SYNs have crossed: the session can carry bodies. */
  onOpen?(): void;
  /** The peer is gone (no ACK progress, or silence); the session is closed. Called once. */
  onDead?(reason: string): void;
  /** Room opened up in the send queue after `queuedBytes` went over the high-water mark. */
  onDrain?(): void;
  /** A datagram that was not PTCP, or a body we do not know; acked where it had a sequence. */
  onOddity?(what: string): void;
  now?: () => number;
  /** Device role: the first lmid tick value (the captured device started at an arbitrary 0x3D9C86EA). */
  lmidBase?: number;
  initialRtoMs?: number;
  minRtoMs?: number;
  maxRtoMs?: number;
  /** No ACK progress for this long while something is unacknowledged: the peer is dead. */
  deadAfterMs?: number;
  /** Nothing at all heard from the peer for this long: the peer is dead. 0 disables. */
  idleTimeoutMs?: number;
  /** Our own HEARTBEAT every so often once open (the PoC's duplex keep-alive). 0 disables. */
  heartbeatMs?: number;
  /** Body bytes sent but not yet acknowledged, at most (spec §6.6 suggests 32 KiB). */
  maxInFlightBytes?: number;
  /** Early bodies kept while waiting for a gap to fill. */
  maxOutOfOrderBytes?: number;
  /** `queuedBytes` above this makes `writable` false until it drains below half. */
  highWaterBytes?: number;
  /** Offset of our SYN. The captured peers use 0; tests start near 2^32 to cross the wrap. */
  firstOffset?: number;
}

export interface PtcpStats {
  /** Smoothed round-trip time, ms; null before the first sample. */
  rttMs: number | null;
  rtoMs: number;
  retransmissions: number;
  fastRetransmissions: number;
  duplicates: number;
  outOfOrder: number;
  /** Early bodies dropped because the out-of-order buffer was full (the peer resends them). */
  outOfOrderDropped: number;
  unknownBodies: number;
  malformed: number;
  bodyBytesSent: number;
  bodyBytesReceived: number;
  packetsSent: number;
  packetsReceived: number;
}

interface Unacked {
  sent: number;
  end: number;
  /** Header and body exactly as first sent: a retransmission repeats it byte for byte. */
  datagram: Buffer;
  firstSentAt: number;
  retransmitted: boolean;
}

const SYN_BODY_WORD = 0x00030100;

const TICK_MS = 250;
const PROBE_MIN_MS = 10;

export class PtcpSession {
  state: PtcpState = 'idle';
  readonly stats: PtcpStats = {
    rttMs: null,
    rtoMs: 0,
    retransmissions: 0,
    fastRetransmissions: 0,
    duplicates: 0,
    outOfOrder: 0,
    outOfOrderDropped: 0,
    unknownBodies: 0,
    malformed: 0,
    bodyBytesSent: 0,
    bodyBytesReceived: 0,
    packetsSent: 0,
    packetsReceived: 0,
  };

  private readonly o: Required<Omit<PtcpSessionOptions, 'onBody' | 'onOpen' | 'onDead' | 'onDrain' | 'onOddity'>> & PtcpSessionOptions;
  private readonly startedAt: number;
  /** Next offset we will send. */
  private sndNxt = 0;
  /** Oldest offset not yet acknowledged. */
  private sndUna = 0;
  /** Next offset we expect from the peer: what we put in `recv`. */
  private rcvNxt = 0;
  private lmidCounter = 0;
  private peerLmid = 0;
  private peerSynSeen = false;
  private nonEmptySent = 0;
  private readonly unacked: Unacked[] = [];
  private inFlightBytes = 0;
  /** Bodies waiting for room in the window, each already inside its datagram (header to fill in). */
  private readonly sendQueue: Buffer[] = [];
  private queued = 0;
  private blocked = false;
  private readonly early = new Map<number, Buffer>();
  private earlyBytes = 0;
  private srtt: number | null = null;
  private rttVar = 0;
  private rto: number;
  private dupAcks = 0;
  private recoverUntil: number | null = null;
  private lastProgressAt: number;
  private lastHeardAt: number;
  private lastHeartbeatAt: number;
  private rtoTimer: NodeJS.Timeout | null = null;
  /**
   * When the RTO (or the probe) is due, on the timers' clock; 0 when nothing is outstanding.
   * Every ACK that makes progress moves it; the one timer is only re-armed when it fires early,
   * so a stream of ACKs costs no timer churn.
   */
  private rtoDueAt = 0;
  private rtoTimerAt = 0;
  /** One early resend per stretch without ACK progress (a tail-loss probe), before the full RTO. */
  private probeAvailable = true;
  private probing = false;
  private tickTimer: NodeJS.Timeout | null = null;
  private ackPending = false;
  private ackImmediate: NodeJS.Immediate | null = null;

  constructor(options: PtcpSessionOptions) {
    this.o = {
      now: Date.now,
      lmidBase: 0,
      initialRtoMs: 400,
      minRtoMs: 200,
      maxRtoMs: 4000,
      deadAfterMs: 15_000,
      idleTimeoutMs: 30_000,
      heartbeatMs: 5000,
      maxInFlightBytes: 32 * 1024,
      maxOutOfOrderBytes: 256 * 1024,
      highWaterBytes: 256 * 1024,
      firstOffset: 0,
      ...options,
    };
    this.sndNxt = this.sndUna = this.o.firstOffset >>> 0;
    this.rto = this.o.initialRtoMs;
    this.stats.rtoMs = this.rto;
    this.startedAt = this.o.now();
    this.lastProgressAt = this.startedAt;
    this.lastHeardAt = this.startedAt;
    this.lastHeartbeatAt = this.startedAt;
  }

  /** Client: send the SYN. Device: wait for one. Starts the liveness clock either way. */
  start(): void {
    if (this.state !== 'idle') return;
    this.lastHeardAt = this.o.now();
    this.tickTimer = setInterval(() => this.guard(() => this.tick()), TICK_MS);
    if (this.o.role === 'client') {
      this.state = 'syn-sent';
      this.enqueue(encodeBodyBehindHeader({ type: 'syn' }));
    }
  }

  /** Queues a body for reliable, in-order delivery. False when the queue is over its high-water mark. */
  sendBody(body: PtcpBody): boolean {
    if (this.state === 'closed') return false;
    this.enqueue(encodeBodyBehindHeader(body));
    return this.writable;
  }

  get writable(): boolean {
    return !this.blocked;
  }

  /** Body bytes waiting for room in the window, not yet sent once. */
  get queuedBytes(): number {
    return this.queued;
  }

  get bytesInFlight(): number {
    return this.inFlightBytes;
  }

  /** Feeds one datagram from the peer. Never throws. */
  receive(datagram: Buffer): void {
    try {
      this.handle(datagram);
    } catch (err) {
      this.o.onOddity?.(`internal error: ${(err as Error).message}`);
    }
  }

  /** Stops everything; nothing is sent afterwards. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.rtoTimer) clearTimeout(this.rtoTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.ackImmediate) clearImmediate(this.ackImmediate);
    this.rtoTimer = null;
    this.rtoDueAt = 0;
    this.tickTimer = null;
    this.ackImmediate = null;
    this.unacked.length = 0;
    this.sendQueue.length = 0;
    this.early.clear();
    this.queued = this.inFlightBytes = this.earlyBytes = 0;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.onOddity?.(`internal error: ${(err as Error).message}`);
    }
  }

  private handle(datagram: Buffer): void {
    if (this.state === 'closed') return;
    // The header is read in place (spec §6.1): this runs for every datagram of the stream.
    if (!isPtcp(datagram) || datagram.length > MAX_PTCP_DATAGRAM) {
      this.stats.malformed++;
      this.o.onOddity?.('datagram that is not PTCP');
      return;
    }
    const sent = datagram.readUInt32BE(4);
    const recv = datagram.readUInt32BE(8);
    const bodyLength = datagram.length - PTCP_HEADER_BYTES;
    this.stats.packetsReceived++;
    this.lastHeardAt = this.o.now();
    const nonEmpty = bodyLength > 0;
    if (this.o.role === 'client' || nonEmpty) this.peerLmid = datagram.readUInt32BE(16);
    const isSyn = bodyLength === 4 && datagram.readUInt32BE(PTCP_HEADER_BYTES) === SYN_BODY_WORD;
    if (this.state === 'idle' && this.o.role === 'device' && !isSyn) return;
    // The peer's SYN fixes where its stream starts, as a TCP ISN does.
    if (isSyn && !this.peerSynSeen) {
      this.peerSynSeen = true;
      this.rcvNxt = sent;
    }
    if (!this.peerSynSeen) return; // nothing makes sense before the peer's SYN
    this.processAck(recv, !nonEmpty);
    if (!nonEmpty) return;

    const body = datagram.subarray(PTCP_HEADER_BYTES);
    const d = seqDiff(sent, this.rcvNxt);
    if (d < 0) this.stats.duplicates++;
    else if (d > 0) this.keepEarly(sent, body, d);
    else {
      this.rcvNxt = seqAdd(this.rcvNxt, bodyLength);
      this.stats.bodyBytesReceived += bodyLength;
    }
    // A duplicate or an early packet is acked at once, even by the client: the repeated recv is
    // what tells the peer's fast retransmit that something is missing.
    if (d !== 0) {
      this.transmitAck();
      return;
    }
    // In order: the early bodies it makes contiguous are taken out before anything is
    // dispatched, so that the ACK sent below (or coalesced) already covers them.
    const released = this.early.size > 0 ? this.drainEarly() : null;
    this.acknowledge(isSyn);
    this.dispatch(body);
    if (released) for (const raw of released) this.dispatch(raw);
  }

  /** Device: the SYN reply is the ACK of the SYN. Otherwise ACK now (device) or with our next packet (client). */
  private acknowledge(peerSyn: boolean): void {
    if (this.o.role === 'device') {
      if (peerSyn && this.state === 'idle') return;
      this.transmitAck();
      return;
    }
    this.ackPending = true;
    if (!this.ackImmediate) {
      this.ackImmediate = setImmediate(() => {
        this.ackImmediate = null;
        this.guard(() => {
          if (this.ackPending && this.state !== 'closed') this.transmitAck();
        });
      });
    }
  }

  private dispatch(raw: Buffer): void {
    const body = decodeBody(raw);
    if (body.type === 'data') {
      // the common case first; DATA only flows once the session is open
      if (this.state === 'open') this.deliverBody(body);
      return;
    }
    if (body.type === 'syn') {
      this.onPeerSyn();
      return;
    }
    if (body.type === 'unknown') {
      this.stats.unknownBodies++;
      this.o.onOddity?.(`unknown body (${body.why}), acked and ignored`);
      return;
    }
    if (this.state === 'open') this.deliverBody(body);
  }

  private deliverBody(body: PtcpBody): void {
    try {
      this.o.onBody?.(body);
    } catch (err) {
      this.o.onOddity?.(`body handler failed: ${(err as Error).message}`);
    }
  }

  private onPeerSyn(): void {
    if (this.o.role === 'device' && this.state === 'idle') {
      this.enqueue(encodeBodyBehindHeader({ type: 'syn' }));
      this.open();
    } else if (this.o.role === 'client' && this.state === 'syn-sent') {
      this.open();
    }
  }

  private open(): void {
    this.state = 'open';
    this.lastHeartbeatAt = this.o.now();
    this.o.onOpen?.();
  }

  private keepEarly(sent: number, body: Buffer, distance: number): void {
    this.stats.outOfOrder++;
    if (this.early.has(sent)) return;
    if (this.earlyBytes + body.length > this.o.maxOutOfOrderBytes || distance > this.o.maxOutOfOrderBytes * 4) {
      this.stats.outOfOrderDropped++;
      return;
    }
    this.early.set(sent, body);
    this.earlyBytes += body.length;
  }

  /** The early bodies that now follow rcvNxt without a gap, in order; rcvNxt moves past them. */
  private drainEarly(): Buffer[] {
    const delivered: Buffer[] = [];
    for (;;) {
      const next = this.early.get(this.rcvNxt);
      if (!next) break;
      this.early.delete(this.rcvNxt);
      this.earlyBytes -= next.length;
      delivered.push(next);
      this.stats.bodyBytesReceived += next.length;
      this.rcvNxt = seqAdd(this.rcvNxt, next.length);
    }
    // Anything left behind rcvNxt can never be delivered (a stale overlap); let it go.
    for (const [sent, body] of this.early) {
      if (seqLt(sent, this.rcvNxt)) {
        this.early.delete(sent);
        this.earlyBytes -= body.length;
      }
    }
    return delivered;
  }

  private processAck(recv: number, pure: boolean): void {
    if (seqLt(this.sndNxt, recv)) return; // acks bytes we never sent: bogus or stale session
    if (seqLt(this.sndUna, recv)) {
      this.ackAdvanced(recv);
      return;
    }
    if (pure && recv === this.sndUna && this.unacked.length > 0) {
      this.dupAcks++;
      if (this.dupAcks === 3 && this.recoverUntil === null) {
        this.recoverUntil = this.sndNxt;
        this.stats.fastRetransmissions++;
        this.retransmitOldest();
      }
    }
  }

  private ackAdvanced(recv: number): void {
    const now = this.o.now();
    let sample: number | null = null;
    let n = 0;
    while (n < this.unacked.length && seqLte(this.unacked[n].end, recv)) {
      const u = this.unacked[n];
      if (!u.retransmitted) sample = now - u.firstSentAt; // Karn: only never-resent packets time the path
      this.inFlightBytes -= seqDiff(u.end, u.sent);
      n++;
    }
    if (n === 0) return; // recv fell inside a packet: nothing whole was acknowledged
    if (n === this.unacked.length) this.unacked.length = 0;
    else this.unacked.splice(0, n);
    this.sndUna = this.unacked.length > 0 ? this.unacked[0].sent : this.sndNxt;
    this.lastProgressAt = now;
    this.dupAcks = 0;
    this.probeAvailable = true;
    if (sample !== null) this.updateRtt(sample);
    else this.rto = this.baseRto();
    this.stats.rtoMs = this.rto;
    if (this.recoverUntil !== null) {
      if (seqLte(this.recoverUntil, recv)) this.recoverUntil = null;
      else if (this.unacked.length > 0) this.retransmitOldest(); // partial ACK: the next hole
    }
    this.restartRtoTimer();
    this.pump();
  }

  private baseRto(): number {
    if (this.srtt === null) return this.o.initialRtoMs;
    return Math.min(this.o.maxRtoMs, Math.max(this.o.minRtoMs, this.srtt + 4 * this.rttVar));
  }

  private updateRtt(sample: number): void {
    if (this.srtt === null) {
      this.srtt = sample;
      this.rttVar = sample / 2;
    } else {
      this.rttVar = 0.75 * this.rttVar + 0.25 * Math.abs(this.srtt - sample);
      this.srtt = 0.875 * this.srtt + 0.125 * sample;
    }
    this.stats.rttMs = Math.round(this.srtt * 10) / 10;
    this.rto = this.baseRto();
  }

  private enqueue(datagram: Buffer): void {
    this.sendQueue.push(datagram);
    this.queued += datagram.length - PTCP_HEADER_BYTES;
    if (this.queued > this.o.highWaterBytes) this.blocked = true;
    this.pump();
  }

  private pump(): void {
    while (this.sendQueue.length > 0 && this.state !== 'closed') {
      const next = this.sendQueue[0];
      const bodyLength = next.length - PTCP_HEADER_BYTES;
      if (this.unacked.length > 0 && this.inFlightBytes + bodyLength > this.o.maxInFlightBytes) break;
      this.sendQueue.shift();
      this.queued -= bodyLength;
      this.transmitNew(next, bodyLength);
    }
    if (this.blocked && this.queued <= this.o.highWaterBytes / 2) {
      this.blocked = false;
      this.o.onDrain?.();
    }
  }

  /** Writes the header of a packet about to leave now, with the role's counter conventions (spec §6.3). */
  private stampHeader(datagram: Buffer, syn: boolean): Buffer {
    let pid: number;
    if (syn) pid = SYN_PID;
    else if (this.o.role === 'client') pid = (0xffff - this.nonEmptySent) & 0xffff;
    else pid = (0xffff - seqDiff(this.rcvNxt, 4)) & 0xffff;
    const lmid = this.o.role === 'client' ? this.lmidCounter++ : this.o.lmidBase + (this.o.now() - this.startedAt);
    return writePtcpHeader(datagram, this.sndNxt, this.rcvNxt, pid, lmid, this.peerLmid);
  }

  private transmitNew(datagram: Buffer, bodyLength: number): void {
    const syn = bodyLength === 4 && datagram[PTCP_HEADER_BYTES] === 0;
    this.stampHeader(datagram, syn);
    if (!syn) this.nonEmptySent++;
    const sent = this.sndNxt;
    const now = this.o.now();
    this.sndNxt = seqAdd(this.sndNxt, bodyLength);
    this.unacked.push({ sent, end: this.sndNxt, datagram, firstSentAt: now, retransmitted: false });
    this.inFlightBytes += bodyLength;
    this.stats.bodyBytesSent += bodyLength;
    if (this.unacked.length === 1) {
      this.sndUna = sent;
      this.lastProgressAt = now;
    }
    this.ackPending = false;
    this.transmit(datagram);
    if (this.rtoDueAt === 0) this.restartRtoTimer();
  }

  private transmitAck(): void {
    this.ackPending = false;
    this.transmit(this.stampHeader(Buffer.allocUnsafe(PTCP_HEADER_BYTES), false));
  }

  private transmit(datagram: Buffer): void {
    this.stats.packetsSent++;
    this.o.send(datagram);
  }

  /** Resends the oldest unacknowledged packet exactly as it first went out (spec §6.3). */
  private retransmitOldest(): void {
    const u = this.unacked[0];
    if (!u) return;
    u.retransmitted = true;
    this.stats.retransmissions++;
    this.transmit(u.datagram);
  }

  private restartRtoTimer(): void {
    if (this.unacked.length === 0 || this.state === 'closed') {
      this.rtoDueAt = 0; // an armed timer finds nothing due and stops
      return;
    }
    // When a lost packet (or a lost retransmission) leaves nothing behind it to trigger
    // duplicate ACKs, waiting a whole RTO stalls the stream; probe once after about two RTTs.
    this.probing = this.probeAvailable && this.srtt !== null;
    const delay = this.probing ? Math.min(this.rto, Math.max(PROBE_MIN_MS, 2 * this.srtt! + 4 * this.rttVar)) : this.rto;
    const due = performance.now() + delay;
    this.rtoDueAt = due;
    if (this.rtoTimer && this.rtoTimerAt <= due) return; // it fires first and waits out the rest
    if (this.rtoTimer) clearTimeout(this.rtoTimer);
    this.armRtoTimer(due, delay);
  }

  private armRtoTimer(at: number, delay: number): void {
    this.rtoTimerAt = at;
    this.rtoTimer = setTimeout(() => this.onRtoTimer(), delay);
  }

  private onRtoTimer(): void {
    this.rtoTimer = null;
    if (this.rtoDueAt === 0 || this.state === 'closed') return;
    const left = this.rtoDueAt - performance.now();
    if (left > 0) {
      this.armRtoTimer(this.rtoDueAt, left);
      return;
    }
    this.rtoDueAt = 0;
    this.guard(() => this.onRto());
  }

  private onRto(): void {
    if (this.state === 'closed' || this.unacked.length === 0) return;
    if (this.probing) {
      this.probeAvailable = false;
      this.retransmitOldest();
      this.restartRtoTimer();
      return;
    }
    if (this.o.now() - this.lastProgressAt >= this.o.deadAfterMs) {
      this.die(`no acknowledgement for ${Math.round((this.o.now() - this.lastProgressAt) / 1000)} s`);
      return;
    }
    this.recoverUntil = this.sndNxt;
    this.dupAcks = 0;
    this.retransmitOldest();
    this.rto = Math.min(this.rto * 2, this.o.maxRtoMs);
    this.stats.rtoMs = this.rto;
    this.restartRtoTimer();
  }

  private tick(): void {
    if (this.state === 'closed') return;
    const now = this.o.now();
    if (this.o.idleTimeoutMs > 0 && now - this.lastHeardAt >= this.o.idleTimeoutMs) {
      this.die(`nothing heard for ${Math.round((now - this.lastHeardAt) / 1000)} s`);
      return;
    }
    if (this.state === 'open' && this.o.heartbeatMs > 0 && now - this.lastHeartbeatAt >= this.o.heartbeatMs) {
      this.lastHeartbeatAt = now;
      this.enqueue(encodeBodyBehindHeader({ type: 'heartbeat' }));
    }
  }

  private die(reason: string): void {
    if (this.state === 'closed') return;
    this.close();
    this.o.onDead?.(reason);
  }
}
