// The simulated device and relay agent on the PTCP side: one UDP socket each, one PtcpSession
// (role 'device', the captured counters) per client address, faults injected both ways.
// The device also answers inverted STUN and sends its own Binding Requests to a client the
// cloud announced; the agent hands out signs (0x17 → 0x18) that the device then checks in
// 0x19, and in relay mode carries realms itself.

import { randomBytes } from 'crypto';
import { createSocket, RemoteInfo, Socket } from 'dgram';
import { FaultInjector, FaultOptions } from './fault-injector';
import { STUN_BINDING_REQUEST, STUN_BINDING_RESPONSE, STUN_MAGIC_COOKIE, decodeInvertedStun, encodeInvertedStun, looksLikeInvertedStun } from '../../nodes/dahua/inverted-stun';
import { PtcpBody, isPtcp } from '../../nodes/dahua/ptcp-packet';
import { PtcpSession } from '../../nodes/dahua/ptcp-session';
import { DeviceServices, SimDeviceRealms } from './sim-device-realms';
import { Address } from '../../nodes/dahua/udp-endpoint';
import { bindUdp } from '../../nodes/core/listening';

export interface SimPeerContext {
  /** Signs handed out by the agent, as hex; the device accepts 0x19 only with one of them. */
  signs: Set<string>;
  services(): DeviceServices;
  faults(): FaultOptions;
  heartbeatMs: number;
}

interface PeerSession {
  session: PtcpSession;
  realms: SimDeviceRealms;
  inbound: FaultInjector;
  outbound: FaultInjector;
  authed: boolean;
}

export class SimPtcpPeer {
  readonly identify = randomBytes(8);
  alive = true;
  /** A NAT that lets no hole be punched: inverted STUN is dropped both ways. */
  stunBlocked = false;
  /** PTCP sessions opened by clients so far. */
  sessionsOpened = 0;
  stunRequestsAnswered = 0;
  private readonly sessions = new Map<string, PeerSession>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private socket: Socket | null = null;
  address: Address = { host: '127.0.0.1', port: 0 };

  constructor(private readonly role: 'device' | 'agent', private readonly ctx: SimPeerContext, private readonly onOther?: (datagram: Buffer, from: RemoteInfo) => void) {}

  async listen(host: string, port = 0): Promise<void> {
    const socket = createSocket('udp4');
    this.address = { host, port: await bindUdp(socket, port, host) };
    socket.on('error', () => {});
    socket.on('message', (d: Buffer, r: RemoteInfo) => this.onDatagram(d, r));
    this.socket = socket;
  }

  get realmsOpen(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.realms.size;
    return n;
  }

  send(datagram: Buffer, to: Address): void {
    try {
      this.socket?.send(datagram, to.port, to.host);
    } catch {
      // socket closed under us
    }
  }

  /** Device: the cloud told us a client is coming; punch towards it as the real device does. */
  expectClient(client: Address): void {
    if (this.role !== 'device' || !this.alive || this.stunBlocked) return;
    const txid = randomBytes(12);
    const request = encodeInvertedStun({ type: STUN_BINDING_REQUEST, cookie: STUN_MAGIC_COOKIE, txid, identify: this.identify, address: client });
    for (let i = 0; i < 3; i++) this.later(i * 150, () => this.send(request, client));
  }

  /** Drops every session silently, as a device that lost power. */
  dropSessions(): void {
    for (const s of this.sessions.values()) this.dispose(s);
    this.sessions.clear();
  }

  close(): void {
    this.dropSessions();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
    this.socket = null;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onDatagram(datagram: Buffer, rinfo: RemoteInfo): void {
    try {
      const from = { host: rinfo.address, port: rinfo.port };
      if (isPtcp(datagram)) {
        if (this.alive) this.onPtcp(datagram, from);
      } else if (looksLikeInvertedStun(datagram) && this.role === 'device') {
        if (this.alive && !this.stunBlocked) this.onStun(datagram, from);
      } else this.onOther?.(datagram, rinfo);
    } catch {
      // a simulator must not fall over on bad input either
    }
  }

  private onStun(datagram: Buffer, from: Address): void {
    const msg = decodeInvertedStun(datagram);
    if (!msg || msg.type !== STUN_BINDING_REQUEST) return;
    this.stunRequestsAnswered++;
    this.send(encodeInvertedStun({ type: STUN_BINDING_RESPONSE, cookie: STUN_MAGIC_COOKIE, txid: msg.txid, identify: this.identify, address: from }), from);
    // the captured device then repeated a 12-byte confirm five times
    const confirm = encodeInvertedStun({ type: STUN_BINDING_RESPONSE, cookie: STUN_MAGIC_COOKIE, txid: msg.txid, identify: this.identify });
    for (let i = 1; i <= 5; i++) this.later(i * 20, () => this.send(confirm, from));
  }

  private onPtcp(datagram: Buffer, from: Address): void {
    const key = `${from.host}:${from.port}`;
    let peer = this.sessions.get(key);
    if (peer && peer.session.state === 'closed') {
      this.dispose(peer);
      this.sessions.delete(key);
      peer = undefined;
    }
    if (!peer) {
      if (datagram.length !== 28 || datagram.readUInt32BE(24) !== 0x00030100) return; // only a SYN opens a session
      peer = this.createSession(from);
      this.sessions.set(key, peer);
    }
    peer.inbound.pass(datagram);
  }

  private createSession(from: Address): PeerSession {
    const outbound = new FaultInjector((d) => this.send(d, from), this.ctx.faults());
    let peer!: PeerSession;
    const session = new PtcpSession({
      role: 'device',
      lmidBase: randomBytes(4).readUInt32BE(0),
      send: (d) => {
        outbound.set(this.ctx.faults());
        outbound.pass(d);
      },
      onBody: (body) => this.onBody(peer, body),
      onOpen: () => this.sessionsOpened++,
      onDrain: () => peer.realms.drained(),
      onDead: () => peer.realms.closeAll(),
      heartbeatMs: this.ctx.heartbeatMs,
      idleTimeoutMs: 60_000,
      minRtoMs: 100,
    });
    const inbound = new FaultInjector((d) => session.receive(d), this.ctx.faults());
    const realms = new SimDeviceRealms(session, () => this.ctx.services());
    peer = { session, realms, inbound, outbound, authed: this.role === 'agent' };
    session.start();
    return peer;
  }

  private onBody(peer: PeerSession, body: PtcpBody): void {
    peer.inbound.set(this.ctx.faults());
    switch (body.type) {
      case 'sign-request': {
        if (this.role !== 'agent') return;
        const sign = randomBytes(4);
        this.ctx.signs.add(sign.toString('hex'));
        peer.session.sendBody({ type: 'sign-reply', sign });
        return;
      }
      case 'auth':
        if (this.role !== 'device' || !this.ctx.signs.has(body.sign.toString('hex'))) return;
        peer.session.sendBody({ type: 'auth-reply', token: randomBytes(4) });
        return;
      case 'auth-done':
        peer.authed = true;
        return;
      case 'bind':
      case 'data':
      case 'status':
        if (peer.authed) peer.realms.handleBody(body);
        return;
      default:
        return; // heartbeats are acked by the session; nothing else to do
    }
  }

  private dispose(peer: PeerSession): void {
    peer.session.close();
    peer.realms.closeAll();
    peer.inbound.close();
    peer.outbound.close();
  }
}
