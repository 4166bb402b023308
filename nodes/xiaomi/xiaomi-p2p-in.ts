// Source node of a TUTK camera: video frames on output 1, audio frames on output 2, status
// messages on output 3. Starts on deploy; msg.action start / stop / restart on its input.
import type { Subscription } from '../core/fanout-hub';
import type { FrameMessage } from '../core/frame';
import type { DoneFn, NodeDef, NodeMessage, RedAPI, RedNode, SendFn } from '../core/node-red-types';
import { RateMeter, Status, StatusThrottle, statusMessage } from '../core/status';
import { CameraStatus, statusLook } from './camera-status';
import type { HostEvent } from './tutk-host';
import type { CameraConfigNode } from './camera-user';

interface InDef extends NodeDef {
  camera?: string;
}

const TICK_MS = 1000;
/** No frame for this long while online: the status says "connected" instead of a stale rate. */
const STALE_MS = 3000;

export = function register(RED: RedAPI): void {
  function XiaomiP2PInNode(this: RedNode, def: InDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const camera = def.camera ? (RED.nodes.getNode(def.camera) as CameraConfigNode | null) : null;
    const status = new StatusThrottle((s) => node.status(s));
    const fps = new RateMeter();
    const bits = new RateMeter();
    let subscription: Subscription<FrameMessage> | null = null;
    let lastFrameAt = 0;
    let streaming = false;
    let lastState = '';
    let lastMode: string | undefined;

    if (!camera) {
      status.set(Status.idle('no camera'));
      node.error(new Error('xiaomi-p2p-in has no xiaomi-p2p-camera configured'));
    }
    const name = camera?.cameraName ?? def.name ?? def.id;

    function snapshot(extra: Record<string, unknown> = {}): NodeMessage {
      const s: CameraStatus | undefined = camera?.cameraStatus;
      const state = streaming ? 'streaming' : s?.state ?? 'stopped';
      const payload: Record<string, unknown> = {
        fps: Math.round(fps.rate() * 10) / 10,
        bitrate: Math.round(bits.rate() * 8),
        drops: { ...(s?.drops ?? {}), consumer: subscription?.dropped ?? 0 },
        ...extra,
      };
      for (const key of ['reason', 'code', 'codeName', 'mode', 'retryMs', 'library'] as const) {
        if (s?.[key] !== undefined) payload[key] = s[key];
      }
      return statusMessage(name, state, payload) as unknown as NodeMessage;
    }

    function refresh(): void {
      const s = camera?.cameraStatus;
      if (!s) return;
      const now = Date.now();
      if (streaming && now - lastFrameAt > STALE_MS) streaming = false;
      status.set(statusLook(s, s.state === 'online' && streaming ? fps.rate() : null));
      const state = streaming ? 'streaming' : s.state;
      if (state !== lastState || s.mode !== lastMode) {
        lastState = state;
        lastMode = s.mode;
        node.send([null, null, snapshot()]);
      }
    }

    const user = {
      deliver(frame: FrameMessage) {
        lastFrameAt = Date.now();
        if (frame.frame.kind === 'video') {
          fps.add();
          bits.add(frame.payload.length);
          if (!streaming) {
            streaming = true;
            refresh();
          }
          node.send([frame, null, null]);
        } else {
          bits.add(frame.payload.length);
          node.send([null, frame, null]);
        }
      },
      onStatus(s: CameraStatus, event?: HostEvent) {
        if (s.state !== 'online') streaming = false;
        refresh();
        const failure = event?.type === 'fatal' || (event?.type === 'exit' && event.restart) || event?.type === 'watchdog'
          || (event?.type === 'phase' && event.phase === 'offline');
        if (failure) {
          // Catch nodes get every failure: configuration errors, lost or unreachable cameras
          // (once per retry, so at most every 5 s), crashes and watchdog kills.
          const reason = s.reason ?? (event?.type === 'exit' ? event.reason : 'camera failed');
          node.error(new Error(`${name}: ${reason}`), snapshot());
        }
      },
    };

    function start(): void {
      if (!camera || subscription) return;
      subscription = camera.attach(user);
    }

    function stop(): void {
      subscription?.close();
      subscription = null;
      streaming = false;
      status.set(Status.idle('stopped'));
      lastState = 'stopped';
      node.send([null, null, snapshot()]);
    }

    const tick = setInterval(() => {
      try {
        if (subscription) refresh();
      } catch (err) {
        node.error(err);
      }
    }, TICK_MS);

    node.on('input', (msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      const action = typeof msg.action === 'string' ? msg.action : '';
      if (action === 'start') start();
      else if (action === 'stop') stop();
      else if (action === 'restart') {
        if (!subscription) start();
        else camera?.restart();
      } else {
        done(new Error(`xiaomi-p2p-in: msg.action must be "start", "stop" or "restart" (got ${JSON.stringify(msg.action ?? null)})`));
        return;
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(tick);
      status.dispose();
      subscription?.close();
      subscription = null;
      done();
    });

    // Started once the flow is running, so that Catch nodes already listen for a failure at start.
    const firstStart = setImmediate(() => {
      try {
        start();
      } catch (err) {
        node.error(err);
      }
    });
    node.on('close', () => clearImmediate(firstStart));
  }

  RED.nodes.registerType('xiaomi-p2p-in', XiaomiP2PInNode);
};
