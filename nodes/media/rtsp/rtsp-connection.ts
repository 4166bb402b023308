// One client's RTSP control connection: reads its requests in order, answers them (RFC 2326
// §10: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER) and carries the RTP of its
// session when the client chose interleaved transport. Nothing a client sends can throw out of
// here: a request that cannot be read gets its error status and the connection is closed.

import type { Socket } from 'net';
import { RtspParseError, RtspRequest, RtspRequestParser, RtspParserLimits } from './rtsp-request-parser';
import { RtspSession } from './rtsp-session';
import { chooseTransport, formatTransport } from './rtsp-transport';
import { buildSdp } from './sdp';
import type { DigestAuthenticator } from './rtsp-digest-auth';
import type { StreamOut } from '../serving/stream-out-engine';

export interface RtspMount {
  path: string;
  stream: StreamOut;
  auth: DigestAuthenticator | null;
  queueLimit: number;
}

/** What a connection needs from its server. */
export interface ConnectionContext {
  findMount(path: string): RtspMount | undefined;
  /** The server's RTP and RTCP UDP ports, bound on first use. */
  udpPorts(): Promise<[number, number]>;
  sendDatagram(parts: Buffer[], address: string, port: number, rtcp?: boolean): void;
  sessionTimeoutSec: number;
  describeWaitMs: number;
  senderReportIntervalMs: number;
  parserLimits?: RtspParserLimits;
  closed(connection: RtspConnection): void;
}

const SERVER_NAME = 'p2pcam-node-red';
const PUBLIC_METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER';
const KNOWN_METHODS = new Set(['ANNOUNCE', 'RECORD', 'REDIRECT']);
/** Requests read but not yet answered: a client that pipelines more is not an RTSP client. */
const MAX_PENDING_REQUESTS = 16;

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  431: 'Request Header Fields Too Large',
  451: 'Parameter Not Understood',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'RTSP Version Not Supported',
};

type Headers = Record<string, string>;

interface Answer {
  status: number;
  headers?: Headers;
  body?: string;
}

export class RtspConnection {
  private readonly parser: RtspRequestParser;
  private readonly pending: RtspRequest[] = [];
  private working = false;
  private session: RtspSession | null = null;
  private idleTimer: NodeJS.Timeout;
  private drainWaiters: (() => void)[] = [];
  private drainTimer: NodeJS.Timeout | null = null;
  private ended = false;
  readonly remoteAddress: string;

  constructor(private readonly socket: Socket, private readonly context: ConnectionContext) {
    this.parser = new RtspRequestParser(context.parserLimits);
    this.remoteAddress = unmapIpv4(socket.remoteAddress ?? '');
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    this.idleTimer = setTimeout(() => this.destroy(), context.sessionTimeoutSec * 1000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.wakeDrainWaiters());
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
  }

  get currentSession(): RtspSession | null {
    return this.session;
  }

  /** Activity that proves the client is alive: any bytes, or RTCP from it over UDP. */
  touch(): void {
    this.idleTimer.refresh();
  }

  /** Ends the connection and its session at once. Safe to call more than once. */
  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.session?.close();
    this.session = null;
    this.pending.length = 0;
    this.wakeDrainWaiters();
    this.socket.destroy();
    this.context.closed(this);
  }

  /** Closes the session's stream for good (its mount went away, or the codec changed). */
  endSession(): void {
    this.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.touch();
    try {
      this.parser.push(chunk, {
        request: (req) => this.enqueue(req),
        interleaved: () => undefined, // RTCP receiver reports: their arrival is all we use
        error: (err: RtspParseError) => this.fail(err),
      });
    } catch {
      // The parser is fuzzed not to throw; if it ever does, this client goes, the server stays.
      this.destroy();
    }
  }

  private enqueue(req: RtspRequest): void {
    if (this.pending.length >= MAX_PENDING_REQUESTS) {
      this.fail({ status: 503, cseq: req.cseq });
      return;
    }
    this.pending.push(req);
    if (!this.working) void this.work();
  }

  private async work(): Promise<void> {
    this.working = true;
    while (this.pending.length > 0 && !this.ended) {
      const req = this.pending.shift()!;
      let answer: Answer;
      try {
        answer = await this.handle(req);
      } catch {
        answer = { status: 500 };
      }
      if (this.ended) break;
      try {
        this.reply(req.cseq, answer);
        // PLAY starts sending only once its answer is on the wire, so the client reads it first.
        if (req.method === 'PLAY' && answer.status === 200) this.session?.play();
      } catch {
        this.destroy();
      }
    }
    this.working = false;
  }

  /** Answers a request that cannot be served in order, then closes: the stream cannot be trusted. */
  private fail(err: { status: number; cseq: number }): void {
    this.reply(err.cseq, { status: err.status });
    this.socket.end();
    this.ended = true;
    clearTimeout(this.idleTimer);
    this.session?.close();
    this.session = null;
    // Let the answer go out, but never wait for a client that does not read it.
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.context.closed(this);
  }

  private reply(cseq: number, answer: Answer): void {
    if (this.socket.destroyed) return;
    const lines = [`RTSP/1.0 ${answer.status} ${REASONS[answer.status] ?? 'Error'}`];
    if (cseq >= 0) lines.push(`CSeq: ${cseq}`);
    lines.push(`Server: ${SERVER_NAME}`, `Date: ${new Date().toUTCString()}`);
    for (const [name, value] of Object.entries(answer.headers ?? {})) lines.push(`${name}: ${value}`);
    const body = answer.body ?? '';
    if (body.length > 0) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }

  private async handle(req: RtspRequest): Promise<Answer> {
    if (req.cseq < 0) return { status: 400 };
    switch (req.method) {
      case 'OPTIONS':
        return { status: 200, headers: { Public: PUBLIC_METHODS } };
      case 'DESCRIBE':
        return this.describe(req);
      case 'SETUP':
        return this.setup(req);
      case 'PLAY':
      case 'PAUSE':
      case 'TEARDOWN':
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return this.inSession(req);
      default:
        return KNOWN_METHODS.has(req.method) ? { status: 405, headers: { Allow: PUBLIC_METHODS } } : { status: 501 };
    }
  }

  /** The mount a request names, and the track when the URI ends in `trackID=N`. */
  private resolve(req: RtspRequest): { mount: RtspMount; track: number | null } | null {
    const path = requestPath(req.uri);
    if (path === null) return null;
    const mount = this.context.findMount(path);
    if (mount) return { mount, track: null };
    const match = /^(.*)\/trackID=(\d{1,2})$/.exec(path);
    if (!match) return null;
    const parent = this.context.findMount(match[1]);
    return parent ? { mount: parent, track: Number(match[2]) } : null;
  }

  /** 401 with a fresh challenge, unless the mount is open or the request proves the password. */
  private unauthorized(mount: RtspMount, req: RtspRequest): Answer | null {
    if (!mount.auth) return null;
    const verdict = mount.auth.check(req.method, req.headers.get('authorization'));
    if (verdict === 'ok') return null;
    return { status: 401, headers: { 'WWW-Authenticate': mount.auth.challenge(verdict === 'stale') } };
  }

  private async describe(req: RtspRequest): Promise<Answer> {
    const target = this.resolve(req);
    if (!target || target.track !== null) return { status: 404 };
    const denied = this.unauthorized(target.mount, req);
    if (denied) return denied;
    const stream = target.mount.stream;
    // A client may connect before the first frame: give the source a moment to send one.
    if (!(await stream.waitForVideo(this.context.describeWaitMs))) return { status: 503, headers: { 'Retry-After': '5' } };
    const base = contentBase(req.uri, this.socket, target.mount.path);
    const sdp = buildSdp({
      sessionId: stream.sessionId,
      sessionName: target.mount.path,
      address: unmapIpv4(this.socket.localAddress ?? '0.0.0.0'),
      tracks: stream.sdpTracks(),
    });
    return { status: 200, headers: { 'Content-Type': 'application/sdp', 'Content-Base': base }, body: sdp };
  }

  private async setup(req: RtspRequest): Promise<Answer> {
    const target = this.resolve(req);
    if (!target) return { status: 404 };
    if (target.track === null) return { status: 459 };
    const denied = this.unauthorized(target.mount, req);
    if (denied) return denied;
    const stream = target.mount.stream;
    if (!stream.hasTrack(target.track)) return { status: 404 };
    const sessionHeader = sessionIdOf(req);
    if (sessionHeader !== null && sessionHeader !== this.session?.id) return { status: 454 };
    if (this.session && (this.session.playing || this.session.mountPath !== target.mount.path)) return { status: 455 };
    const transport = chooseTransport(req.headers.get('transport'), target.track * 2);
    if (!transport) return { status: 461 };
    const serverPorts = transport.mode === 'udp' ? await this.context.udpPorts() : undefined;
    if (this.ended) return { status: 500 };
    if (!this.session) this.session = this.newSession(target.mount);
    const payloadType = stream.sdpTracks().find((t) => t.control === `trackID=${target.track}`)?.payloadType ?? 96;
    const track = this.session.setupTrack(target.track, transport, payloadType);
    return {
      status: 200,
      headers: { Transport: formatTransport(transport, track.rtp.ssrc, serverPorts), Session: this.sessionHeader() },
    };
  }

  private newSession(mount: RtspMount): RtspSession {
    const wire = {
      write: (data: Buffer) => this.socket.write(data),
      drained: () => this.drained(),
      sendDatagram: (parts: Buffer[], port: number, rtcp?: boolean) => this.context.sendDatagram(parts, this.remoteAddress, port, rtcp),
    };
    return new RtspSession(mount.stream, mount.path, wire, { queueLimit: mount.queueLimit, senderReportIntervalMs: this.context.senderReportIntervalMs, onStale: () => this.endSession() });
  }

  private async inSession(req: RtspRequest): Promise<Answer> {
    const id = sessionIdOf(req);
    const session = this.session;
    const keepalive = req.method === 'GET_PARAMETER' || req.method === 'SET_PARAMETER';
    if (keepalive && id === null) return { status: 200 }; // a connection-level keepalive
    if (!session || id !== session.id) return { status: 454 };
    const target = this.resolve(req);
    const mount = target?.mount ?? this.context.findMount(session.mountPath);
    if (!mount) return { status: 404 };
    const denied = this.unauthorized(mount, req);
    if (denied) return denied;
    const headers = { Session: this.sessionHeader() };
    switch (req.method) {
      case 'PLAY':
        if (session.tracks.size === 0) return { status: 455 };
        return { status: 200, headers: { ...headers, Range: 'npt=0.000-' } };
      case 'PAUSE':
        session.pause();
        return { status: 200, headers };
      case 'TEARDOWN':
        session.close();
        this.session = null;
        return { status: 200, headers };
      case 'SET_PARAMETER':
        return { status: req.body.length === 0 ? 200 : 451, headers };
      default:
        return { status: 200, headers };
    }
  }

  private sessionHeader(): string {
    return `${this.session!.id};timeout=${this.context.sessionTimeoutSec}`;
  }

  /** Settles on the socket's next drain; a client that stops reading for a whole timeout is cut off. */
  private drained(): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (!this.drainTimer) this.drainTimer = setTimeout(() => this.destroy(), this.context.sessionTimeoutSec * 1000);
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** The path of a request URI, without scheme, host, query or surrounding slashes; `*` as is. */
export function requestPath(uri: string): string | null {
  if (uri === '*') return '*';
  let path: string;
  const absolute = /^rtsps?:\/\/[^/?#]*(.*)$/i.exec(uri);
  if (absolute) path = absolute[1];
  else if (uri.startsWith('/')) path = uri;
  else return null;
  path = path.replace(/[?#].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    return null;
  }
  return path.replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '');
}

function contentBase(uri: string, socket: Socket, mountPath: string): string {
  if (/^rtsps?:\/\//i.test(uri)) return `${uri.replace(/[?#].*$/, '').replace(/\/+$/, '')}/`;
  const host = unmapIpv4(socket.localAddress ?? '127.0.0.1');
  const shown = host.includes(':') ? `[${host}]` : host;
  return `rtsp://${shown}:${socket.localPort}/${mountPath}/`;
}

function sessionIdOf(req: RtspRequest): string | null {
  const value = req.headers.get('session');
  return value === undefined ? null : value.split(';')[0].trim();
}

export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
