// Config node of one TUTK camera: its settings and credentials, and the one connection (a child
// process, through the fan-out hub) that every xiaomi-p2p-in node of this camera shares. The first
// user starts it, the last one stops it. Also the editor's "fetch credentials" endpoint (miIO).
import { FanoutHub } from '../core/fanout-hub';
import type { FrameMessage } from '../core/frame';
import type { HttpRequest, HttpResponse, NodeDef, RedAPI } from '../core/node-red-types';
import { CameraStatusTracker } from './camera-status';
import type { CameraConfigNode, CameraUser } from './camera-user';
import { ChildConfig, DEFAULT_CHILD_CONFIG, MAX_BUF_KB } from './child-messages';
import { FRAME_INFO_PROFILES, FrameInfoProfile } from './frame-info';
import { isStartPayloadVariant, startPayload } from './ioctrl';
import { resolveLibrary } from './library-location';
import { fetchP2PCredentials } from './miio-client';
import { MiioError } from './miio-packet';
import { DEFAULT_WATCHDOG_MS, HostEvent, TutkHost } from './tutk-host';

interface CameraDef extends NodeDef {
  uid?: string;
  libPath?: string;
  startPayload?: string;
  customPayload?: string;
  frameInfoProfile?: string;
  channel?: number | string;
  audio?: boolean;
  connectTimeout?: number | string;
  /** Seconds the library searches the LAN / tries P2P before the next path; '' is the library's default, 0 skips. */
  lanTimeout?: number | string;
  p2pTimeout?: number | string;
  /** The library's receive buffer in KB; '' is its default (1 MB). */
  maxBuffer?: number | string;
  watchdog?: number | string;
  ip?: string;
}

const STOP_TIMEOUT_MS = 14_000;

function seconds(value: unknown, fallback: number, min: number, max: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.max(n, min), max) : fallback;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** An optional library setting: blank leaves the library's default, otherwise a number in range or an error. */
function optionalNumber(value: unknown, min: number, max: number, what: string): number | undefined | { error: string } {
  if (isBlank(value)) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) return { error: `not configured: ${what} must be empty or a number from ${min} to ${max}` };
  return n;
}

/** LAN search and P2P limits (seconds in the dialog, ms for the library) and the receive buffer. */
function librarySettings(def: CameraDef): Pick<ChildConfig, 'lanTimeoutMs' | 'p2pTimeoutMs' | 'maxBufKb'> | { error: string } {
  const lan = optionalNumber(def.lanTimeout, 0, 60, 'the LAN search time (seconds, 0 skips it)');
  const p2p = optionalNumber(def.p2pTimeout, 0, 60, 'the P2P time (seconds, 0 skips it)');
  const buffer = optionalNumber(def.maxBuffer, 64, MAX_BUF_KB, 'the receive buffer (KB)');
  for (const v of [lan, p2p, buffer]) if (typeof v === 'object') return v;
  const out: Pick<ChildConfig, 'lanTimeoutMs' | 'p2pTimeoutMs' | 'maxBufKb'> = {};
  if (typeof lan === 'number') out.lanTimeoutMs = Math.round(lan * 1000);
  if (typeof p2p === 'number') out.p2pTimeoutMs = Math.round(p2p * 1000);
  if (typeof buffer === 'number') out.maxBufKb = Math.round(buffer);
  return out;
}

export = function register(RED: RedAPI): void {
  function XiaomiP2PCameraNode(this: CameraConfigNode, def: CameraDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    node.cameraName = def.name || def.id;
    const users = new Set<CameraUser>();
    const tracker = new CameraStatusTracker();
    let hub: FanoutHub<FrameMessage> | null = null;
    let host: TutkHost | null = null;
    let closing = false;

    Object.defineProperty(node, 'cameraStatus', { get: () => tracker.status });

    function tell(event?: HostEvent): void {
      for (const u of users) {
        try {
          u.onStatus(tracker.status, event);
        } catch (err) {
          node.error(err);
        }
      }
    }

    /** The settings this camera runs with, or the reason it cannot run. */
    function childSettings(): { error: string } | { config: ConstructorParameters<typeof TutkHost>[0]['config'] } {
      const uid = (def.uid ?? '').trim().toUpperCase();
      const account = node.credentials.account ?? '';
      const password = node.credentials.password ?? '';
      if (!uid) return { error: 'not configured: the camera has no UID' };
      if (!account || !password) return { error: 'not configured: the AV account and password are missing' };
      const variant = isStartPayloadVariant(def.startPayload) ? def.startPayload : 'json-empty';
      let body: Buffer;
      try {
        body = startPayload(variant, Number(def.channel) || 0, def.customPayload ?? '');
      } catch (err) {
        return { error: (err as Error).message };
      }
      const profile: FrameInfoProfile = FRAME_INFO_PROFILES.includes(def.frameInfoProfile as FrameInfoProfile) ? def.frameInfoProfile as FrameInfoProfile : 'auto';
      const library = librarySettings(def);
      if ('error' in library) return library;
      return {
        config: {
          ...DEFAULT_CHILD_CONFIG,
          uid,
          account,
          password,
          channel: Math.max(0, Math.min(255, Math.floor(Number(def.channel) || 0))),
          startPayloadHex: body.toString('hex'),
          audio: def.audio !== false,
          frameInfoProfile: profile,
          connectTimeoutMs: seconds(def.connectTimeout, 20, 1, 300) * 1000,
          ...library,
        },
      };
    }

    function ensureHub(): FanoutHub<FrameMessage> | null {
      if (hub) return hub;
      const settings = childSettings();
      if ('error' in settings) {
        const event: HostEvent = { type: 'fatal', errorClass: 'config', reason: settings.error };
        tracker.onHost(event);
        tell(event);
        return null;
      }
      host = new TutkHost({
        camera: node.cameraName,
        config: settings.config,
        watchdogMs: seconds(def.watchdog, DEFAULT_WATCHDOG_MS / 1000, 1, 600) * 1000,
        resolveLibrary: () => resolveLibrary({ configured: def.libPath, userDir: RED.settings.userDir as string | undefined }),
        onEvent: (event) => {
          // Codec id and frame-info size of a real camera are still unknown (spec §7.1): log them once.
          if (event.type === 'firstFrame') node.log(`first ${event.kind} frame: codec id 0x${event.codecId.toString(16)} (${event.codec ?? 'unknown'}), frame info ${event.infoLen} bytes ${event.infoHex}`);
          else if (event.type === 'warning') node.warn(event.message);
          else if (event.type === 'ready') node.log(`TUTK library IOTC ${event.iotcVersion}, AV ${event.avVersion}, ${event.channels} AV channels`);
          if (tracker.onHost(event) || event.type === 'fatal' || event.type === 'exit' || event.type === 'watchdog') tell(event);
        },
      });
      host.setConfigErrorHandler(() => tell());
      hub = new FanoutHub<FrameMessage>(host, {
        onState: (info) => {
          if (tracker.onHub(info)) tell();
        },
        onConsumerError: (err) => node.error(err),
      });
      return hub;
    }

    node.attach = (user: CameraUser) => {
      if (closing) return null;
      users.add(user);
      const h = ensureHub();
      if (!h) {
        users.delete(user); // it was told why by ensureHub
        return null;
      }
      const sub = h.subscribe({ deliver: (frame) => user.deliver(frame) }, {
        queueLimit: 60,
        isKey: (frame) => frame.frame.kind === 'video' && frame.frame.keyframe,
      });
      user.onStatus(tracker.status);
      const close = sub.close.bind(sub);
      sub.close = () => {
        users.delete(user);
        close();
      };
      return sub;
    };

    node.restart = () => {
      if (!hub) return;
      hub.restart();
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      users.clear();
      hub?.close();
      const finished = host ? host.closed() : Promise.resolve();
      const guard = setTimeout(done, STOP_TIMEOUT_MS);
      finished.then(() => {
        clearTimeout(guard);
        done();
      }, () => {
        clearTimeout(guard);
        done();
      });
    });
  }

  RED.nodes.registerType('xiaomi-p2p-camera', XiaomiP2PCameraNode, {
    credentials: { account: { type: 'text' }, password: { type: 'password' }, token: { type: 'password' } },
  });

  // The edit dialog's "fetch credentials": miIO get_ipcprop on the camera's IP with its token.
  // The token typed in the dialog is used; an unchanged (hidden) one is taken from the deployed node.
  RED.httpAdmin.post('/xiaomi-p2p-camera/fetch-credentials', RED.auth.needsPermission('xiaomi-p2p-camera.write'), (req: HttpRequest, res: HttpResponse) => {
    const body = ((req as unknown as { body?: Record<string, unknown> }).body ?? {}) as Record<string, unknown>;
    const ip = typeof body.ip === 'string' ? body.ip.trim() : '';
    let token = typeof body.token === 'string' ? body.token.trim() : '';
    if ((!token || token === '__PWRD__') && typeof body.id === 'string') {
      const deployed = RED.nodes.getNode(body.id) as CameraConfigNode | null;
      token = deployed?.credentials?.token ?? '';
    }
    const port = Number(body.port) > 0 && Number(body.port) < 65536 ? Number(body.port) : undefined;
    if (!ip || !token) {
      res.status(400).json({ error: 'enter the camera\'s IP address and its miIO token first', kind: 'missing' });
      return;
    }
    fetchP2PCredentials({ host: ip, port, token }).then(
      (creds) => res.json({ uid: creds.uid, account: creds.account, password: creds.password }),
      (err: unknown) => {
        const kind = err instanceof MiioError ? err.kind : 'error';
        res.status(kind === 'bad-token-format' ? 400 : 502).json({ error: (err as Error).message, kind });
      },
    );
  });
};
