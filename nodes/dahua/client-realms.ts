// Our side of the realms (spec §6.5): one realm per accepted TCP client, several at once on
// one session. BIND, wait for CONN (10 s), pipe both ways, DISC when either side ends. DATA for
// a realm we do not know is dropped (the session has already acked it).

import type { Socket } from 'net';
import { randomBytes } from 'crypto';
import { PtcpBody } from './ptcp-packet';
import { RealmLink, RealmPipe } from './realm-pipe';

export interface RealmTarget {
  /** Port on the device side: 554 RTSP, 80 HTTP, 37777 Dahua private protocol… */
  port: number;
  /** Address on the device side; 127.0.0.1 is the device itself. */
  ip: string;
}

export interface ClientRealmsOptions {
  connectTimeoutMs?: number;
  maxRealms?: number;
  maxBacklogBytes?: number;
  random?: () => number;
  onEvent?(event: RealmEvent): void;
}

export type RealmEvent =
  | { kind: 'open'; realm: number; target: RealmTarget }
  | { kind: 'closed'; realm: number; reason: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'stray'; realm: number; what: string };

interface RealmEntry {
  pipe: RealmPipe;
  target: RealmTarget;
  connected: boolean;
  timer: NodeJS.Timeout | null;
}

export interface RealmCounters {
  opened: number;
  closed: number;
  strayData: number;
  overflowClosed: number;
  bytesToDevice: number;
  bytesFromDevice: number;
}

export class ClientRealms {
  readonly counters: RealmCounters = { opened: 0, closed: 0, strayData: 0, overflowClosed: 0, bytesToDevice: 0, bytesFromDevice: 0 };
  private readonly realms = new Map<number, RealmEntry>();
  private readonly connectTimeoutMs: number;
  private readonly maxRealms: number;

  constructor(private readonly link: RealmLink, private readonly options: ClientRealmsOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.maxRealms = options.maxRealms ?? 64;
  }

  get size(): number {
    return this.realms.size;
  }

  /** Binds a new realm for an accepted socket. The socket stays paused until CONN. */
  open(socket: Socket, target: RealmTarget): number | null {
    socket.pause();
    if (this.realms.size >= this.maxRealms) {
      socket.destroy();
      this.options.onEvent?.({ kind: 'refused', reason: `${this.maxRealms} realms already open` });
      return null;
    }
    const realm = this.freshRealm();
    const pipe = new RealmPipe(realm, socket, this.link, {
      maxBacklogBytes: this.options.maxBacklogBytes,
      onBytesOut: (n) => (this.counters.bytesToDevice += n),
      onBytesIn: (n) => (this.counters.bytesFromDevice += n),
    });
    const entry: RealmEntry = { pipe, target, connected: false, timer: null };
    entry.timer = setTimeout(() => this.finish(realm, `no CONN within ${this.connectTimeoutMs / 1000} s`, true), this.connectTimeoutMs);
    this.realms.set(realm, entry);
    socket.on('error', () => {}); // 'close' follows and does the cleanup
    socket.on('close', () => this.finish(realm, 'client closed', true));
    this.link.sendBody({ type: 'bind', realm, port: target.port, ip: target.ip });
    return realm;
  }

  /** Bodies from the session that concern realms. */
  handleBody(body: PtcpBody): void {
    if (body.type === 'data') {
      const entry = this.realms.get(body.realm);
      if (!entry || !entry.connected) {
        this.counters.strayData++;
        this.options.onEvent?.({ kind: 'stray', realm: body.realm, what: 'DATA for an unknown realm, dropped' });
        return;
      }
      if (!entry.pipe.deliver(body.payload)) {
        this.counters.overflowClosed++;
        this.finish(body.realm, 'client too slow, backlog over its cap', true);
      }
      return;
    }
    if (body.type !== 'status') return;
    const entry = this.realms.get(body.realm);
    if (!entry) return;
    if (body.status === 'CONN' && !entry.connected) {
      entry.connected = true;
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      this.counters.opened++;
      entry.pipe.start();
      this.options.onEvent?.({ kind: 'open', realm: body.realm, target: entry.target });
    } else if (body.status === 'DISC') {
      this.finish(body.realm, 'device closed the connection', false, true);
    }
  }

  /** The session's send queue drained: resume sockets paused for it. */
  drained(): void {
    for (const entry of this.realms.values()) entry.pipe.sessionDrained();
  }

  /** The session is gone: every client is disconnected (they reconnect through the listener). */
  closeAll(reason: string): void {
    for (const realm of [...this.realms.keys()]) this.finish(realm, reason, false);
  }

  private finish(realm: number, reason: string, tellDevice: boolean, graceful = false): void {
    const entry = this.realms.get(realm);
    if (!entry) return;
    this.realms.delete(realm);
    if (entry.timer) clearTimeout(entry.timer);
    entry.pipe.close(graceful);
    this.counters.closed++;
    if (tellDevice) this.link.sendBody({ type: 'status', realm, status: 'DISC' });
    this.options.onEvent?.({ kind: 'closed', realm, reason });
  }

  private freshRealm(): number {
    for (;;) {
      const realm = this.options.random ? Math.floor(this.options.random() * 0xffffffff) >>> 0 : randomBytes(4).readUInt32BE(0);
      if (realm !== 0 && !this.realms.has(realm)) return realm;
    }
  }
}
