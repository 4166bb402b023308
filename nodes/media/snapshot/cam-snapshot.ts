// Node-RED adapter of snapshots: frames in, JPEG snapshots out on demand
// (msg.action = 'snapshot'), on an interval, or for each frame with a rate limit; optionally the
// last snapshot on Node-RED's HTTP server (RED.httpNode, so httpNodeAuth applies).

import type { FrameInfo } from '../../core/frame';
import { isFrameMessage } from '../../core/frame';
import type { DoneFn, HttpRequest, HttpResponse, NodeDef, NodeMessage, RedAPI, RedNode, SendFn } from '../../core/node-red-types';
import { Status, StatusThrottle } from '../../core/status';
import { ffmpegPathFor } from '../decode/ffmpeg-decoder';
import { NodeProblem, isShowing, problemOf } from '../decode/node-problem';
import { Snapshot, SnapshotEngine, SnapshotInputError } from './snapshot-engine';

type SnapshotMode = 'demand' | 'interval' | 'each';
const MODES: readonly SnapshotMode[] = ['demand', 'interval', 'each'];

interface CamSnapshotDef extends NodeDef {
  mode?: SnapshotMode;
  /** Seconds between snapshots in interval mode. */
  interval?: number | string;
  /** Snapshots per second at most in each-frame mode. */
  rate?: number | string;
  /** Pixels; 0 or empty keeps the size (H.264/H.265 only: JPEG passes through). */
  maxWidth?: number | string;
  ffmpegPath?: string;
  /** HTTP path for GET <path>/snapshot.jpg; empty for none. */
  httpPath?: string;
}

export = function register(RED: RedAPI): void {
  function CamSnapshotNode(this: RedNode, def: CamSnapshotDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const mode: SnapshotMode = MODES.includes(def.mode as SnapshotMode) ? (def.mode as SnapshotMode) : 'demand';
    const intervalMs = Math.max(0.1, positive(def.interval, 10)) * 1000;
    const minGapMs = 1000 / Math.max(0.01, positive(def.rate, 1));
    const ffmpegPath = ffmpegPathFor(def.ffmpegPath, RED.settings.p2pcamFfmpegPath as string | undefined);
    const engine = new SnapshotEngine({ ffmpegPath, maxWidth: Math.round(positive(def.maxWidth, 0)), onDecoderLog: (line) => node.debug(`ffmpeg: ${line}`) });
    const status = new StatusThrottle((s) => node.status(s));
    const lastSentAt = new Map<string, number>();
    const inFlight = new Set<string>();
    const sentSeq = new Map<string, string>();
    let problem: NodeProblem | null = null;
    let closed = false;
    let lastSnapshot: Snapshot | null = null;
    const route = httpRoute(def.httpPath);

    status.set(Status.idle(mode === 'demand' ? 'on demand' : mode === 'interval' ? `every ${intervalMs / 1000}s` : 'each frame'));

    const tick = mode === 'interval' ? setInterval(() => {
      for (const camera of engine.cameras()) {
        const newest = engine.newestFrame(camera);
        // Only when something new came: a stopped camera gives no stream of equal pictures.
        if (!newest || sentSeq.get(camera) === frameKey(newest)) continue;
        take(camera, {}, (m) => node.send(m), (err) => err && report(err, {}));
      }
    }, intervalMs) : null;

    function refreshStatus(): void {
      const now = Date.now();
      if (isShowing(problem, now)) status.set(Status.error(problem.text));
      else if (lastSnapshot) status.set(Status.connected(lastSnapshot.width ? `${lastSnapshot.width}×${lastSnapshot.height}` : 'snapshot'));
    }

    function report(err: Error, msg: NodeMessage): void {
      problem = problemOf(err, shortReason);
      refreshStatus();
      node.error(err, msg);
    }

    /** Makes a snapshot of `camera` and sends it as `msg` with the JPEG in payload. */
    function take(camera: string, msg: NodeMessage, send: SendFn, done: DoneFn): void {
      inFlight.add(camera);
      engine.snapshot(camera).then(
        (snap) => {
          inFlight.delete(camera);
          if (closed) return done();
          lastSentAt.set(camera, Date.now());
          sentSeq.set(camera, frameKey(snap.frame));
          lastSnapshot = snap;
          if (problem && !problem.fatal) problem = null;
          if (problem?.fatal && snap.frame.codec !== 'jpeg') problem = null;
          refreshStatus();
          send(snapshotMessage(msg, camera, snap));
          done();
        },
        (err: unknown) => {
          inFlight.delete(camera);
          if (closed) return done();
          const error = err instanceof Error ? err : new Error(String(err));
          problem = problemOf(error, shortReason);
          refreshStatus();
          done(error);
        },
      );
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      try {
        const wantsSnapshot = msg.action === 'snapshot';
        let camera = typeof msg.topic === 'string' && msg.topic ? msg.topic : '';
        let fresh = false;
        if (isFrameMessage(msg)) {
          camera = msg.frame.camera || camera || node.id;
          fresh = engine.feed({ payload: msg.payload, frame: { ...msg.frame, camera } });
        } else if (!wantsSnapshot) {
          done(new Error('cam-snapshot needs a frame message (a Buffer in msg.payload and msg.frame), or msg.action = "snapshot"'));
          return;
        }
        if (!camera) camera = engine.cameras()[0] ?? '';
        if (wantsSnapshot) {
          take(camera, msg, send, done);
          return;
        }
        // A motion event (from cam-motion) always gets its picture: the rate limit is for streams.
        const motionEvent = typeof msg.motion === 'object' && msg.motion !== null;
        const due = !inFlight.has(camera) && Date.now() - (lastSentAt.get(camera) ?? 0) >= minGapMs;
        if (mode === 'each' && (fresh || motionEvent) && (due || motionEvent) && engine.ready(camera)) {
          take(camera, msg, send, done);
          return;
        }
        done();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (error instanceof SnapshotInputError) {
          problem = { text: shortReason(error), at: Date.now(), fatal: false };
          refreshStatus();
        }
        done(error);
      }
    });

    if (route) {
      RED.httpNode.get(route, (req: HttpRequest, res: HttpResponse) => serveSnapshot(engine, req, res));
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (tick) clearInterval(tick);
      status.dispose();
      if (route) removeRoute(RED, route);
      engine.close().then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('cam-snapshot', CamSnapshotNode);
};

function snapshotMessage(msg: NodeMessage, camera: string, snap: Snapshot): NodeMessage {
  const frame: FrameInfo = { ...snap.frame, camera, codec: 'jpeg', keyframe: true };
  if (snap.width && snap.height) {
    frame.width = snap.width;
    frame.height = snap.height;
  }
  return {
    ...msg,
    topic: camera,
    payload: snap.jpeg,
    frame,
    snapshot: { camera, from: snap.frame.codec, seq: snap.frame.seq, timestamp: snap.frame.timestamp, width: snap.width, height: snap.height },
  };
}

/** `<path>/snapshot.jpg`, with one leading slash and none trailing; null when no path is set. */
function httpRoute(path: string | undefined): string | null {
  const p = (path ?? '').trim().replace(/\/+$/, '');
  if (!p) return null;
  return `${p.startsWith('/') ? '' : '/'}${p}/snapshot.jpg`;
}

function serveSnapshot(engine: SnapshotEngine, req: HttpRequest, res: HttpResponse): void {
  const camera = typeof req.query.camera === 'string' ? req.query.camera : engine.cameras()[0];
  if (!camera || !engine.ready(camera)) {
    res.status(503).send('no snapshot yet');
    return;
  }
  engine.snapshot(camera).then(
    (snap) => {
      res.setHeader('Content-Type', 'image/jpeg');
      res.setHeader('Cache-Control', 'no-store');
      res.end(snap.jpeg);
    },
    () => {
      const last = engine.last(camera);
      if (!last) {
        res.status(503).send('no snapshot yet');
        return;
      }
      res.setHeader('Content-Type', 'image/jpeg');
      res.setHeader('Cache-Control', 'no-store');
      res.end(last.jpeg);
    },
  );
}

/** Node-RED has no route removal; its own http-in node filters the router's stack the same way. */
function removeRoute(RED: RedAPI, route: string): void {
  const stack = RED.httpNode._router?.stack;
  if (!stack) return;
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i].route?.path === route) stack.splice(i, 1);
  }
}

function frameKey(frame: FrameInfo): string {
  return `${frame.seq}@${frame.timestamp}`;
}

function positive(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

function shortReason(err: Error): string {
  if (/^broken JPEG/.test(err.message)) return 'broken JPEG';
  if (/without (VPS|SPS|PPS)/.test(err.message)) return 'no SPS/PPS';
  if (/not (audio|video)/.test(err.message)) return 'codec not taken';
  if (/yet/.test(err.message)) return 'no keyframe yet';
  return 'snapshot failed';
}
