// Node-RED adapter of the stream server: frames in (the frame contract), served over RTSP on a
// configurable port and path, and, for JPEG sources, as MJPEG and a snapshot on Node-RED's own
// HTTP server (httpNode, so httpNodeAuth and httpNodeMiddleware apply). No outputs.

import type { DoneFn, HttpRequest, HttpResponse, HttpRouter, NodeDef, NodeMessage, RedAPI, RedNode } from '../../core/node-red-types';
import { isFrameMessage } from '../../core/frame';
import { RateMeter, Status, StatusThrottle } from '../../core/status';
import { MjpegHttpStream } from './mjpeg-http-stream';
import { normalizeMountPath } from '../rtsp/rtsp-server';
import { ServerLease, acquireRtspServer } from '../rtsp/rtsp-server-registry';
import { StreamOut } from './stream-out-engine';

interface StreamOutDef extends NodeDef {
  rtsp?: boolean;
  port?: number | string;
  host?: string;
  path?: string;
  maxClients?: number | string;
  queue?: number | string;
  http?: boolean;
}

interface StreamOutCredentials {
  username: string;
  password: string;
}

const TICK_MS = 1000;
/** A refused frame keeps the status red this long, then it shows the stream again. */
const ERROR_SHOWN_MS = 5000;
/** close() must call done within 15 s (CONVENTIONS.md); we give up waiting well before. */
const CLOSE_GIVE_UP_MS = 10_000;

type Middleware = (req: HttpRequest, res: HttpResponse, next?: () => void) => void;

export = function register(RED: RedAPI): void {
  function CamStreamOutNode(this: RedNode<StreamOutCredentials>, def: StreamOutDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const path = normalizeMountPath(def.path || 'camera');
    const rtspEnabled = def.rtsp !== false;
    const httpEnabled = def.http !== false;
    const port = intIn(def.port, 1, 65535, 8554);
    const maxClients = intIn(def.maxClients, 1, 1000, 10);
    const stream = new StreamOut();
    const mjpeg = new MjpegHttpStream(stream, { maxClients });
    const status = new StatusThrottle((s) => node.status(s));
    const fps = new RateMeter();
    let lease: Promise<ServerLease | null> = Promise.resolve(null);
    let serverProblem: string | null = null;
    let lastErrorAt = 0;
    let lastError = '';
    const routes: string[] = [];

    status.set(Status.idle('waiting for frames'));

    if (rtspEnabled) {
      lease = acquireRtspServer({
        port,
        host: def.host?.trim() || '0.0.0.0',
        maxClients,
        onError: (err) => node.warn(`RTSP server: ${err.message}`),
      }).then((held) => {
        try {
          held.server.addMount(path, stream, { credentials: credentialsOf(node), queueLimit: intIn(def.queue, 2, 10_000, 60) });
        } catch (err) {
          void held.release();
          throw err;
        }
        return held;
      }).catch((err: Error & { code?: string }) => {
        serverProblem = err.code === 'EADDRINUSE' ? `port ${port} in use` : 'RTSP server failed';
        node.error(`cam-stream-out cannot serve rtsp://…:${port}/${path}: ${err.message}`);
        status.set(Status.error(serverProblem));
        return null;
      });
    }

    if (httpEnabled) {
      const middleware = httpMiddleware(RED);
      const streamUrl = `/${path}/stream.mjpeg`;
      const snapshotUrl = `/${path}/snapshot.jpg`;
      RED.httpNode.get(streamUrl, ...middleware, guarded((req, res) => mjpeg.serveStream(req, res)));
      RED.httpNode.get(snapshotUrl, ...middleware, guarded((req, res) => mjpeg.serveSnapshot(req, res)));
      routes.push(streamUrl, snapshotUrl);
    }

    const tick = setInterval(() => {
      try {
        refreshStatus();
      } catch (err) {
        node.error(err);
      }
    }, TICK_MS);

    function refreshStatus(): void {
      if (serverProblem) return status.set(Status.error(serverProblem));
      if (Date.now() - lastErrorAt < ERROR_SHOWN_MS) return status.set(Status.error(lastError));
      const rate = fps.rate();
      if (rate === 0) return status.set(Status.idle(stream.frames > 0 ? 'no frames' : 'waiting for frames'));
      void lease.then((held) => {
        const viewers = (held?.server.playingCount ?? 0) + mjpeg.clientCount;
        status.set(Status.connected(`${formatRate(rate)} fps, ${viewers} viewer${viewers === 1 ? '' : 's'}`));
      });
    }

    node.on('input', (msg: NodeMessage, _send, done: DoneFn) => {
      try {
        if (!isFrameMessage(msg)) {
          refuse('not a frame');
          done(new Error('cam-stream-out needs a frame message: msg.payload a Buffer and msg.frame with codec and kind'));
          return;
        }
        const result = stream.push(msg.payload, msg.frame);
        if (!result.ok) {
          refuse(`bad ${msg.frame.codec} frame`);
          done(new Error(`cam-stream-out: ${result.error}`));
          return;
        }
        fps.add();
        done();
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });

    function refuse(text: string): void {
      lastErrorAt = Date.now();
      lastError = text;
      status.set(Status.error(text));
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(tick);
      status.dispose();
      for (const url of routes) removeRoute(RED.httpNode, url);
      mjpeg.close();
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(giveUp);
        stream.close();
        done();
      };
      const giveUp = setTimeout(finish, CLOSE_GIVE_UP_MS);
      lease.then(async (held) => {
        if (!held) return;
        held.server.removeMount(path);
        await held.release();
      }).catch((err: Error) => node.warn(`cam-stream-out close: ${err.message}`)).finally(finish);
    });
  }

  RED.nodes.registerType('cam-stream-out', CamStreamOutNode, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });
};

function credentialsOf(node: RedNode<StreamOutCredentials>): StreamOutCredentials | null {
  const username = node.credentials?.username?.trim();
  return username ? { username, password: node.credentials.password ?? '' } : null;
}

/** httpNodeMiddleware from settings.js, applied as the core http in node applies it. */
function httpMiddleware(RED: RedAPI): Middleware[] {
  const configured = RED.settings.httpNodeMiddleware;
  if (typeof configured === 'function') return [configured as Middleware];
  if (Array.isArray(configured)) return configured.filter((m): m is Middleware => typeof m === 'function');
  return [];
}

/** A handler that can never throw into Express: a failure answers 500. */
function guarded(handler: (req: HttpRequest, res: HttpResponse) => void): Middleware {
  return (req, res) => {
    try {
      handler(req, res);
    } catch {
      if (!res.headersSent) res.status(500).send('cam-stream-out failed');
      else res.destroy();
    }
  };
}

/** Takes our GET route off httpNode again, as the core http in node does on close. */
function removeRoute(router: HttpRouter, url: string): void {
  const stack = router._router?.stack;
  if (!stack) return;
  for (let i = stack.length - 1; i >= 0; i--) {
    const route = stack[i].route as { path: string; methods?: Record<string, boolean> } | undefined;
    if (route && route.path === url && route.methods?.get) stack.splice(i, 1);
  }
}

function intIn(value: unknown, min: number, max: number, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

function formatRate(rate: number): string {
  return rate >= 10 ? String(Math.round(rate)) : rate.toFixed(1).replace(/\.0$/, '');
}
