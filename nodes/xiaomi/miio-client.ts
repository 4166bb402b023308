// Asks an old Xiaomi camera for its TUTK credentials over miIO (spec §4): hello, then
// `get_ipcprop ["all"]`, mapping p2p_id/avID/avPass to UID/account/password. Most firmware hides
// them; that outcome is reported as such, distinct from a wrong token or a silent device.
import * as dgram from 'dgram';
import {
  MIIO_HELLO, MIIO_PORT, MiioError, decodeMiioHeader, decodeMiioPacket, encodeMiioPacket, parseMiioJson, parseToken,
} from './miio-packet';

export interface MiioRequestOptions {
  host: string;
  port?: number;
  /** 32 hex characters. */
  token: string;
  helloTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Request attempts (each after a fresh hello), as python-miio does. */
  attempts?: number;
}

export interface P2PCredentials {
  uid: string;
  account: string;
  password: string;
  /** Everything get_ipcprop returned, without the password. */
  properties: Record<string, unknown>;
}

/** Device errors worth another attempt: "user ack timeout" (seen on cameras) and −30001. */
const RECOVERABLE = new Set([-9999, -30001]);
const HELLO_SENDS = 3;

interface Pending {
  accept(msg: Buffer): boolean;
}

/** One UDP socket per device, as the device answers to the sender's port. */
class MiioConnection {
  private readonly socket = dgram.createSocket('udp4');
  private pending: Pending | null = null;
  private closed = false;
  private socketError: Error | null = null;

  constructor(private readonly host: string, private readonly port: number) {
    this.socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== this.port || !this.pending) return;
      try {
        this.pending.accept(msg);
      } catch {
        // a datagram we cannot use is ignored; the wait times out if nothing good arrives
      }
    });
    this.socket.on('error', (err) => {
      this.socketError = err;
    });
  }

  /** Sends `packet` and waits up to `timeoutMs` for a datagram that `accept` takes. */
  exchange(packet: Buffer, timeoutMs: number, accept: (msg: Buffer) => boolean): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.pending = null;
        resolve(ok);
      };
      this.pending = { accept: (msg) => (accept(msg) ? (finish(true), true) : false) };
      this.socket.send(packet, this.port, this.host, (err) => {
        if (err) {
          this.socketError = err;
          finish(false);
        }
      });
    });
  }

  get error(): Error | null {
    return this.socketError;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

/** Sends one miIO method call and returns its `result` (after hello, with retries). */
export async function miioCall(options: MiioRequestOptions, method: string, params: unknown[]): Promise<unknown> {
  const token = parseToken(options.token);
  const port = options.port ?? MIIO_PORT;
  const attempts = Math.max(1, options.attempts ?? 3);
  const conn = new MiioConnection(options.host, port);
  let lastProblem = `no answer from ${options.host}:${port}: check the IP address, and that the camera is on this network`;
  let id = 1 + Math.floor(Math.random() * 9000);
  try {
    for (let attempt = 0; attempt < attempts; attempt++, id = ((id + 100 - 1) % 9999) + 1) {
      let device: { did: number; stamp: number; at: number } | null = null;
      for (let i = 0; i < HELLO_SENDS && !device; i++) {
        await conn.exchange(MIIO_HELLO, options.helloTimeoutMs ?? 1000, (msg) => {
          const h = decodeMiioHeader(msg);
          if (h.length !== 32) return false;
          device = { did: h.did, stamp: h.stamp, at: Date.now() };
          return true;
        });
      }
      if (!device) break;
      const { did, stamp, at } = device;
      const request = Buffer.from(JSON.stringify({ id, method, params }));
      const packet = encodeMiioPacket(token, did, stamp + Math.floor((Date.now() - at) / 1000), request);
      let reply: Record<string, unknown> | null = null;
      let tokenProblem: MiioError | null = null;
      await conn.exchange(packet, options.requestTimeoutMs ?? 2000, (msg) => {
        const h = decodeMiioHeader(msg);
        if (h.length <= 32) return false; // a late hello reply
        try {
          const json = parseMiioJson(decodeMiioPacket(token, msg).plaintext);
          if (json.id !== id) return false;
          reply = json;
        } catch (err) {
          if (err instanceof MiioError && err.kind === 'invalid-token') tokenProblem = err;
          else throw err;
        }
        return true;
      });
      if (tokenProblem) throw new MiioError('invalid-token', 'the camera answered, but not with this token: check the token');
      if (!reply) {
        lastProblem = `the camera answered the hello but not the ${method} request`;
        continue;
      }
      const answer = reply as Record<string, unknown>;
      if (answer.error !== undefined) {
        const error = answer.error as { code?: unknown; message?: unknown };
        const code = Number(error?.code);
        lastProblem = `the camera refused ${method}: ${String(error?.message ?? 'error')} (${Number.isFinite(code) ? code : '?'})`;
        if (RECOVERABLE.has(code)) continue;
        throw new MiioError('device-error', lastProblem);
      }
      return answer.result;
    }
    throw new MiioError('timeout', conn.error ? `${lastProblem} (${conn.error.message})` : lastProblem);
  } finally {
    conn.close();
  }
}

/** `get_ipcprop ["all"]` → UID, account and password, or a clear reason why not. */
export async function fetchP2PCredentials(options: MiioRequestOptions): Promise<P2PCredentials> {
  const result = await miioCall(options, 'get_ipcprop', ['all']);
  const props = (Array.isArray(result) ? result[0] : result) as Record<string, unknown> | undefined;
  if (typeof props !== 'object' || props === null) throw new MiioError('malformed', 'get_ipcprop returned no properties');
  const uid = typeof props.p2p_id === 'string' ? props.p2p_id.trim().toUpperCase() : '';
  const account = typeof props.avID === 'string' ? props.avID : '';
  const password = typeof props.avPass === 'string' ? props.avPass : '';
  if (!uid || !account || !password) {
    throw new MiioError('no-credentials', 'this camera does not expose P2P credentials (its firmware hides p2p_id, avID and avPass): enter the UID, account and password by hand');
  }
  const { avPass: _hidden, ...properties } = props;
  return { uid, account, password, properties };
}
