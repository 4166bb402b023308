// One control connection (TCP 7878) to an Ambarella camera: token, request queue, reply matching,
// notifications, the single-session takeover query, reconnects (spec §2).
//
// Why it is shaped like this:
// - Replies carry no request id and the camera cannot take two requests at once (a Yi 1 answered
//   only the second of two objects sent in one write), so exactly one request is on the wire at a
//   time and a reply is the first object with the same msg_id and an `rval`.
// - Notifications (msg_id 7) arrive anywhere, also before the reply of the command that caused
//   them; they go to the event stream and never complete a request.
// - A request that times out leaves the connection in doubt (its reply may still come and would
//   be taken for the next request's), so a timeout also replaces the connection.
// - The camera has one session. When another client starts one, the camera asks us (1793) whether
//   we keep it; the answer follows the configured policy, and it is written at once even while a
//   request is waiting, because the camera waits only 800 ms.

import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { Backoff, BackoffOptions } from '../core/backoff';
import { JsonFramer } from './json-framer';
import { LONG_RUNNING, MsgId } from './msg-ids';
import { AmbaError } from './rval';

export type TakeoverPolicy = 'keep' | 'yield';
export type SessionState = 'idle' | 'connecting' | 'online' | 'offline' | 'yielded' | 'stopped';

export interface AmbaSessionOptions {
  host: string;
  port?: number;
  /** Per request, from the write to the reply. Default 5 s, like the official SDK. */
  requestTimeoutMs?: number;
  /** For format and Wi-Fi restart. Default 120 s. */
  longRequestTimeoutMs?: number;
  /** For 257, which a camera with a stale session holder answers only after ~0.8 s. Default 3 s. */
  sessionTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How long a request may wait for the camera to come online. Default 30 s. */
  queueWaitMs?: number;
  queueLimit?: number;
  /** Idle time after which a keepalive request is sent; 0 turns it off. Default 20 s. */
  keepaliveMs?: number;
  /** msg_id of the keepalive. Default 13 (battery level), answered by every model; 1794 only on request. */
  keepaliveMsgId?: number;
  takeover?: TakeoverPolicy;
  /** Extra keys of the 257 request (Yi 4K: param 0, heartbeat 1). */
  startSessionExtras?: Record<string, unknown>;
  /** Yi 4K apps add an incrementing "heartbeat" string to every request. */
  heartbeatField?: boolean;
  maxFrameBytes?: number;
  /** Quiet time after which an object left open after a complete value is closed (missing brace). */
  danglingMs?: number;
  backoff?: BackoffOptions;
}

export interface AmbaRequest {
  msg_id: number;
  [key: string]: unknown;
}

export interface AmbaReply {
  rval: number;
  msg_id?: number;
  [key: string]: unknown;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** The camera sends nothing back (reboot, power off): resolve once written. */
  noReply?: boolean;
}

export interface StateInfo {
  state: SessionState;
  reason?: string;
  retryMs?: number;
}

interface Pending {
  req: AmbaRequest;
  opts: RequestOptions;
  resolve: (reply: AmbaReply) => void;
  reject: (err: Error) => void;
  queueTimer: NodeJS.Timeout | null;
  replyTimer: NodeJS.Timeout | null;
  /** Already sent again after a fresh 257: a second -4 is final. */
  retried: boolean;
  internal: boolean;
}

const REQUEST_BUFFER_BYTES = 1024;
/**
 * Quiet time kept around the answer to a holder query. The camera handles one object per
 * received chunk, so an answer that lands in the same read as a request loses one of them (the
 * request times out, or the answer is missed and the camera hands our session away). The camera
 * waits 800 ms for the answer, so there is room for a pause on both sides.
 */
const HOLDER_ANSWER_GAP_MS = 100;

/**
 * Events: 'state' (StateInfo), 'notification' (raw msg_id 7 object), 'started' (257 reply),
 * 'keepalive' (reply of the keepalive request), 'sessionLost' ({reason}), 'stray' (object nobody
 * asked for), 'diagnostic' (string).
 */
export class AmbaSession extends EventEmitter {
  readonly host: string;
  readonly port: number;
  private readonly opts: Required<Omit<AmbaSessionOptions, 'startSessionExtras' | 'backoff'>> & Pick<AmbaSessionOptions, 'startSessionExtras'>;
  private readonly backoff: Backoff;
  private readonly framer: JsonFramer;
  private socket: net.Socket | null = null;
  private stateInfo: StateInfo = { state: 'idle' };
  private tokenValue = 0;
  private heartbeat = 0;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private danglingTimer: NodeJS.Timeout | null = null;
  private started = false;
  private lastWriteAt = 0;
  /** No request is written before this time (see HOLDER_ANSWER_GAP_MS). */
  private quietUntil = 0;
  private quietTimer: NodeJS.Timeout | null = null;
  /** Set after we told the camera to hand our session to another client. */
  private yieldedTo = false;

  constructor(options: AmbaSessionOptions) {
    super();
    this.host = options.host;
    this.port = options.port ?? 7878;
    this.opts = {
      host: options.host,
      port: this.port,
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      longRequestTimeoutMs: options.longRequestTimeoutMs ?? 120_000,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 3000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      queueWaitMs: options.queueWaitMs ?? 30_000,
      queueLimit: options.queueLimit ?? 64,
      keepaliveMs: options.keepaliveMs ?? 20_000,
      keepaliveMsgId: options.keepaliveMsgId ?? MsgId.GET_BATTERY_LEVEL,
      takeover: options.takeover ?? 'keep',
      startSessionExtras: options.startSessionExtras,
      heartbeatField: options.heartbeatField ?? false,
      maxFrameBytes: options.maxFrameBytes ?? 1024 * 1024,
      danglingMs: options.danglingMs ?? 300,
    };
    this.backoff = new Backoff(options.backoff);
    this.framer = new JsonFramer({ maxFrameBytes: this.opts.maxFrameBytes });
  }

  get state(): StateInfo {
    return { ...this.stateInfo };
  }

  get token(): number {
    return this.tokenValue;
  }

  get takeover(): TakeoverPolicy {
    return this.opts.takeover;
  }

  /** Connects, and keeps reconnecting with backoff until `stop()`. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.backoff.reset();
    this.connect();
  }

  /**
   * Queues a request; resolves with the reply whatever its rval (the caller decides what a
   * refusal means), rejects on timeout, lost connection or a full queue.
   */
  request(req: AmbaRequest, opts: RequestOptions = {}): Promise<AmbaReply> {
    return new Promise<AmbaReply>((resolve, reject) => {
      const problem = this.checkRequest(req);
      if (problem) {
        reject(problem);
        return;
      }
      if (!this.started || this.stateInfo.state === 'stopped') {
        reject(new AmbaError('the camera session is not started', { code: 'STOPPED', msgId: req.msg_id }));
        return;
      }
      if (this.queue.length >= this.opts.queueLimit) {
        reject(new AmbaError(`too many requests waiting for the camera (${this.opts.queueLimit})`, { code: 'QUEUE_FULL', msgId: req.msg_id }));
        return;
      }
      this.enqueue({ req, opts, resolve, reject, queueTimer: null, replyTimer: null, retried: false, internal: false });
      // A yielded session comes back only when the flow asks for something.
      if (this.stateInfo.state === 'yielded') this.connect();
      this.pump();
    });
  }

  /**
   * The session keys of the model once it is known (Yi 4K: 257 with `param` 0 and `heartbeat` 1,
   * and a `heartbeat` count in every request). A heartbeat change applies to the next request; a
   * session started with other 257 keys is ended (258) and started again with these on the same
   * connection, ahead of anything queued, since the keys belong to the session start.
   */
  useSessionKeys(startSessionExtras: Record<string, unknown> | undefined, heartbeatField: boolean): void {
    const sameStart = JSON.stringify(startSessionExtras ?? {}) === JSON.stringify(this.opts.startSessionExtras ?? {});
    this.opts.startSessionExtras = startSessionExtras;
    this.opts.heartbeatField = heartbeatField;
    if (sameStart || this.tokenValue === 0 || !this.socket) return; // the next 257 carries them
    const again = (): void => {
      if (!this.socket) return;
      this.tokenValue = 0;
      this.setState({ state: 'connecting', reason: "starting the session again with the model's keys" });
      this.authenticate(false);
    };
    const stop: Pending = { req: { msg_id: MsgId.STOP_SESSION }, opts: {}, resolve: again, reject: again, queueTimer: null, replyTimer: null, retried: true, internal: true };
    this.enqueue(stop, true);
    this.pump();
  }

  /** Ends the session politely (258) when online, closes the socket, rejects what is queued. */
  stop(): Promise<void> {
    if (!this.started) {
      this.setState({ state: 'stopped' });
      return Promise.resolve();
    }
    this.started = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    const err = new AmbaError('the camera session was stopped', { code: 'STOPPED' });
    if (this.inFlight) this.settle(this.inFlight, err);
    for (const p of this.queue.splice(0)) this.settle(p, err);
    this.setState({ state: 'stopped' });
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve();
      };
      const timer = setTimeout(finish, 500);
      if (this.tokenValue > 0 && socket.writable) {
        // 258 frees the camera's single session at once; without it the next client waits 800 ms.
        socket.write(JSON.stringify({ msg_id: MsgId.STOP_SESSION, token: this.tokenValue }), () => setTimeout(finish, 50));
      } else {
        finish();
      }
      socket.on('error', () => undefined);
    });
  }

  // --- connection -------------------------------------------------------------------------

  private connect(): void {
    if (!this.started || this.socket) return;
    this.clearRetry();
    this.yieldedTo = false;
    this.tokenValue = 0;
    this.framer.reset();
    this.setState({ state: 'connecting' });
    const socket = net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.connectTimeoutMs);
    socket.once('connect', () => {
      socket.setTimeout(0);
      this.guard(() => this.authenticate(false));
    });
    socket.on('timeout', () => socket.destroy(new Error(`no connection to ${this.host}:${this.port} within ${this.opts.connectTimeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => this.guard(() => this.onData(socket, chunk)));
    socket.on('error', (err: Error) => this.guard(() => this.dropConnection(socket, err.message)));
    socket.on('close', () => this.guard(() => this.dropConnection(socket, 'connection closed by the camera')));
  }

  /** Replaces a broken connection: fails the request on the wire, keeps the queue, retries later. */
  private dropConnection(socket: net.Socket, reason: string, nextState: 'offline' | 'yielded' = 'offline'): void {
    if (this.socket !== socket) return;
    this.socket = null;
    socket.destroy();
    this.clearKeepalive();
    this.clearDangling();
    if (this.tokenValue > 0) this.emit('sessionLost', { reason });
    this.tokenValue = 0;
    if (this.inFlight) {
      const p = this.inFlight;
      this.settle(p, new AmbaError(`${describe(p.req)}: ${reason}`, { code: 'CONNECTION', msgId: p.req.msg_id }));
    }
    if (!this.started) return;
    if (nextState === 'yielded' || this.yieldedTo) {
      this.setState({ state: 'yielded', reason });
      return;
    }
    const retryMs = this.backoff.next();
    this.setState({ state: 'offline', reason, retryMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.guard(() => this.connect());
    }, retryMs);
  }

  // --- session token ----------------------------------------------------------------------

  private authenticate(secondTry: boolean): void {
    const req: AmbaRequest = { msg_id: MsgId.START_SESSION, token: 0, ...(this.opts.startSessionExtras ?? {}) };
    const auth: Pending = {
      req,
      opts: { timeoutMs: this.opts.sessionTimeoutMs },
      resolve: (reply) => this.onSessionReply(reply),
      reject: (err) => {
        if (!secondTry && (err as AmbaError).code === 'TIMEOUT' && this.socket) {
          this.authenticate(true);
          return;
        }
        if (this.socket) this.dropConnection(this.socket, err.message);
      },
      queueTimer: null,
      replyTimer: null,
      retried: true,
      internal: true,
    };
    this.send(auth, true);
  }

  private onSessionReply(reply: AmbaReply): void {
    const socket = this.socket;
    if (!socket) return;
    if (reply.rval === 0 && Number.isInteger(reply.param) && (reply.param as number) > 0) {
      this.tokenValue = reply.param as number;
      this.backoff.succeeded();
      this.setState({ state: 'online' });
      this.emit('started', reply);
      this.armKeepalive();
      this.pump();
      return;
    }
    const reason = reply.rval === -3 ? 'another device holds the camera (rval -3)' : `session refused (rval ${reply.rval})`;
    // A refusal is an answer, not an outage: what waits would only time out, so it fails now.
    for (const p of this.queue.splice(0)) this.settle(p, new AmbaError(`${describe(p.req)}: ${reason}`, { code: 'REFUSED', rval: reply.rval, msgId: p.req.msg_id }));
    this.dropConnection(socket, reason);
  }

  /** The camera asks the holder whether it keeps the session (another client sent 257). */
  private answerHolderQuery(): void {
    const socket = this.socket;
    if (!socket || this.tokenValue === 0) return;
    const keep = this.opts.takeover === 'keep';
    const answer = JSON.stringify({ msg_id: MsgId.QUERY_SESSION_HOLDER, token: this.tokenValue, rval: keep ? 0 : -1 });
    const wait = Math.max(0, this.lastWriteAt + HOLDER_ANSWER_GAP_MS - Date.now());
    this.quietUntil = Date.now() + wait + HOLDER_ANSWER_GAP_MS;
    setTimeout(() => this.guard(() => {
      if (this.socket === socket) socket.write(answer);
    }), wait);
    this.emit('diagnostic', keep ? 'another client asked for the camera; kept the session' : 'another client asked for the camera; handed the session over');
    if (!keep) this.yieldedTo = true;
  }

  // --- queue --------------------------------------------------------------------------------

  private enqueue(p: Pending, front = false): void {
    if (front) this.queue.unshift(p);
    else this.queue.push(p);
    if (!p.queueTimer && this.opts.queueWaitMs > 0) {
      p.queueTimer = setTimeout(() => {
        p.queueTimer = null;
        const at = this.queue.indexOf(p);
        if (at < 0) return;
        this.queue.splice(at, 1);
        p.reject(new AmbaError(`${describe(p.req)}: the camera was not reachable within ${this.opts.queueWaitMs} ms (${this.stateInfo.reason ?? this.stateInfo.state})`, { code: 'OFFLINE', msgId: p.req.msg_id }));
      }, this.opts.queueWaitMs);
    }
  }

  private pump(): void {
    if (this.inFlight || this.stateInfo.state !== 'online' || !this.socket) return;
    const quiet = this.quietUntil - Date.now();
    if (quiet > 0) {
      if (!this.quietTimer) {
        this.quietTimer = setTimeout(() => this.guard(() => {
          this.quietTimer = null;
          this.pump();
        }), quiet);
      }
      return;
    }
    const next = this.queue.shift();
    if (!next) {
      this.armKeepalive();
      return;
    }
    if (next.queueTimer) clearTimeout(next.queueTimer);
    next.queueTimer = null;
    this.send(next, false);
  }

  private send(p: Pending, withoutToken: boolean): void {
    const socket = this.socket;
    if (!socket) return;
    this.clearKeepalive();
    const body: AmbaRequest = withoutToken ? p.req : withKeys(p.req, this.tokenValue);
    if (this.opts.heartbeatField && !withoutToken) body.heartbeat = String(++this.heartbeat);
    this.lastWriteAt = Date.now();
    this.inFlight = p;
    if (p.opts.noReply) {
      // Held as in flight until written, so nothing else shares its TCP segment.
      socket.write(JSON.stringify(body), () => this.guard(() => {
        this.detach(p);
        p.resolve({ rval: 0, msg_id: p.req.msg_id });
        this.pump();
      }));
      return;
    }
    const timeoutMs = p.opts.timeoutMs ?? (LONG_RUNNING.has(p.req.msg_id) ? this.opts.longRequestTimeoutMs : this.opts.requestTimeoutMs);
    p.replyTimer = setTimeout(() => this.guard(() => this.onTimeout(p, timeoutMs)), timeoutMs);
    socket.write(JSON.stringify(body));
  }

  private onTimeout(p: Pending, timeoutMs: number): void {
    p.replyTimer = null;
    if (this.inFlight !== p) return;
    const err = new AmbaError(`${describe(p.req)}: no reply within ${timeoutMs} ms`, { code: 'TIMEOUT', msgId: p.req.msg_id });
    this.inFlight = null;
    p.reject(err);
    // Its reply may still come and would be taken for the next request's: start afresh.
    if (!p.internal && this.socket) this.dropConnection(this.socket, 'the camera stopped answering');
  }

  private detach(p: Pending): void {
    if (p.replyTimer) clearTimeout(p.replyTimer);
    if (p.queueTimer) clearTimeout(p.queueTimer);
    p.replyTimer = null;
    p.queueTimer = null;
    if (this.inFlight === p) this.inFlight = null;
  }

  private settle(p: Pending, err: Error): void {
    this.detach(p);
    p.reject(err);
  }

  // --- incoming -----------------------------------------------------------------------------

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (this.socket !== socket) return;
    for (const event of this.framer.push(chunk)) {
      if (event.kind === 'object') this.onObject(event.value);
      else this.emit('diagnostic', `camera sent ${event.reason === 'oversize' ? 'an oversized' : 'a broken'} object: ${event.message}`);
    }
    this.clearDangling();
    if (this.framer.danglingAfterValue) {
      this.danglingTimer = setTimeout(() => this.guard(() => {
        this.danglingTimer = null;
        for (const event of this.framer.closeDangling()) if (event.kind === 'object') this.onObject(event.value);
      }), this.opts.danglingMs);
    }
  }

  private onObject(obj: Record<string, unknown>): void {
    const msgId = obj.msg_id;
    if (msgId === MsgId.NOTIFICATION) {
      this.emit('notification', obj);
      return;
    }
    if (msgId === MsgId.QUERY_SESSION_HOLDER && !('rval' in obj)) {
      this.answerHolderQuery();
      return;
    }
    const p = this.inFlight;
    const rval = obj.rval;
    // `{"rval":-7}` and `{"rval":-4,"msg_id":0}` answer a request the camera could not read.
    if (p && typeof rval === 'number' && (msgId === p.req.msg_id || msgId === undefined || msgId === 0)) {
      this.detach(p);
      const reply = obj as AmbaReply;
      if (!p.internal && reply.rval === -4 && p.req.msg_id !== MsgId.START_SESSION) this.onTokenLost(p, reply);
      else p.resolve(reply);
      this.pump();
      return;
    }
    this.emit('stray', obj);
  }

  /** -4: our token is gone (another client took over, Wi-Fi restart, 258 elsewhere). */
  private onTokenLost(p: Pending, reply: AmbaReply): void {
    const socket = this.socket;
    const yielded = this.yieldedTo;
    this.emit('sessionLost', { reason: yielded ? 'handed over to another client' : 'token rejected (rval -4)' });
    this.tokenValue = 0;
    if (yielded || p.retried || !socket) {
      p.resolve(reply);
      if (yielded && socket) this.dropConnection(socket, 'session handed over to another client', 'yielded');
      return;
    }
    // Re-authenticate on the same socket and send this request once more, before anything else.
    p.retried = true;
    this.enqueue(p, true);
    this.setState({ state: 'connecting', reason: 'token lost, starting a new session' });
    this.authenticate(false);
  }

  // --- keepalive, timers, state -------------------------------------------------------------

  private armKeepalive(): void {
    this.clearKeepalive();
    if (this.opts.keepaliveMs <= 0 || this.stateInfo.state !== 'online') return;
    this.keepaliveTimer = setTimeout(() => this.guard(() => {
      this.keepaliveTimer = null;
      if (this.inFlight || this.queue.length > 0 || this.stateInfo.state !== 'online') return;
      const ping: Pending = {
        req: { msg_id: this.opts.keepaliveMsgId },
        opts: {},
        resolve: (reply) => this.emit('keepalive', reply),
        reject: (err) => this.emit('diagnostic', `keepalive failed: ${err.message}`),
        queueTimer: null,
        replyTimer: null,
        retried: false,
        internal: false,
      };
      this.send(ping, false);
    }), this.opts.keepaliveMs);
  }

  private clearKeepalive(): void {
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  private clearDangling(): void {
    if (this.danglingTimer) clearTimeout(this.danglingTimer);
    this.danglingTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearTimers(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    this.clearRetry();
    this.clearKeepalive();
    this.clearDangling();
  }

  private setState(info: StateInfo): void {
    const same = info.state === this.stateInfo.state && info.reason === this.stateInfo.reason && info.retryMs === this.stateInfo.retryMs;
    this.stateInfo = info;
    if (!same) this.emit('state', { ...info });
  }

  private checkRequest(req: AmbaRequest): AmbaError | null {
    if (!req || typeof req !== 'object' || !Number.isInteger(req.msg_id)) {
      return new AmbaError('a request needs an integer msg_id', { code: 'BAD_REQUEST' });
    }
    const size = Buffer.byteLength(JSON.stringify(withKeys(req, 2 ** 31, '999999')));
    if (size >= REQUEST_BUFFER_BYTES) {
      return new AmbaError(`request of ${size} bytes does not fit the camera's ${REQUEST_BUFFER_BYTES}-byte command buffer`, { code: 'BAD_REQUEST', msgId: req.msg_id });
    }
    return null;
  }

  /** Nothing thrown in a socket or timer callback may reach the process. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.emit('diagnostic', `internal error: ${(err as Error).stack ?? String(err)}`);
    }
  }
}

/**
 * A copy of the request with the session's keys, for the wire. Not `{ ...req, token }`: on the V8
 * of Node 20 an object spread followed by a new key leaves its copies alive past the next young
 * collection (6 % of all that a request allocates survived and was promoted, and the scavenges
 * that copy it grew to 1-6 ms at a few thousand requests a second); Object.assign does not.
 */
function withKeys(req: AmbaRequest, token: number, heartbeat?: string): AmbaRequest {
  const body = Object.assign({}, req);
  body.token = token;
  if (heartbeat !== undefined) body.heartbeat = heartbeat;
  return body;
}

function describe(req: AmbaRequest): string {
  return `msg_id ${req.msg_id}`;
}
