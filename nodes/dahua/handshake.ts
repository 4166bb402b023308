// The Dahua P2P handshake (spec §3–§6.4), step by step and on the sockets the spec requires:
// S_relay for the relay steps (relay-channel's reply comes from the agent), S_dev for
// p2p-channel and then, from the same local port, the hole punch and the PTCP session with the
// device. The result is one open PTCP session that carries realms: to the device (direct) or
// to the relay agent (relay mode, spec §6.8).

import { networkInterfaces } from 'os';
import { randomBytes, randomInt } from 'crypto';
import { DhReply, WsseCredentials, parseHostPort } from './dh-http';
import { CseqCounter, DhHttpClient, DhTimeoutError } from './dh-http-client';
import { decodeLocalAddrList, decryptLocalAddr, deriveLocalAddrKey, devAuth, deviceKey, encodeLocalAddrV1, encryptLocalAddr, formatIdentify, parseDeviceInfo } from './device-auth';
import { PtcpBody } from './ptcp-packet';
import { PtcpSession, PtcpSessionOptions } from './ptcp-session';
import { StunTimeoutError, punch } from './stun-punch';
import { Address, UdpEndpoint, sameAddress } from './udp-endpoint';

export type PathMode = 'direct' | 'relay';
export type AuthMode = 'legacy' | 'device-credential';

export interface HandshakeOptions {
  serial: string;
  /** The main server: Easy4IP www.easy4ipcloud.com:8800, Amcrest p2p.amcrestview.com:8800, … */
  cloud: Address;
  app: WsseCredentials;
  auth: AuthMode;
  /** Device username and password, for device-credential auth. */
  account?: { user: string; password: string };
  path: PathMode;
  /** Local address for the UDP sockets: 0.0.0.0 for real devices, loopback in tests. */
  bindHost: string;
  stepTimeoutMs?: number;
  stunTimeoutMs?: number;
  /** Tuning passed to the PTCP session that carries realms (timeouts, heartbeat…). */
  session?: Partial<Omit<PtcpSessionOptions, 'role' | 'send'>>;
  /** SDK-style NFGET/NFPOST instead of DHGET/DHPOST. */
  methods?: 'DH' | 'NF';
  log?(message: string): void;
  signal?: AbortSignal;
}

export type HandshakeErrorCode = 'unauthorized' | 'invalid-salt' | 'not-found' | 'timeout' | 'stun-timeout' | 'relay-timeout' | 'aborted' | 'protocol' | 'no-account';

export class HandshakeError extends Error {
  constructor(message: string, readonly code: HandshakeErrorCode) {
    super(message);
    this.name = 'HandshakeError';
  }

  /** Errors that retrying will not fix: the user has to change the configuration. */
  get needsUser(): boolean {
    return this.code === 'unauthorized' || this.code === 'no-account' || this.code === 'not-found';
  }
}

/** What the session owner plugs in once the handshake is done. */
export interface SessionHooks {
  onBody?(body: PtcpBody): void;
  onDead?(reason: string): void;
  onDrain?(): void;
  onOddity?(what: string): void;
}

export interface EstablishedSession {
  path: PathMode;
  session: PtcpSession;
  /** The address PTCP runs with: the device (direct) or the agent (relay). */
  peer: Address;
  hooks: SessionHooks;
  /** Local UDP ports of S_dev and S_relay. */
  localPorts: { dev: number; relay: number };
  /** Datagrams from anyone else, dropped, on both sockets. */
  strays(): number;
  /** Best-effort /relay/unbind, then every session and socket closed. */
  close(): void;
}

const SDK_VERSION = '5.0.0';

function localIpv4s(bindHost: string): string[] {
  if (bindHost !== '0.0.0.0') return [bindHost];
  const found: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) if (nic.family === 'IPv4' && !nic.internal) found.push(nic.address);
  }
  return found.length > 0 ? found.slice(0, 4) : ['127.0.0.1'];
}

function fail(reply: DhReply, step: string): never {
  const text = `${step}: ${reply.status} ${reply.reason}${reply.fields?.Error ? ` (${reply.fields.Error})` : ''}`;
  if (reply.status === 401) throw new HandshakeError(`${text}: the cloud refused the app credentials (or our clock is off)`, 'unauthorized');
  if (reply.status === 403 && reply.fields?.Error === 'DevPwd_InvalidSalt') throw new HandshakeError(`${text}: the device wants its username and password`, 'invalid-salt');
  if (reply.status === 404) throw new HandshakeError(`${text}: is the serial number right, and is the device on this cloud?`, 'not-found');
  throw new HandshakeError(text, 'protocol');
}

function expectOk(reply: DhReply, step: string): DhReply {
  if (reply.status !== 200) fail(reply, step);
  return reply;
}

function field(reply: DhReply, name: string, step: string): string {
  const v = reply.fields?.[name];
  if (v === undefined) throw new HandshakeError(`${step}: the reply has no ${name}`, 'protocol');
  return v;
}

function address(text: string | undefined, step: string): Address {
  const a = parseHostPort(text);
  if (!a) throw new HandshakeError(`${step}: not an ip:port: ${JSON.stringify(text)}`, 'protocol');
  return a;
}

interface DeviceProof {
  key: string;
  randsalt: string;
  user: string;
}

/** Runs the handshake; resolves with a session ready for BIND. */
export async function establish(options: HandshakeOptions): Promise<EstablishedSession> {
  const run = new HandshakeRun(options);
  try {
    return await run.go();
  } catch (err) {
    run.closeAll();
    if (err instanceof HandshakeError) throw err;
    if (err instanceof StunTimeoutError) throw new HandshakeError(err.message, 'stun-timeout');
    if (err instanceof DhTimeoutError) throw new HandshakeError(err.message, err.step === 'relay agent' ? 'relay-timeout' : 'timeout');
    if (options.signal?.aborted) throw new HandshakeError('aborted', 'aborted');
    throw new HandshakeError((err as Error).message, 'protocol');
  }
}

class HandshakeRun {
  private sDev: UdpEndpoint | null = null;
  private sRelay: UdpEndpoint | null = null;
  private devClient: DhHttpClient | null = null;
  private relayClient: DhHttpClient | null = null;
  private readonly sessions: PtcpSession[] = [];
  private relayServer: Address | null = null;
  private token: string | null = null;
  private readonly stepMs: number;
  private readonly log: (m: string) => void;

  constructor(private readonly o: HandshakeOptions) {
    this.stepMs = o.stepTimeoutMs ?? 10_000;
    this.log = o.log ?? (() => {});
  }

  async go(): Promise<EstablishedSession> {
    const o = this.o;
    const onAbort = (): void => this.closeAll();
    o.signal?.addEventListener('abort', onAbort);
    try {
      return await this.steps();
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  private checkAborted(): void {
    if (this.o.signal?.aborted) throw new HandshakeError('aborted', 'aborted');
  }

  private async steps(): Promise<EstablishedSession> {
    const o = this.o;
    const cseq = new CseqCounter();
    // one signer for both sockets, so a clock correction learnt on one serves the other
    const sharedSigner = { credentials: o.app, clockOffsetMs: 0, method: o.methods ?? 'DH' };
    this.sRelay = await UdpEndpoint.open(o.bindHost);
    this.sDev = await UdpEndpoint.open(o.bindHost);
    this.checkAborted();
    const relayClient = (this.relayClient = new DhHttpClient(this.sRelay, cseq, sharedSigner));
    const devClient = (this.devClient = new DhHttpClient(this.sDev, cseq, sharedSigner));
    const sn = o.serial;
    const t = this.stepMs;

    this.log('probe p2psrv');
    expectOk(await relayClient.request(o.cloud, 'GET', '/probe/p2psrv', { step: 'probe', timeoutMs: t }), 'probe');
    const p2psrv = expectOk(await relayClient.request(o.cloud, 'GET', `/online/p2psrv/${sn}`, { step: 'p2p server', timeoutMs: t }), 'p2p server');
    const us = address(field(p2psrv, 'US', 'p2p server'), 'p2p server');
    expectOk(await relayClient.request(us, 'GET', `/probe/device/${sn}`, { step: 'device probe', timeoutMs: t }), 'device probe');
    let proof: DeviceProof | null = null;
    if (o.auth === 'device-credential') proof = await this.deviceProof(relayClient, us);
    const online = expectOk(await relayClient.request(o.cloud, 'GET', '/online/relay', { step: 'relay server', timeoutMs: t }), 'relay server');
    this.relayServer = address(field(online, 'Address', 'relay server'), 'relay server');
    this.checkAborted();

    // Step 5 from S_dev: the cloud hands the device this socket's address. Not awaited yet.
    const identify = randomBytes(8);
    const p2pBody = await this.p2pChannelBody(identify, proof);
    const p2pChannel = devClient.request(o.cloud, 'POST', `/device/${sn}/p2p-channel`, { step: 'p2p-channel', body: p2pBody.fields, timeoutMs: t, firstResendMs: 2000 });
    p2pChannel.catch(() => {}); // awaited below; a failure meanwhile must not go unhandled

    this.log('relay agent');
    const agentReply = expectOk(await relayClient.request(this.relayServer, 'GET', '/relay/agent', { step: 'relay agent', timeoutMs: Math.min(t, 4000) }), 'relay agent');
    const agent = address(field(agentReply, 'Agent', 'relay agent'), 'relay agent');
    this.token = field(agentReply, 'Token', 'relay agent');
    expectOk(await relayClient.request(agent, 'POST', `/relay/start/${this.token}`, { step: 'relay start', body: [['Client', ':0']], timeoutMs: t }), 'relay start');

    this.log('waiting for the device (p2p-channel)');
    const nat = expectOk(await p2pChannel, 'p2p-channel');
    const candidates = await this.deviceCandidates(nat, proof, p2pBody.dk);

    this.log('relay-channel');
    const relayBody: [string, string][] = [];
    if (proof) relayBody.push(...this.proofFields(proof, nat.fields?.Nonce ?? String(randomInt(0, 0x7fffffff)), ''));
    relayBody.push(['agentAddr', `${agent.host}:${agent.port}`]);
    expectOk(await relayClient.request(o.cloud, 'POST', `/device/${sn}/relay-channel`, { step: 'relay-channel', body: relayBody, acceptFrom: [agent, o.cloud], timeoutMs: t, firstResendMs: 2000 }), 'relay-channel');
    this.checkAborted();

    if (o.path === 'relay') {
      this.log('PTCP with the relay agent (relay mode)');
      await this.sRelay.pin(agent);
      this.checkAborted();
      const session = await this.openSession(this.sRelay, agent, o.session ?? {}, () => {});
      return this.result('relay', session.session, agent, session.hooks);
    }

    this.log('PTCP sign from the agent');
    const sign = await this.agentSign(agent);
    this.log(`hole punch towards ${candidates.map((c) => `${c.host}:${c.port}`).join(', ')}`);
    const device = await punch({ endpoint: this.sDev, candidates, identify, timeoutMs: o.stunTimeoutMs ?? 10_000, signal: o.signal });
    this.checkAborted();
    await this.sDev.pin(device);
    this.checkAborted();
    this.log('PTCP with the device');
    const direct = await this.deviceSession(device, sign);
    return this.result('direct', direct.session, device, direct.hooks);
  }

  private async deviceProof(client: DhHttpClient, us: Address): Promise<DeviceProof> {
    const account = this.o.account;
    if (!account || !account.user) throw new HandshakeError('device-credential auth needs the device username and password', 'no-account');
    const info = expectOk(await client.request(us, 'GET', `/info/device/${this.o.serial}`, { step: 'device info', timeoutMs: this.stepMs }), 'device info');
    const parsed = parseDeviceInfo(info.fields?.Info);
    if (!parsed) throw new HandshakeError('device info: the Info blob does not decrypt', 'protocol');
    return { key: deviceKey(account.user, parsed.randsalt, account.password), randsalt: parsed.randsalt, user: account.user };
  }

  /** The auth elements that go before Identify (spec §4.4), in the SDK's alphabetical order. */
  private proofFields(proof: DeviceProof, nonce: string, payload: string): [string, string][] {
    const createDate = String(Math.floor(Date.now() / 1000));
    const fields: [string, string][] = [
      ['CreateDate', createDate],
      ['DevAuth', devAuth(proof.key, nonce, createDate, payload)],
      ['Nonce', nonce],
    ];
    if (proof.randsalt) fields.push(['RandSalt', proof.randsalt]);
    fields.push(['UserName', proof.user]);
    return fields;
  }

  private async p2pChannelBody(identify: Buffer, proof: DeviceProof | null): Promise<{ fields: [string, string][]; dk: Buffer | null }> {
    const port = this.sDev!.port;
    const ips = localIpv4s(this.o.bindHost);
    if (!proof) {
      return {
        fields: [
          ['Identify', formatIdentify(identify)],
          ['IpEncrpt', 'true'],
          ['LocalAddr', encodeLocalAddrV1(ips, port)],
          ['version', SDK_VERSION],
        ],
        dk: null,
      };
    }
    const nonce = String(randomInt(0, 0x7fffffff));
    const dk = await deriveLocalAddrKey(proof.key, nonce);
    const localAddr = encryptLocalAddr(dk, `${ips[0]}:${port}`);
    return {
      fields: [...this.proofFields(proof, nonce, localAddr), ['Identify', formatIdentify(identify)], ['IpEncrptV2', 'true'], ['LocalAddr', localAddr], ['version', SDK_VERSION]],
      dk,
    };
  }

  /** PubAddr first, then the LAN addresses the device reported. */
  private async deviceCandidates(nat: DhReply, proof: DeviceProof | null, ourDk: Buffer | null): Promise<Address[]> {
    const f = nat.fields ?? {};
    const candidates: Address[] = [address(f.PubAddr, 'p2p-channel')];
    let local: string | null = f.LocalAddr ?? null;
    if (local && f.IpEncrptV2 === 'true' && proof) {
      const dk = f.Nonce ? await deriveLocalAddrKey(proof.key, f.Nonce) : ourDk;
      local = dk ? decryptLocalAddr(dk, local) : null;
    }
    const list = local ? decodeLocalAddrList(local, f.IpEncrpt === 'true') : null;
    for (const host of list?.hosts ?? []) {
      const c = { host, port: list!.port };
      if (!candidates.some((x) => sameAddress(x, c))) candidates.push(c);
    }
    return candidates;
  }

  /** A PTCP client session on `endpoint` with `peer`; datagrams from anyone else are ignored. */
  private openSession(endpoint: UdpEndpoint, peer: Address, tuning: Partial<PtcpSessionOptions>, onBody: (body: PtcpBody, session: PtcpSession) => void): Promise<{ session: PtcpSession; hooks: SessionHooks }> {
    const hooks: SessionHooks = {};
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => {
        session.close();
        reject(new DhTimeoutError('PTCP set-up', this.stepMs));
      }, this.stepMs);
      const session: PtcpSession = new PtcpSession({
        ...tuning,
        role: 'client',
        send: (d) => endpoint.send(d, peer),
        onOpen: () => {
          clearTimeout(deadline);
          resolve({ session, hooks });
        },
        onBody: (body) => {
          onBody(body, session);
          hooks.onBody?.(body);
        },
        onDead: (reason) => {
          clearTimeout(deadline);
          reject(new HandshakeError(`PTCP: ${reason}`, 'timeout'));
          hooks.onDead?.(reason);
        },
        onDrain: () => hooks.onDrain?.(),
        onOddity: (what) => hooks.onOddity?.(what),
      });
      this.sessions.push(session);
      endpoint.onPtcp = (d, from) => {
        if (sameAddress(from, peer)) session.receive(d);
        else endpoint.dropped++;
      };
      session.start();
    });
  }

  /** SYN, 0x17 → 0x18 with the agent; the agent session is then left alone (spec §6.4). */
  private async agentSign(agent: Address): Promise<Buffer> {
    let gotSign: (sign: Buffer) => void = () => {};
    const signed = new Promise<Buffer>((resolve) => (gotSign = resolve));
    const { session } = await this.openSession(this.sRelay!, agent, { heartbeatMs: 0, idleTimeoutMs: 0 }, (body) => {
      if (body.type === 'sign-reply') gotSign(body.sign);
    });
    session.sendBody({ type: 'sign-request' });
    const sign = await withTimeout(signed, this.stepMs, 'agent sign');
    await new Promise((r) => setImmediate(r)); // let the ACK of 0x18 go out
    session.close();
    return sign;
  }

  /** SYN, then 0x19 with the sign → 0x1A, then 0x1B: the device session is ready. */
  private async deviceSession(device: Address, sign: Buffer): Promise<{ session: PtcpSession; hooks: SessionHooks }> {
    let authed: () => void = () => {};
    const ready = new Promise<void>((resolve) => (authed = resolve));
    const opened = await this.openSession(this.sDev!, device, this.o.session ?? {}, (body, session) => {
      if (body.type === 'auth-reply') {
        session.sendBody({ type: 'auth-done' });
        authed();
      }
    });
    opened.session.sendBody({ type: 'auth', sign });
    await withTimeout(ready, this.stepMs, 'device auth');
    return opened;
  }

  private result(path: PathMode, session: PtcpSession, peer: Address, hooks: SessionHooks): EstablishedSession {
    return {
      path,
      session,
      peer,
      hooks,
      localPorts: { dev: this.sDev?.port ?? 0, relay: this.sRelay?.port ?? 0 },
      strays: () => (this.sDev?.dropped ?? 0) + (this.sRelay?.dropped ?? 0),
      close: () => this.closeAll(),
    };
  }

  closeAll(): void {
    if (this.relayServer && this.token && this.sRelay && this.relayClient) {
      // best effort, from S_relay to the relay server (spec §3, Shutdown); no one waits for it
      this.relayClient.request(this.relayServer, 'GET', `/relay/unbind/${this.token}`, { step: 'unbind', timeoutMs: 1 }).catch(() => {});
      this.token = null;
    }
    for (const s of this.sessions) s.close();
    this.devClient?.close();
    this.relayClient?.close();
    const sockets = [this.sDev, this.sRelay];
    this.sDev = this.sRelay = null;
    // one turn later, so the unbind datagram leaves before its socket closes
    setImmediate(() => sockets.forEach((s) => s?.close()));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, step: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new DhTimeoutError(step, ms)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
