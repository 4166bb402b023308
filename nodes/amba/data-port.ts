// Transfers over the camera's data port (TCP 8787, raw bytes, no framing; spec §4). The request
// and its reply go through the control session; the bytes come on a separate connection that is
// opened before the request and reused. The control queue is free again as soon as the reply is
// in, so other commands keep working while the bytes stream.
//
// Downloads resume: when the data connection drops (or the camera reports get_file_fail), the
// next attempt asks for the rest with `offset`. The md5 of the completion event is checked
// against the whole file or against the last part, since firmware differ in which one they send.
//
// Before the first transfer of each session the client tells the camera its address (261, as the
// official apps do): the reference server's data service serves nobody else, and cameras that do
// not need it answer it all the same. Uploads are written in pieces, so a cancel stops them at
// once instead of after the whole file has gone into the socket.

import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { AmbaReply, AmbaRequest, AmbaSession } from './amba-session';
import { MsgId } from './msg-ids';
import { AmbaError } from './rval';

export interface DataPortOptions {
  host: string;
  port?: number;
  connectTimeoutMs?: number;
  /** A transfer that moves no byte for this long is given up (and resumed, for downloads). */
  stallMs?: number;
  /** Largest file accepted in memory. Default 256 MiB. */
  maxBytes?: number;
}

export interface DownloadOptions {
  offset?: number;
  attempts?: number;
  /** Pause between attempts; default 300 ms. */
  retryDelayMs?: number;
}

export interface DownloadResult {
  path: string;
  data: Buffer;
  size: number;
  md5: string;
  /** The camera's md5 matched the whole file or the last part fetched. */
  md5Verified: boolean;
  /** Attempts after the first one. */
  resumed: number;
}

export interface ThumbnailResult {
  path: string;
  data: Buffer;
  size: number;
  md5: string;
  type: string;
}

type Completion = { ok: boolean; bytes?: number; md5?: string };

/** Upload write size: small enough that a cancel stops the bytes within one piece. */
const UPLOAD_PIECE_BYTES = 64 * 1024;

/** The running transfer, as `cancel` sees it. */
interface Transfer {
  kind: 'get' | 'put' | 'thumb';
  path: string;
  cancelled: boolean;
  /** Bytes written so far (uploads): the `sent_size` of a cancel. */
  sent: number;
  abort: (err: Error) => void;
}

interface Sink {
  chunks: Buffer[];
  bytes: number;
  want: number;
  onChange: () => void;
}

export class DataPort {
  private readonly host: string;
  private readonly port: number;
  private readonly connectTimeoutMs: number;
  private readonly stallMs: number;
  readonly maxBytes: number;
  private socket: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;
  private sink: Sink | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private current: Transfer | null = null;
  private closed = false;
  /** The session token under which the camera last got our address (261); 0 for none. */
  private announcedToken = 0;
  /** This host's address on the data connection, kept past the socket (261 may follow a drop). */
  private localAddress = '';

  constructor(private readonly session: AmbaSession, options: DataPortOptions) {
    this.host = options.host;
    this.port = options.port ?? 8787;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.stallMs = options.stallMs ?? 10_000;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    // The camera cancels transfers with the session; the bytes stop, so give up the attempt now
    // (a download resumes once the session is back) instead of waiting for the stall timer.
    session.on('sessionLost', () => this.dropSocket());
  }

  /** Transfers run one after the other: the camera has a single data service. */
  download(path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return this.serial(() => this.runDownload(path, options));
  }

  upload(path: string, data: Buffer): Promise<{ path: string; size: number; md5: string }> {
    return this.serial(() => this.runUpload(path, data));
  }

  thumbnail(path: string, type = 'thumb'): Promise<ThumbnailResult> {
    return this.serial(() => this.runThumbnail(path, type));
  }

  /**
   * Stops the running transfer: its promise rejects with code CANCELLED at once, an upload writes
   * no further byte, and the camera is told (1287, with `sent_size` for an upload). Resolves with
   * the camera's answer, which it gives once its data service has stopped.
   */
  async cancel(): Promise<{ path: string | null; transferredSize?: number }> {
    const t = this.current;
    if (!t) return { path: null };
    t.cancelled = true;
    const req: AmbaRequest = { msg_id: MsgId.CANCEL_FILE_XFER, param: t.path };
    if (t.kind === 'put') req.sent_size = t.sent;
    // Queued (and, with the control connection idle, written) before the local end.
    const answer = this.session.request(req);
    t.abort(new AmbaError(`transfer of ${t.path} cancelled`, { code: 'CANCELLED', msgId: t.kind === 'put' ? MsgId.PUT_FILE : t.kind === 'thumb' ? MsgId.GET_THUMB : MsgId.GET_FILE }));
    try {
      const reply = await answer;
      if (reply.rval !== 0 && reply.rval !== -14) throw AmbaError.fromRval(reply.rval, MsgId.CANCEL_FILE_XFER, 'cancel');
      return { path: t.path, transferredSize: typeof reply.transferred_size === 'number' ? reply.transferred_size : undefined };
    } finally {
      // Bytes of the cancelled transfer may still be in flight on this connection.
      this.dropSocket();
    }
  }

  close(): void {
    this.closed = true;
    this.current?.abort(new AmbaError('the camera connection was closed', { code: 'STOPPED' }));
    this.dropSocket();
  }

  // --- download ---------------------------------------------------------------------------------

  private async runDownload(path: string, options: DownloadOptions): Promise<DownloadResult> {
    const attempts = Math.max(1, options.attempts ?? 5);
    const parts: Buffer[] = [];
    let got = Math.max(0, Math.floor(options.offset ?? 0));
    const start = got;
    let size = -1;
    let lastPart: Buffer = Buffer.alloc(0);
    let completion: Completion | undefined;
    let lastError: Error | undefined;
    let attempt = 0;
    for (; attempt < attempts; attempt++) {
      if (attempt > 0) await delay(options.retryDelayMs ?? 300);
      const t = this.begin('get', path);
      const events = this.watch(['get_file_complete', 'get_file_fail']);
      try {
        await this.connect();
        const sink = this.openSink();
        const req = { msg_id: MsgId.GET_FILE, param: path, offset: got, fetch_size: size < 0 ? 0 : size - got };
        const reply = await this.transferRequest(req);
        if (t.cancelled) throw new AmbaError(`transfer of ${path} cancelled`, { code: 'CANCELLED', msgId: MsgId.GET_FILE });
        if (reply.rval !== 0) throw AmbaError.fromRval(reply.rval, MsgId.GET_FILE, `download of ${path}`);
        const total = integer(reply.size);
        const rem = integer(reply.rem_size);
        if (total === null || rem === null || rem < 0 || got + rem > total) throw new AmbaError(`download of ${path}: the camera announced an impossible size (size ${String(reply.size)}, rem_size ${String(reply.rem_size)})`, { code: 'PROTOCOL' });
        if (total - start > this.maxBytes) {
          await this.session.request({ msg_id: MsgId.CANCEL_FILE_XFER, param: path }).catch(() => undefined);
          throw new AmbaError(`${path} has ${total} bytes, more than the ${this.maxBytes} allowed in memory`, { code: 'TOO_LARGE' });
        }
        size = total;
        const part = await this.receive(sink, rem, events.failed, t);
        parts.push(part);
        got += part.length;
        lastPart = part;
        completion = await events.wait(2000);
        if (got === size) break;
      } catch (err) {
        const e = err as AmbaError;
        if (e.code === 'PARTIAL') {
          const partial = (e as AmbaError & { partial: Buffer }).partial;
          parts.push(partial);
          got += partial.length;
        }
        lastError = e;
        // A cancelled transfer keeps its connection until the camera confirmed the stop (cancel()).
        if (t.cancelled) throw e;
        this.dropSocket();
        if (!retryable(e)) throw e;
      } finally {
        events.stop();
        this.end(t);
      }
    }
    if (size < 0 || got !== size) throw lastError ?? new AmbaError(`download of ${path} incomplete (${got} of ${size} bytes)`, { code: 'INCOMPLETE' });
    const data = Buffer.concat(parts);
    const whole = md5(data);
    const reported = completion?.md5?.toLowerCase();
    const md5Verified = reported !== undefined && (reported === whole || reported === md5(lastPart));
    if (reported !== undefined && !md5Verified && start === 0 && attempt === 0) {
      throw new AmbaError(`download of ${path}: md5 ${whole} does not match the camera's ${reported}`, { code: 'MD5' });
    }
    return { path, data, size, md5: whole, md5Verified, resumed: attempt };
  }

  /** Reads exactly `want` bytes; fails with the bytes so far on a drop, a get_file_fail or a stall. */
  private receive(sink: Sink, want: number, failed: Promise<Completion>, t: { abort: (err: Error) => void }): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let stall: NodeJS.Timeout | null = null;
      let settled = false;
      const finish = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        if (stall) clearTimeout(stall);
        this.sink = null;
        const data = Buffer.concat(sink.chunks).subarray(0, Math.min(sink.bytes, want));
        if (!err) return resolve(Buffer.from(data));
        reject(Object.assign(err, { partial: Buffer.from(data) }));
      };
      const partial = (why: string): AmbaError => new AmbaError(`data transfer interrupted (${why}) after ${sink.bytes} of ${want} bytes`, { code: 'PARTIAL' });
      const arm = (): void => {
        if (stall) clearTimeout(stall);
        stall = setTimeout(() => finish(partial(`no data for ${this.stallMs} ms`)), this.stallMs);
      };
      sink.want = want;
      sink.onChange = () => {
        if (sink.bytes >= want) finish(null);
        else if (this.socket === null) finish(partial('data connection closed'));
        else arm();
      };
      t.abort = (err) => finish(err);
      void failed.then(() => setTimeout(() => finish(partial('the camera reported get_file_fail')), 50));
      arm();
      sink.onChange();
    });
  }

  // --- upload, thumbnail ----------------------------------------------------------------------

  private async runUpload(path: string, data: Buffer): Promise<{ path: string; size: number; md5: string }> {
    const t = this.begin('put', path);
    const cancelled = new Promise<never>((_, reject) => (t.abort = reject));
    cancelled.catch(() => undefined);
    const events = this.watch(['put_file_complete', 'put_file_fail']);
    try {
      const socket = await this.connect();
      const digest = md5(data);
      const req = { msg_id: MsgId.PUT_FILE, param: path, offset: 0, size: data.length, md5sum: digest };
      const reply = await Promise.race([this.transferRequest(req), cancelled]);
      if (reply.rval !== 0) throw AmbaError.fromRval(reply.rval, MsgId.PUT_FILE, `upload of ${path}`);
      await Promise.race([this.write(socket, data, t), cancelled]);
      const done = await Promise.race([events.wait(this.stallMs + Math.ceil(data.length / 50_000), true), cancelled]);
      if (!done) throw new AmbaError(`upload of ${path}: no completion from the camera`, { code: 'TIMEOUT' });
      if (!done.ok) throw new AmbaError(`upload of ${path} failed on the camera (put_file_fail after ${done.bytes ?? 0} bytes)`, { code: 'PUT_FAIL' });
      return { path, size: data.length, md5: digest };
    } catch (err) {
      if (!t.cancelled) this.dropSocket();
      throw err;
    } finally {
      events.stop();
      this.end(t);
    }
  }

  /** Writes an upload in pieces, each after the socket took the last; stops when cancelled. */
  private async write(socket: net.Socket, data: Buffer, t: Transfer): Promise<void> {
    while (t.sent < data.length && !t.cancelled) {
      if (socket.destroyed || this.socket !== socket) throw new AmbaError(`data connection closed after ${t.sent} of ${data.length} bytes`, { code: 'CONNECTION' });
      const piece = data.subarray(t.sent, t.sent + UPLOAD_PIECE_BYTES);
      const more = socket.write(piece);
      t.sent += piece.length;
      if (!more) await this.drained(socket, t.sent, data.length);
    }
  }

  /** Resolves when the socket wants more, or when it closed (the caller then fails); rejects on a stall. */
  private drained(socket: net.Socket, sent: number, total: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(stall);
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      const stall = setTimeout(() => {
        socket.off('drain', done);
        socket.off('close', done);
        reject(new AmbaError(`upload stalled: the camera took no data for ${this.stallMs} ms (${sent} of ${total} bytes written)`, { code: 'TIMEOUT' }));
      }, this.stallMs);
      socket.once('drain', done);
      socket.once('close', done);
    });
  }

  private async runThumbnail(path: string, type: string): Promise<ThumbnailResult> {
    const t = this.begin('thumb', path);
    try {
      await this.connect();
      const sink = this.openSink();
      // AppLib pushes the bytes first and replies after, with their size and md5.
      const reply = await this.transferRequest({ msg_id: MsgId.GET_THUMB, param: path, type });
      if (reply.rval !== 0) throw AmbaError.fromRval(reply.rval, MsgId.GET_THUMB, `thumbnail of ${path}`);
      const size = integer(reply.size);
      if (size === null || size < 0 || size > 16 * 1024 * 1024) throw new AmbaError(`thumbnail of ${path}: impossible size ${String(reply.size)}`, { code: 'PROTOCOL' });
      const data = await this.receive(sink, size, new Promise(() => undefined), t);
      const digest = md5(data);
      if (typeof reply.md5sum === 'string' && reply.md5sum.toLowerCase() !== digest) throw new AmbaError(`thumbnail of ${path}: md5 mismatch`, { code: 'MD5' });
      return { path, data, size, md5: digest, type: String(reply.type ?? type) };
    } catch (err) {
      if (!t.cancelled) this.dropSocket();
      throw err;
    } finally {
      this.end(t);
    }
  }

  // --- plumbing -------------------------------------------------------------------------------

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.chain.then(job, job);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private begin(kind: Transfer['kind'], path: string): Transfer {
    const t: Transfer = { kind, path, cancelled: false, sent: 0, abort: (_err: Error): void => undefined };
    this.current = t;
    return t;
  }

  /**
   * A transfer request, after 261 once per session. The camera forgets the address with its
   * session, and a session can be replaced between the two requests (the transfer is then sent
   * again under the new token and refused with -14): the address is given again and the request
   * repeated once.
   */
  private async transferRequest(req: AmbaRequest): Promise<AmbaReply> {
    await this.announce();
    const reply = await this.session.request(req);
    if (reply.rval !== -14 || this.announcedToken === this.session.token) return reply;
    await this.announce();
    return this.session.request(req);
  }

  /** 261: where the data service is to send (spec §4.1), with the address this host uses to reach the camera. */
  private async announce(): Promise<void> {
    const token = this.session.token;
    if (token !== 0 && token === this.announcedToken) return;
    const reply = await this.session.request({ msg_id: MsgId.SET_CLNT_INFO, type: 'TCP', param: this.localAddress });
    // Whatever the answer, not again in this session: a camera that does not know 261 transfers without it.
    this.announcedToken = this.session.token;
    if (reply.rval !== 0) this.session.emit('diagnostic', `the camera answered rval ${reply.rval} to the client address (261); transferring without it`);
  }

  private end(t: object): void {
    if (this.current === t) this.current = null;
  }

  private openSink(): Sink {
    const sink: Sink = { chunks: [], bytes: 0, want: Infinity, onChange: () => undefined };
    this.sink = sink;
    return sink;
  }

  /** Completion events of the running transfer; subscribed before the request, as they may come first. */
  private watch(types: [string, string]): { failed: Promise<Completion>; wait: (ms: number, includeFail?: boolean) => Promise<Completion | undefined>; stop: () => void } {
    let result: Completion | undefined;
    let notify: (() => void) | null = null;
    let onFail: ((c: Completion) => void) | null = null;
    const failed = new Promise<Completion>((resolve) => (onFail = resolve));
    const listener = (raw: Record<string, unknown>): void => {
      if (raw.type !== types[0] && raw.type !== types[1]) return;
      result = { ok: raw.type === types[0], ...completionDetails(raw) };
      if (!result.ok) onFail?.(result);
      notify?.();
    };
    this.session.on('notification', listener);
    return {
      failed,
      wait: (ms, includeFail = false) =>
        new Promise((resolve) => {
          const ready = (): boolean => result !== undefined && (result.ok || includeFail);
          if (ready()) return resolve(result);
          const timer = setTimeout(() => resolve(undefined), ms);
          notify = () => {
            if (!ready()) return;
            clearTimeout(timer);
            resolve(result);
          };
        }),
      stop: () => this.session.off('notification', listener),
    };
  }

  private connect(): Promise<net.Socket> {
    if (this.closed) return Promise.reject(new AmbaError('the camera connection was closed', { code: 'STOPPED' }));
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error(`no data connection to ${this.host}:${this.port} within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        this.localAddress = clientAddress(socket);
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => this.onBytes(socket, chunk));
      socket.on('error', (err: Error) => {
        clearTimeout(timer);
        reject(new AmbaError(`data port: ${err.message}`, { code: 'CONNECTION' }));
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (this.socket === socket) {
          this.socket = null;
          this.sink?.onChange();
        }
      });
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private onBytes(socket: net.Socket, chunk: Buffer): void {
    const sink = this.sink;
    if (this.socket !== socket || !sink) return; // bytes nobody waits for (after a cancel): dropped
    const room = Math.max(0, sink.want - sink.bytes);
    if (room === 0) return;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    sink.chunks.push(Buffer.from(piece));
    sink.bytes += piece.length;
    try {
      sink.onChange();
    } catch {
      // a sink callback never throws; guarded so a socket callback cannot either
    }
  }

  private dropSocket(): void {
    const s = this.socket;
    this.socket = null;
    s?.destroy();
    this.sink?.onChange();
  }
}

/** Both completion forms: `param:[{"bytes sent":N},{"md5sum":"…"}]` and `param:N, md5sum:"…"`. */
export function completionDetails(raw: Record<string, unknown>): { bytes?: number; md5?: string } {
  const out: { bytes?: number; md5?: string } = {};
  if (Array.isArray(raw.param)) {
    for (const item of raw.param) {
      if (!item || typeof item !== 'object') continue;
      for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
        if (k === 'md5sum' && typeof v === 'string') out.md5 = v;
        else if (/bytes/.test(k) && typeof v === 'number') out.bytes = v;
      }
    }
  } else if (typeof raw.param === 'number') {
    out.bytes = raw.param;
  }
  if (typeof raw.md5sum === 'string') out.md5 = raw.md5sum;
  return out;
}

/** The local IPv4 of the data connection (Node reports IPv4 on a dual-stack socket as ::ffff:a.b.c.d). */
function clientAddress(socket: net.Socket): string {
  const local = socket.localAddress ?? '';
  return local.startsWith('::ffff:') ? local.slice('::ffff:'.length) : local;
}

function retryable(err: AmbaError): boolean {
  return ['PARTIAL', 'CONNECTION', 'TIMEOUT', 'OFFLINE'].includes(err.code) || err.rval === -21;
}

function integer(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
