// Node-RED adapter of motion detection: frame messages in, `motion` start/end events out, each
// carrying the frame that caused it (so a snapshot or a file needs no second step).

import type { FrameInfo } from '../../core/frame';
import { isFrameMessage } from '../../core/frame';
import type { DoneFn, NodeDef, NodeMessage, RedAPI, RedNode, SendFn } from '../../core/node-red-types';
import { RateMeter, Status, StatusThrottle } from '../../core/status';
import { ffmpegPathFor } from '../decode/ffmpeg-decoder';
import { MotionEngine, MotionInputError } from './motion-engine';
import { MotionEvent } from './motion-events';
import { DEFAULT_MOTION_SETTINGS, MotionSettings, resolveSettings } from './motion-settings';
import { NodeProblem, isShowing, problemOf } from '../decode/node-problem';

interface CamMotionDef extends NodeDef {
  sensitivity?: number | string;
  /** Percent of the picture. */
  minArea?: number | string;
  /** Seconds. */
  cooldown?: number | string;
  /** JSON array of {x, y, w, h} fractions. */
  mask?: string;
  ffmpegPath?: string;
}

const TICK_MS = 1000;

export = function register(RED: RedAPI): void {
  function CamMotionNode(this: RedNode, def: CamMotionDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const configured = resolveSettings(DEFAULT_MOTION_SETTINGS, { sensitivity: def.sensitivity, minArea: def.minArea, cooldown: def.cooldown, mask: def.mask });
    const base: MotionSettings = configured.settings;
    if (configured.problems.length > 0) node.warn(`cam-motion settings: ${configured.problems.join('; ')}; defaults used for those`);
    const ffmpegPath = ffmpegPathFor(def.ffmpegPath, RED.settings.p2pcamFfmpegPath as string | undefined);
    const engine = new MotionEngine({ ffmpegPath, onDecoderLog: (line) => node.debug(`ffmpeg: ${line}`) });
    const status = new StatusThrottle((s) => node.status(s));
    const fps = new RateMeter();
    let lastFrameAt = 0;
    let problem: NodeProblem | null = null;
    let activeArea: number | null = null;
    let closed = false;

    status.set(Status.idle('waiting for frames'));

    const tick = setInterval(() => {
      try {
        for (const { camera, event } of engine.idle(Date.now())) node.send(eventMessage({}, camera, event, null));
        refreshStatus(Date.now());
      } catch (err) {
        node.error(err);
      }
    }, TICK_MS);

    function refreshStatus(now: number): void {
      if (isShowing(problem, now)) status.set(Status.error(problem.text));
      else if (activeArea !== null) status.set(Status.info(`motion ${(activeArea * 100).toFixed(1)}%`));
      else if (now - lastFrameAt < 5000) status.set({ fill: 'green', shape: 'dot', text: `watching ${Math.round(fps.rate())} fps` });
      else if (lastFrameAt > 0) status.set(Status.idle('no frames'));
    }

    function eventMessage(msg: NodeMessage, camera: string, event: MotionEvent, frame: FrameInfo | null): NodeMessage {
      const out: NodeMessage = { ...msg, topic: `${camera}/motion`, motion: { camera, ...event } };
      if (!frame) {
        out.payload = null;
        delete out.frame;
      }
      return out;
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      if (msg.action === 'reset') {
        engine.reset(typeof msg.topic === 'string' && msg.topic ? msg.topic : undefined);
        activeArea = null;
        done();
        return;
      }
      const overrides = resolveSettings(base, { sensitivity: msg.sensitivity, minArea: msg.minArea, cooldown: msg.cooldown, mask: msg.mask });
      if (!isFrameMessage(msg)) {
        problem = { text: 'not a frame', at: Date.now(), fatal: false };
        refreshStatus(Date.now());
        done(new Error('cam-motion needs a frame message: a Buffer in msg.payload and msg.frame (from a camera source or frame-assembler)'));
        return;
      }
      const frame: FrameInfo = { ...msg.frame, camera: msg.frame.camera || String(msg.topic ?? node.id) };
      if (!Number.isFinite(frame.timestamp)) frame.timestamp = Date.now();
      lastFrameAt = Date.now();
      fps.add();
      engine.process({ payload: msg.payload, frame }, overrides.settings).then(
        (outcome) => {
          if (closed) return done();
          if (outcome.event) {
            activeArea = outcome.event.event === 'start' ? outcome.event.area ?? 0 : null;
            send(eventMessage(msg, frame.camera, { ...outcome.event }, frame));
          } else if (activeArea !== null && outcome.measure?.motion && outcome.measure.area !== null) {
            activeArea = outcome.measure.area;
          }
          if (problem && !problem.fatal) problem = null;
          if (problem?.fatal && outcome.method === 'decoder') problem = null;
          refreshStatus(Date.now());
          done(overrides.problems.length > 0 ? new Error(`cam-motion: ${overrides.problems.join('; ')}`) : undefined);
        },
        (err: unknown) => {
          if (closed) return done();
          const error = err instanceof Error ? err : new Error(String(err));
          problem = problemOf(error, (e) => (e instanceof MotionInputError ? shortReason(e.message) : 'error'));
          refreshStatus(Date.now());
          done(error);
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(tick);
      status.dispose();
      engine.close().then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('cam-motion', CamMotionNode);
};

function shortReason(message: string): string {
  if (message.startsWith('broken JPEG')) return 'broken JPEG';
  if (message.includes('without')) return 'no SPS/PPS';
  if (message.includes('takes JPEG')) return 'codec not taken';
  return 'bad frame';
}
