// The HTTP bootstrap API a V720 camera calls first (spec §2): `POST <path>?<query>` with a
// `version: <firmware>` header and no body. The answers tell it its device id (first boot
// only) and where to open the registration TCP link (getA9ConfCheck). A plain node:http
// handler, so it serves on its own port (80 for real cameras) or mounted on another server.

import type { IncomingMessage, ServerResponse } from 'http';
import { randomBytes, randomInt } from 'crypto';

export type BootstrapEndpoint = 'registerDevices' | 'confirm' | 'getA9ConfCheck' | 'a9bindingAppDevice' | 'getDevInfo';

const ENDPOINTS: Record<string, BootstrapEndpoint> = {
  '/app/api/ApiSysDevicesBatch/registerDevices': 'registerDevices',
  '/app/api/ApiSysDevicesBatch/confirm': 'confirm',
  '/app/api/ApiServer/getA9ConfCheck': 'getA9ConfCheck',
  '/app/api/ApiSysDevices/a9bindingAppDevice': 'a9bindingAppDevice',
  '/app/api/ApiSysDevices/getDevInfo': 'getDevInfo',
};

export const MAX_URL_LENGTH = 2048;
const MAX_PARAMS = 32;
const MAX_VALUE_LENGTH = 256;
const DEVICE_ID = /^[A-Za-z0-9]{1,32}$/;
const FIRMWARE = /^[A-Za-z0-9._-]{1,32}$/;

export interface BootstrapRequest {
  endpoint: BootstrapEndpoint;
  query: Record<string, string>;
  /** devicesCode, when given and well-formed. */
  deviceId?: string;
  /** The `version` header: the camera's firmware. */
  firmware?: string;
}

export type ParseResult = { ok: true; request: BootstrapRequest } | { ok: false; status: number; reason: string };

/** Reads method, URL and headers into a request we answer, or the HTTP error to answer with. */
export function parseBootstrapRequest(method: string | undefined, url: string | undefined, headers: Record<string, string | string[] | undefined>): ParseResult {
  if (typeof url !== 'string' || url.length === 0) return { ok: false, status: 400, reason: 'no URL' };
  if (url.length > MAX_URL_LENGTH) return { ok: false, status: 414, reason: 'URL too long' };
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const endpoint = Object.prototype.hasOwnProperty.call(ENDPOINTS, path) ? ENDPOINTS[path] : undefined;
  if (!endpoint) return { ok: false, status: 404, reason: 'unknown path' };
  if (method !== 'POST' && method !== 'GET') return { ok: false, status: 405, reason: 'method not allowed' };
  const query: Record<string, string> = Object.create(null);
  if (q >= 0) {
    let params: URLSearchParams;
    try {
      params = new URLSearchParams(url.slice(q + 1));
    } catch {
      return { ok: false, status: 400, reason: 'bad query' };
    }
    let count = 0;
    for (const [key, value] of params) {
      if (++count > MAX_PARAMS) return { ok: false, status: 400, reason: 'too many parameters' };
      if (key.length > 64 || value.length > MAX_VALUE_LENGTH) return { ok: false, status: 400, reason: 'parameter too long' };
      query[key] = value;
    }
  }
  const request: BootstrapRequest = { endpoint, query };
  const code = query.devicesCode;
  if (code !== undefined) {
    if (!DEVICE_ID.test(code)) return { ok: false, status: 400, reason: 'bad devicesCode' };
    request.deviceId = code;
  }
  const version = headers.version;
  if (typeof version === 'string' && FIRMWARE.test(version)) request.firmware = version;
  return { ok: true, request };
}

export interface BootstrapConfig {
  /** The address cameras are told to open the registration link to. */
  advertisedHost(): string;
  tcpPort(): number;
  /** The 8-hex-char pwd a camera gets (and sends back as token); random by default. */
  passwordFor?(deviceId: string): string;
  /** A fresh 12-char id for a factory-fresh camera; "0800c00" + 5 digits by default. */
  newDeviceId?(): string;
  now?(): number;
}

export interface BootstrapEvent {
  endpoint: BootstrapEndpoint;
  deviceId?: string;
  firmware?: string;
  remoteAddress?: string;
  /** The pwd handed out by getA9ConfCheck. */
  pwd?: string;
}

/** The JSON reply for a request (spec §2): `{code:200, message, data}`. */
export function bootstrapReply(request: BootstrapRequest, config: BootstrapConfig): { data: unknown; pwd?: string } {
  switch (request.endpoint) {
    case 'registerDevices':
      return { data: config.newDeviceId ? config.newDeviceId() : defaultDeviceId() };
    case 'getA9ConfCheck': {
      const uid = request.deviceId ?? '';
      const pwd = config.passwordFor ? config.passwordFor(uid) : randomBytes(4).toString('hex');
      const now = config.now ? config.now() : Date.now();
      return {
        pwd,
        data: {
          tcpPort: config.tcpPort(),
          uid,
          isBind: '8',
          domain: 'v720.naxclow.com',
          // Non-null updateUrl/version probably start a firmware update: keep them null.
          updateUrl: null,
          host: config.advertisedHost(),
          currTime: String(Math.floor(now / 1000)),
          pwd,
          version: null,
        },
      };
    }
    case 'getDevInfo':
      return { data: { userInfo_state: 1 } };
    default:
      return { data: null };
  }
}

function defaultDeviceId(): string {
  return '0800c00' + String(randomInt(0, 100_000)).padStart(5, '0');
}

export class BootstrapApi {
  constructor(private readonly config: BootstrapConfig, private readonly onEvent: (event: BootstrapEvent) => void = () => {}) {}

  /** node:http request listener; also an express handler (unknown paths go to `next` if given). */
  readonly handle = (req: IncomingMessage, res: ServerResponse, next?: () => void): void => {
    try {
      req.on('error', () => res.destroy());
      // The camera sends no body; whatever comes is read and thrown away, never stored.
      req.resume();
      const parsed = parseBootstrapRequest(req.method, req.url, req.headers);
      if (!parsed.ok) {
        if (parsed.status === 404 && next) return next();
        sendJson(res, parsed.status, { code: parsed.status, message: parsed.reason, data: null });
        return;
      }
      const { data, pwd } = bootstrapReply(parsed.request, this.config);
      sendJson(res, 200, { code: 200, message: 'OK', data });
      this.onEvent({
        endpoint: parsed.request.endpoint,
        deviceId: parsed.request.deviceId ?? (parsed.request.endpoint === 'registerDevices' ? String(data) : undefined),
        firmware: parsed.request.firmware,
        remoteAddress: req.socket.remoteAddress,
        pwd,
      });
    } catch {
      if (!res.headersSent) sendJson(res, 500, { code: 500, message: 'error', data: null });
      else res.destroy();
    }
  };
}

/** Non-chunked JSON with Content-Length: the camera's HTTP client is simple (spec §8.10). */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': text.length, Connection: 'keep-alive' });
  res.end(text);
}
