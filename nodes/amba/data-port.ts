// Transfers over the camera's data port (TCP 8787, raw bytes, no framing; spec §4). The request
// and its reply go through the control session; the bytes come on a separate connection that is
// opened before the request and reused. The control queue is free again as soon as the reply is
// in, so other commands keep working while the bytes stream.
//
// Downloads resume: when the data connection drops (or the camera reports get_file_fail), the
// next attempt asks for the rest with `offset`. The md5 of the completion event is checked
// against the whole file or against the last part, since firmware differ in which one they send.

import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { AmbaSession } from './amba-session';
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
  private current: { path: string; cancelled: boolean; abort: (err: Error) => void } | null = null;
  private closed = false;

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

  /** Stops the running transfer (1287); its promise rejects with code CANCELLED. */
  async cancel(): Promise<{ path: string | null; transferredSize?: number }> {
    const t = this.current;
    if (!t) return { path: null };
    t.cancelled = true;
    const reply = await this.session.request({ msg_id: MsgId.CANCEL_FILE_XFER, param: t.path });
    t.abort(new AmbaError(`transfer of ${t.path} cancelled`, { code: 'CANCELLED', msgId: MsgId.GET_FILE }));
    this.dropSocket();
    if (reply.rval !== 0 && reply.rval !== -14) throw AmbaError.fromRval(reply.rval, MsgId.CANCEL_FILE_XFER, 'cancel');
    return { path: t.path, transferredSize: typeof reply.transferred_size === 'number' ? reply.transferred_size : undefined };
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
      const t = this.begin(path);
      const events = this.watch(['get_file_complete', 'get_file_fail']);
      try {
        await this.connect();
        const sink = this.openSink();
        const req = { msg_id: MsgId.GET_FILE, param: path, offset: got, fetch_size: size < 0 ? 0 : size - got };
        const reply = await this.session.request(req);
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
        this.dropSocket();
        if (!retryable(e) || t.cancelled) throw e;
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
    const t = this.begin(path);
    const events = this.watch(['put_file_complete', 'put_file_fail']);
    try {
      const socket = await this.connect();
      const digest = md5(data);
      const reply = await this.session.request({ msg_id: MsgId.PUT_FILE, param: path, offset: 0, size: data.length, md5sum: digest });
      if (reply.rval !== 0) throw AmbaError.fromRval(reply.rval, MsgId.PUT_FILE, `upload of ${path}`);
      socket.write(data);
      const done = await events.wait(this.stallMs + Math.ceil(data.length / 50_000), true);
      if (!done) throw new AmbaError(`upload of ${path}: no completion from the camera`, { code: 'TIMEOUT' });
      if (!done.ok) throw new AmbaError(`upload of ${path} failed on the camera (put_file_fail after ${done.bytes ?? 0} bytes)`, { code: 'PUT_FAIL' });
      return { path, size: data.length, md5: digest };
    } finally {
      events.stop();
      this.end(t);
    }
  }

  private async runThumbnail(path: string, type: string): Promise<ThumbnailResult> {
    const t = this.begin(path);
    try {
      await this.connect();
      const sink = this.openSink();
      // AppLib pushes the bytes first and replies after, with their size and md5.
      const reply = await this.session.request({ msg_id: MsgId.GET_THUMB, param: path, type });
      if (reply.rval !== 0) throw AmbaError.fromRval(reply.rval, MsgId.GET_THUMB, `thumbnail of ${path}`);
      const size = integer(reply.size);
      if (size === null || size < 0 || size > 16 * 1024 * 1024) throw new AmbaError(`thumbnail of ${path}: impossible size ${String(reply.size)}`, { code: 'PROTOCOL' });
      const data = await this.receive(sink, size, new Promise(() => undefined), t);
      const digest = md5(data);
      if (typeof reply.md5sum === 'string' && reply.md5sum.toLowerCase() !== digest) throw new AmbaError(`thumbnail of ${path}: md5 mismatch`, { code: 'MD5' });
      return { path, data, size, md5: digest, type: String(reply.type ?? type) };
    } catch (err) {
      this.dropSocket();
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

  private begin(path: string): { path: string; cancelled: boolean; abort: (err: Error) => void } {
    const t = { path, cancelled: false, abort: (_err: Error): void => undefined };
    this.current = t;
    return t;
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
