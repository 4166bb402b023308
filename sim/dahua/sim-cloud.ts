// The simulated Easy4IP side of the handshake (spec §3): the main server, the P2P server, the
// relay server and the relay agent's signalling, each on its own loopback UDP port, answering
// DH-HTTP with the bodies of the captured session. The WSSE digest is checked against the app
// credentials; the device-credential proof is checked when the device demands it. The reply to
// relay-channel goes out from the agent's port, as the real one does.

import { randomBytes } from 'crypto';
import { createSocket, RemoteInfo, Socket } from 'dgram';
import { DhRequest, WsseCredentials, buildDhReply, formatCreated, parseDhRequest, parseWsse, wsseDigest } from '../../nodes/dahua/dh-http';
import { decryptLocalAddr, deriveLocalAddrKey, devAuth, deviceKey, encryptInfoBlob, encryptLocalAddr, formatIdentify } from '../../nodes/dahua/device-auth';
import { SimPtcpPeer } from './sim-ptcp-peer';
import { Address } from '../../nodes/dahua/udp-endpoint';
import { buildXmlBody } from '../../nodes/dahua/xml-body';
import { bindUdp } from '../../nodes/core/listening';

export interface SimDeviceAccount {
  user: string;
  password: string;
  randsalt: string;
  /** Newer firmware: refuse channel requests without DevAuth (403 DevPwd_InvalidSalt). */
  requireAuth: boolean;
}

export interface SimCloudState {
  serial: string;
  app: WsseCredentials;
  account: SimDeviceAccount;
  /** Every request gets 401 (wrong app credentials). */
  unauthorized: boolean;
  /** The relay server never answers /relay/agent. */
  relayDead: boolean;
  /** Delay before the p2p-channel 200: the time the cloud takes to reach the device. */
  p2pReplyDelayMs: number;
  requests: string[];
  /** The UDP ports clients sent requests from (S_dev and S_relay of each handshake), bounded. */
  clientPorts: Set<number>;
}

type Reply = { status: number; reason: string; fields?: ReadonlyArray<readonly [string, string]>; emptyBody?: boolean };

const XML_PROLOGUE = '<?xml version="1.0" encoding="UTF-8"?>';
const MAX_LOGGED_REQUESTS = 1000;

class DhServer {
  private socket: Socket | null = null;
  address: Address = { host: '127.0.0.1', port: 0 };

  constructor(private readonly onRequest: (req: DhRequest, from: Address) => void) {}

  async listen(host: string): Promise<void> {
    const socket = createSocket('udp4');
    this.address = { host, port: await bindUdp(socket, 0, host) };
    socket.on('error', () => {});
    socket.on('message', (d: Buffer, r: RemoteInfo) => this.handle(d, r));
    this.socket = socket;
  }

  handle(datagram: Buffer, r: RemoteInfo): void {
    try {
      const req = parseDhRequest(datagram);
      if (req) this.onRequest(req, { host: r.address, port: r.port });
    } catch {
      // never fall over on input
    }
  }

  send(datagram: Buffer, to: Address): void {
    try {
      this.socket?.send(datagram, to.port, to.host);
    } catch {
      // closed
    }
  }

  close(): void {
    try {
      this.socket?.close();
    } catch {
      // closed
    }
    this.socket = null;
  }
}

export class SimCloud {
  readonly main: DhServer;
  readonly p2p: DhServer;
  readonly relay: DhServer;
  private readonly tokens = new Set<string>();

  /** Relay tokens handed out by /relay/agent and not yet released by /relay/unbind on the relay server. */
  get relayTokens(): string[] {
    return [...this.tokens];
  }
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly state: SimCloudState, private readonly device: SimPtcpPeer, private readonly agent: SimPtcpPeer) {
    this.main = new DhServer((req, from) => this.guarded(this.main, req, from, () => this.onMain(req, from)));
    this.p2p = new DhServer((req, from) => this.guarded(this.p2p, req, from, () => this.onP2p(req)));
    this.relay = new DhServer((req, from) => this.guarded(this.relay, req, from, () => this.onRelay(req)));
  }

  async listen(host: string): Promise<void> {
    await this.main.listen(host);
    await this.p2p.listen(host);
    await this.relay.listen(host);
  }

  /** DH-HTTP arriving on the agent's socket (PTCP there goes to the agent peer). */
  onAgentDatagram(datagram: Buffer, r: RemoteInfo): void {
    const req = parseDhRequest(datagram);
    if (!req) return;
    const from = { host: r.address, port: r.port };
    this.guarded({ send: (d: Buffer, to: Address) => this.agent.send(d, to) }, req, from, () => this.onAgent(req));
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.main.close();
    this.p2p.close();
    this.relay.close();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      try {
        fn();
      } catch {
        // simulator guard
      }
    }, ms);
    this.timers.add(t);
  }

  /** Logs, checks WSSE, runs the handler and sends what it returns. */
  private guarded(server: { send(d: Buffer, to: Address): void }, req: DhRequest, from: Address, handler: () => Reply | null | undefined): void {
    if (this.state.requests.length < MAX_LOGGED_REQUESTS) this.state.requests.push(`${req.method} ${req.path}`);
    if (this.state.clientPorts.size < MAX_LOGGED_REQUESTS) this.state.clientPorts.add(from.port);
    const token = parseWsse(req.headers.get('x-wsse') ?? '');
    const valid = token !== null && token.username === this.state.app.user && token.passwordDigest === wsseDigest(token.nonce, token.created, this.state.app.user, this.state.app.key);
    if (this.state.unauthorized || !valid) {
      this.reply(server, req.cseq, from, { status: 401, reason: 'Unauthorized' });
      return;
    }
    const reply = handler();
    if (reply) this.reply(server, req.cseq, from, reply);
  }

  private reply(server: { send(d: Buffer, to: Address): void }, cseq: number, to: Address, r: Reply): void {
    const body = r.fields ? XML_PROLOGUE + buildXmlBody(r.fields) : r.emptyBody ? '<body></body>' : undefined;
    server.send(buildDhReply({ status: r.status, reason: r.reason, cseq, date: formatCreated(new Date()), body }), to);
  }

  private serialOf(path: string, pattern: RegExp): boolean {
    const m = pattern.exec(path);
    return m !== null && m[1] === this.state.serial;
  }

  private onMain(req: DhRequest, from: Address): Reply | null {
    if (req.path === '/probe/p2psrv') return { status: 200, reason: 'OK' };
    if (req.path === '/online/relay') return { status: 200, reason: 'OK', fields: [['Address', addr(this.relay.address)]] };
    if (req.path.startsWith('/online/p2psrv/')) {
      if (!this.serialOf(req.path, /^\/online\/p2psrv\/([^/]+)$/)) return { status: 404, reason: 'Not Found' };
      return { status: 200, reason: 'OK', fields: [['DS', `${this.p2p.address.host}:8802`], ['US', addr(this.p2p.address)]] };
    }
    if (/^\/device\/[^/]+\/p2p-channel$/.test(req.path)) {
      if (!this.serialOf(req.path, /^\/device\/([^/]+)\//)) return { status: 404, reason: 'Not Found' };
      this.reply(this.main, req.cseq, from, { status: 100, reason: 'Trying', emptyBody: true });
      void this.p2pChannel(req, from);
      return null;
    }
    if (/^\/device\/[^/]+\/relay-channel$/.test(req.path)) {
      if (!this.serialOf(req.path, /^\/device\/([^/]+)\//)) return { status: 404, reason: 'Not Found' };
      void this.relayChannel(req, from);
      return null;
    }
    return { status: 404, reason: 'Not Found' };
  }

  /** The 200 comes once the cloud has reached the device, and never when the device is down. */
  private async p2pChannel(req: DhRequest, from: Address): Promise<void> {
    const f = req.fields ?? {};
    const account = this.state.account;
    let deviceFields: [string, string][] = [['IpEncrpt', 'false'], ['LocalAddr', addr(this.device.address)]];
    if (account.requireAuth || f.DevAuth !== undefined) {
      const key = deviceKey(f.UserName ?? '', account.randsalt, account.password);
      const ok =
        f.UserName === account.user &&
        f.Nonce !== undefined &&
        f.CreateDate !== undefined &&
        f.LocalAddr !== undefined &&
        f.DevAuth === devAuth(key, f.Nonce, f.CreateDate, f.LocalAddr) &&
        decryptLocalAddr(await deriveLocalAddrKey(key, f.Nonce), f.LocalAddr) !== null;
      if (!ok) {
        this.reply(this.main, req.cseq, from, { status: 403, reason: 'Forbidden', fields: [['ErrCode', '4'], ['Error', 'DevPwd_InvalidSalt'], ['Policy', 'p2p,udprelay']] });
        return;
      }
      const nonce = String(randomBytes(4).readUInt32BE(0) >>> 1);
      const dk = await deriveLocalAddrKey(key, nonce);
      deviceFields = [['IpEncrptV2', 'true'], ['LocalAddr', encryptLocalAddr(dk, addr(this.device.address))], ['Nonce', nonce]];
    }
    this.later(this.state.p2pReplyDelayMs, () => {
      if (!this.device.alive) return;
      const fields: [string, string][] = [
        ['Identify', formatIdentify(this.device.identify)],
        ...deviceFields,
        ['NatValueT', '0'],
        ['Policy', 'p2p,udprelay'],
        ['PubAddr', addr(this.device.address)],
        ['Relay', ':0'],
        ['version', '6.3.0'],
      ];
      fields.sort((a, b) => a[0].localeCompare(b[0]));
      this.reply(this.main, req.cseq, from, { status: 200, reason: 'Server Nat Info!', fields });
      this.device.expectClient(from);
    });
  }

  private async relayChannel(req: DhRequest, from: Address): Promise<void> {
    const f = req.fields ?? {};
    const account = this.state.account;
    if (account.requireAuth) {
      const key = deviceKey(f.UserName ?? '', account.randsalt, account.password);
      if (f.UserName !== account.user || f.Nonce === undefined || f.CreateDate === undefined || f.DevAuth !== devAuth(key, f.Nonce, f.CreateDate, '')) {
        this.reply(this.main, req.cseq, from, { status: 403, reason: 'Forbidden', fields: [['ErrCode', '4'], ['Error', 'DevPwd_InvalidSalt']] });
        return;
      }
    }
    if (f.agentAddr !== addr(this.agent.address)) {
      this.reply(this.main, req.cseq, from, { status: 400, reason: 'Bad Request' });
      return;
    }
    this.later(this.state.p2pReplyDelayMs, () => {
      if (!this.device.alive) return;
      const body = XML_PROLOGUE + buildXmlBody([['version', '6.3.0']]);
      this.agent.send(buildDhReply({ status: 200, reason: 'Server Nat Info!', cseq: req.cseq, date: formatCreated(new Date()), body }), from);
    });
  }

  private onP2p(req: DhRequest): Reply {
    const alive = this.device.alive;
    if (this.serialOf(req.path, /^\/probe\/device\/([^/]+)$/)) return alive ? { status: 200, reason: 'OK' } : { status: 404, reason: 'Not Found' };
    if (this.serialOf(req.path, /^\/info\/device\/([^/]+)$/)) {
      const salt = this.state.account.randsalt;
      const info = salt ? encryptInfoBlob(JSON.stringify({ httpport: 80, privport: 37777, randsalt: salt, rtspport: 554, tlsprivport: 37778 }, null, 3)) : '';
      return { status: 200, reason: 'OK', fields: [['DevVersion', '6.7.11'], ['Info', info]] };
    }
    return { status: 404, reason: 'Not Found' };
  }

  private onRelay(req: DhRequest): Reply | null {
    if (req.path === '/relay/agent') {
      if (this.state.relayDead) return null;
      const token = `${randomBytes(16).toString('hex').toUpperCase()}-${randomBytes(16).toString('hex')}`;
      this.tokens.add(token);
      return { status: 200, reason: 'OK', fields: [['Agent', addr(this.agent.address)], ['Token', token]] };
    }
    const unbind = /^\/relay\/unbind\/(.+)$/.exec(req.path);
    if (unbind) {
      this.tokens.delete(unbind[1]);
      return { status: 200, reason: 'OK' };
    }
    return { status: 404, reason: 'Not Found' };
  }

  private onAgent(req: DhRequest): Reply {
    const start = /^\/relay\/start\/(.+)$/.exec(req.path);
    if (start && this.tokens.has(start[1])) return { status: 200, reason: 'OK', fields: [['SID', start[1].split('-')[1] ?? ''], ['Time', '30']] };
    return { status: 404, reason: 'Not Found' };
  }
}

function addr(a: Address): string {
  return `${a.host}:${a.port}`;
}
