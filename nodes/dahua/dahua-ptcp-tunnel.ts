// Node adapter: a local TCP listener carried into a Dahua device over its shared PTCP session.
// Status shows the state, the path (direct or relay) and the open clients; the output carries
// status messages (state changes, and the session's RTT, retransmissions and bytes per second
// every few seconds while online). msg.action start/stop/restart controls it.

import type { DoneFn, NodeDef, NodeMessage, RedAPI, RedNode, SendFn } from '../core/node-red-types';
import { Status, StatusThrottle, statusMessage, SourceState } from '../core/status';
import type { ConnectionInfo } from './dahua-connection';
import type { DahuaDeviceNode } from './device-config';
import { TunnelListener } from './ptcp-tunnel';

interface TunnelDef extends NodeDef {
  device: string;
  bindAddress?: string;
  port: number | string;
  remotePort: number | string;
  /** Seconds between statistics messages while online; 0 sends only state changes. */
  statsInterval?: number | string;
}

function port(value: unknown, fallback: number, allowZero = false): number {
  const n = Number(value);
  return Number.isInteger(n) && (allowZero ? n >= 0 : n > 0) && n < 65536 ? n : fallback;
}

export = function register(RED: RedAPI): void {
  function DahuaPtcpTunnelNode(this: RedNode, def: TunnelDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const device = RED.nodes.getNode(def.device) as DahuaDeviceNode | null;
    const bindAddress = def.bindAddress?.trim() || '127.0.0.1';
    const remotePort = port(def.remotePort, 554);
    const statsEveryMs = Math.max(0, Number(def.statsInterval ?? 5) || 0) * 1000;
    const status = new StatusThrottle((s) => node.status(s));
    const camera = def.name || device?.name || device?.serial || def.id;
    let listener: TunnelListener | null = null;
    let running = false;
    let unsubscribe: (() => void) | null = null;
    let statsTimer: NodeJS.Timeout | null = null;
    let lastState: SourceState | null = null;
    let closed = false;

    if (!device) {
      status.set(Status.error('no device'));
      node.error('dahua-ptcp-tunnel: choose a dahua-p2p-device');
    } else {
      listener = new TunnelListener(device.connection, {
        bindAddress,
        port: port(def.port, 8554, true),
        remotePort,
        onClients: () => paint(device.connection.info),
      });
    }

    function url(): string {
      const host = bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress;
      const p = listener?.port ?? 0;
      return remotePort === 554 ? `rtsp://${host}:${p}/cam/realmonitor?channel=1&subtype=0` : `tcp://${host}:${p}`;
    }

    function report(state: SourceState, extra: Record<string, unknown> = {}): void {
      const stats = device?.connection.stats();
      node.send(
        statusMessage(camera, state, {
          ...extra,
          path: stats?.path ?? null,
          clients: listener?.clients ?? 0,
          rttMs: stats?.rttMs ?? null,
          retransmissions: stats?.retransmissions ?? 0,
          bytesInPerSec: stats?.bytesInPerSec ?? 0,
          bytesOutPerSec: stats?.bytesOutPerSec ?? 0,
          url: url(),
        }),
      );
    }

    function paint(info: ConnectionInfo): void {
      const clients = listener?.clients ?? 0;
      switch (info.state) {
        case 'online':
          status.set(Status.connected(`${info.path ?? 'online'}, ${clients} client${clients === 1 ? '' : 's'}`));
          break;
        case 'connecting':
          status.set(Status.connecting());
          break;
        case 'offline':
          status.set(Status.offline(info.retryMs));
          break;
        case 'error':
          status.set(Status.error(shortReason(info.reason)));
          break;
        default:
          status.set(Status.idle(running ? 'waiting' : 'stopped'));
      }
    }

    function onState(info: ConnectionInfo): void {
      paint(info);
      const state: SourceState = info.state === 'idle' ? 'stopped' : info.state;
      if (state === lastState && state !== 'offline' && state !== 'error') return;
      lastState = state;
      const extra: Record<string, unknown> = {};
      if (info.reason) extra.reason = info.reason;
      if (info.retryMs !== undefined) extra.retryMs = info.retryMs;
      report(state, extra);
      if (info.state === 'error' && info.reason) node.error(new Error(`${camera}: ${info.reason}`), { topic: `${camera}/status`, payload: { state, ...extra } });
    }

    async function start(): Promise<void> {
      if (running || !device || !listener) return;
      running = true;
      await listener.start();
      if (closed || !running) return; // closed or stopped while the port was being opened
      unsubscribe = device.connection.onState(onState);
      device.register(node);
      onState(device.connection.info);
      if (statsEveryMs > 0) {
        statsTimer = setInterval(() => {
          try {
            if (device.connection.info.state === 'online') report('online');
            paint(device.connection.info);
          } catch (err) {
            node.error(err);
          }
        }, statsEveryMs);
      }
    }

    async function stop(): Promise<void> {
      if (!running) return;
      running = false;
      if (statsTimer) clearInterval(statsTimer);
      statsTimer = null;
      unsubscribe?.();
      unsubscribe = null;
      device?.deregister(node);
      await listener?.stop();
      lastState = 'stopped';
      status.set(Status.idle('stopped'));
      report('stopped');
    }

    function failStart(err: unknown): void {
      running = false;
      unsubscribe?.();
      unsubscribe = null;
      const e = err as NodeJS.ErrnoException;
      status.set(Status.error(e.code === 'EADDRINUSE' ? 'port in use' : 'listen failed'));
      node.error(new Error(`dahua-ptcp-tunnel cannot listen on ${bindAddress}:${def.port}: ${e.message}`), { topic: `${camera}/status`, payload: { state: 'error', reason: e.message } });
    }

    if (device) start().catch(failStart);

    node.on('input', (msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      const action = msg.action;
      const run = async (): Promise<void> => {
        if (action === 'start') await start();
        else if (action === 'stop') await stop();
        else if (action === 'restart') {
          await stop();
          device?.connection.restart();
          await start();
        } else throw new Error(`dahua-ptcp-tunnel: msg.action must be start, stop or restart (got ${JSON.stringify(action)})`);
      };
      run().then(
        () => done(),
        (err: Error) => {
          if (action === 'start' || action === 'restart') failStart(err);
          done(err);
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statsTimer) clearInterval(statsTimer);
      statsTimer = null;
      unsubscribe?.();
      unsubscribe = null;
      status.dispose();
      device?.deregister(node);
      running = false;
      const stopping = listener ? listener.stop() : Promise.resolve();
      stopping.then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('dahua-ptcp-tunnel', DahuaPtcpTunnelNode);
};

/** The first words of a reason, for a status that must stay short. */
function shortReason(reason: string | undefined): string {
  if (!reason) return 'error';
  if (/401|app credentials/.test(reason)) return 'app key refused';
  if (/DevPwd|username and password|device-credential/.test(reason)) return 'device login needed';
  if (/not found|404/.test(reason)) return 'serial not found';
  return reason.slice(0, 19);
}
