// One Dahua device, one PTCP session, shared by every tunnel that uses it (spec §6.5, §6.7):
// runs the handshake (direct first, relay as the fallback when the hole punch fails), carries
// the realms, and when the session dies closes the realms' sockets and does the whole
// handshake again with backoff. The tunnels' TCP listeners stay open meanwhile; a client that
// connects while the device is away waits (bounded) for the session to come back.

import { lookup } from 'dns/promises';
import type { Socket } from 'net';
import { Backoff, BackoffOptions } from '../core/backoff';
import { RateMeter } from '../core/status';
import { WsseCredentials } from './dh-http';
import { ClientRealms, RealmEvent, RealmTarget } from './client-realms';
import { EstablishedSession, HandshakeError, HandshakeOptions, PathMode, establish } from './handshake';
import { isIpv4 } from './ipv4';

export type ConnectionState = 'idle' | 'connecting' | 'online' | 'offline' | 'error' | 'stopped';

export interface DahuaConnectionOptions {
  serial: string;
  /** Main server host name or IPv4, and port. */
  cloudHost: string;
  cloudPort: number;
  app: WsseCredentials;
  auth: 'auto' | 'legacy' | 'device-credential';
  account?: { user: string; password: string };
  mode: 'auto' | 'direct' | 'relay';
  bindHost?: string;
  stepTimeoutMs?: number;
  stunTimeoutMs?: number;
  session?: HandshakeOptions['session'];
  backoff?: BackoffOptions;
  /** Clients that connect while the device is away wait this long for it. */
  pendingTimeoutMs?: number;
  maxPending?: number;
  maxRealms?: number;
  log?(message: string): void;
}

export interface ConnectionInfo {
  state: ConnectionState;
  path: PathMode | null;
  reason?: string;
  retryMs?: number;
}

export interface ConnectionStats {
  path: PathMode | null;
  realms: number;
  rttMs: number | null;
  retransmissions: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  bytesIn: number;
  bytesOut: number;
  sessions: number;
}

interface PendingClient {
  socket: Socket;
  target: RealmTarget;
  timer: NodeJS.Timeout;
  onRealm?: (realm: number | null) => void;
}

export class DahuaConnection {
  info: ConnectionInfo = { state: 'idle', path: null };
  private readonly listeners = new Set<(info: ConnectionInfo) => void>();
  private readonly realmListeners = new Set<(event: RealmEvent) => void>();
  private readonly backoff: Backoff;
  private current: EstablishedSession | null = null;
  private realms: ClientRealms | null = null;
  private abort: AbortController | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private readonly pending: PendingClient[] = [];
  private auth: 'legacy' | 'device-credential';
  private generation = 0;
  private sessions = 0;
  private retransmissionsBefore = 0;
  private readonly inRate = new RateMeter(3000);
  private readonly outRate = new RateMeter(3000);
  private bytesIn = 0;
  private bytesOut = 0;
  private lastIn = 0;
  private lastOut = 0;

  constructor(private readonly o: DahuaConnectionOptions) {
    this.backoff = new Backoff(o.backoff);
    this.auth = o.auth === 'device-credential' ? 'device-credential' : 'legacy';
  }

  onState(listener: (info: ConnectionInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onRealm(listener: (event: RealmEvent) => void): () => void {
    this.realmListeners.add(listener);
    return () => this.realmListeners.delete(listener);
  }

  get running(): boolean {
    return this.info.state !== 'idle' && this.info.state !== 'stopped';
  }

  start(): void {
    if (this.running) return;
    this.statsTimer = setInterval(() => this.sampleRates(), 1000);
    this.attempt();
  }

  /** Closes the session and every realm; pending clients are turned away. */
  stop(): void {
    this.generation++;
    this.clearTimers();
    this.abort?.abort();
    this.abort = null;
    this.dropSession('stopped');
    for (const p of this.pending.splice(0)) this.rejectPending(p);
    this.setInfo({ state: 'stopped', path: null });
  }

  restart(): void {
    this.stop();
    this.backoff.reset();
    this.start();
  }

  /**
   * Carries one accepted TCP client to `target` on the device. `onRealm` hears the realm id, or
   * null when the client was turned away.
   */
  openRealm(socket: Socket, target: RealmTarget, onRealm?: (realm: number | null) => void): void {
    socket.on('error', () => {});
    if (this.info.state === 'online' && this.realms) {
      // not inside `onRealm?.(…)`: an optional call skips evaluating its arguments
      const realm = this.realms.open(socket, target);
      onRealm?.(realm);
      return;
    }
    if (!this.running || this.pending.length >= (this.o.maxPending ?? 32)) {
      socket.destroy();
      onRealm?.(null);
      return;
    }
    socket.pause();
    const entry: PendingClient = { socket, target, onRealm, timer: setTimeout(() => this.rejectPending(entry), this.o.pendingTimeoutMs ?? 15_000) };
    this.pending.push(entry);
    socket.once('close', () => {
      const i = this.pending.indexOf(entry);
      if (i >= 0) {
        this.pending.splice(i, 1);
        clearTimeout(entry.timer);
      }
    });
  }

  stats(): ConnectionStats {
    const s = this.current?.session.stats;
    return {
      path: this.current?.path ?? null,
      realms: this.realms?.size ?? 0,
      rttMs: s?.rttMs ?? null,
      retransmissions: this.retransmissionsBefore + (s?.retransmissions ?? 0),
      bytesInPerSec: Math.round(this.inRate.rate()),
      bytesOutPerSec: Math.round(this.outRate.rate()),
      bytesIn: this.bytesIn + (this.realms?.counters.bytesFromDevice ?? 0),
      bytesOut: this.bytesOut + (this.realms?.counters.bytesToDevice ?? 0),
      sessions: this.sessions,
    };
  }

  private rejectPending(p: PendingClient): void {
    const i = this.pending.indexOf(p);
    if (i >= 0) this.pending.splice(i, 1);
    clearTimeout(p.timer);
    p.socket.destroy();
    p.onRealm?.(null);
  }

  private setInfo(info: ConnectionInfo): void {
    this.info = info;
    for (const l of this.listeners) {
      try {
        l(info);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.retryTimer = this.statsTimer = null;
  }

  private sampleRates(): void {
    const c = this.realms?.counters;
    const inNow = this.bytesIn + (c?.bytesFromDevice ?? 0);
    const outNow = this.bytesOut + (c?.bytesToDevice ?? 0);
    this.inRate.add(inNow - this.lastIn);
    this.outRate.add(outNow - this.lastOut);
    this.lastIn = inNow;
    this.lastOut = outNow;
  }

  private attempt(): void {
    const generation = ++this.generation;
    this.setInfo({ state: 'connecting', path: null });
    this.abort = new AbortController();
    this.connect(this.abort.signal).then(
      (est) => {
        if (generation !== this.generation) {
          est.close();
          return;
        }
        this.adopt(est);
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        this.failed(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private async connect(signal: AbortSignal): Promise<EstablishedSession> {
    const o = this.o;
    const host = isIpv4(o.cloudHost) ? o.cloudHost : (await lookup(o.cloudHost, { family: 4 })).address;
    const base: HandshakeOptions = {
      serial: o.serial,
      cloud: { host, port: o.cloudPort },
      app: o.app,
      auth: this.auth,
      account: o.account,
      path: o.mode === 'relay' ? 'relay' : 'direct',
      bindHost: o.bindHost ?? '0.0.0.0',
      stepTimeoutMs: o.stepTimeoutMs,
      stunTimeoutMs: o.stunTimeoutMs,
      session: o.session,
      log: o.log,
      signal,
    };
    try {
      return await establish(base);
    } catch (err) {
      if (!(err instanceof HandshakeError)) throw err;
      if (err.code === 'invalid-salt' && o.auth === 'auto' && this.auth === 'legacy' && o.account?.user) {
        o.log?.('the device wants its credentials: switching to device-credential auth');
        this.auth = 'device-credential';
        return this.connect(signal);
      }
      if (err.code === 'stun-timeout' && o.mode === 'auto') {
        o.log?.('hole punch failed: falling back to the relay');
        return establish({ ...base, path: 'relay' });
      }
      throw err;
    }
  }

  private adopt(est: EstablishedSession): void {
    this.current = est;
    this.sessions++;
    const realms = new ClientRealms(est.session, { maxRealms: this.o.maxRealms, onEvent: (e) => this.realmListeners.forEach((l) => l(e)) });
    this.realms = realms;
    est.hooks.onBody = (body) => realms.handleBody(body);
    est.hooks.onDrain = () => realms.drained();
    est.hooks.onOddity = (what) => this.o.log?.(`PTCP: ${what}`);
    est.hooks.onDead = (reason) => {
      if (this.current !== est) return;
      this.dropSession(`session lost: ${reason}`);
      this.failed(new Error(`session lost: ${reason}`));
    };
    this.backoff.succeeded();
    this.setInfo({ state: 'online', path: est.path });
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      if (p.socket.destroyed) continue;
      const realm = realms.open(p.socket, p.target);
      p.onRealm?.(realm);
    }
  }

  private dropSession(reason: string): void {
    const est = this.current;
    const realms = this.realms;
    this.current = null;
    this.realms = null;
    if (realms) {
      this.bytesIn += realms.counters.bytesFromDevice;
      this.bytesOut += realms.counters.bytesToDevice;
      realms.closeAll(reason);
    }
    if (est) {
      this.retransmissionsBefore += est.session.stats.retransmissions;
      est.close();
    }
  }

  private failed(err: Error): void {
    this.abort = null;
    const needsUser = err instanceof HandshakeError && err.needsUser;
    const retryMs = this.backoff.next();
    this.setInfo({ state: needsUser ? 'error' : 'offline', path: null, reason: err.message, retryMs });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.attempt();
    }, retryMs);
  }
}
