// Config node of one Ambarella camera: it owns the AmbaClient (control session + data port) and
// shares it among every amba-rpc node that uses it. The first user starts the connection, the
// last one to leave stops it (the register/deregister pattern of Node-RED's MQTT broker node).

import { AmbaClient } from './amba-client';
import { PROFILE_NAMES, ProfileName } from './model-profiles';
import type { TakeoverPolicy } from './amba-session';
import type { AmbaCameraNode } from './amba-camera-config';
import type { NodeDef, RedAPI, RedNode } from '../core/node-red-types';
import { SharedUse } from '../core/shared-use';

interface AmbaCameraDef extends NodeDef {
  host?: string;
  controlPort?: number | string;
  dataPort?: number | string;
  model?: string;
  keepalive?: number | string;
  timeout?: number | string;
  takeover?: string;
  maxDownload?: number | string;
}

export = function register(RED: RedAPI): void {
  function AmbaCameraConfig(this: AmbaCameraNode, def: AmbaCameraDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const timeoutMs = nonNegative(def.timeout, 5) * 1000;
    node.cameraName = def.name || def.id;
    node.client = new AmbaClient({
      host: (def.host || '192.168.42.1').trim(),
      port: port(def.controlPort, 7878),
      dataPort: port(def.dataPort, 8787),
      model: PROFILE_NAMES.includes(def.model as ProfileName) ? (def.model as ProfileName) : 'auto',
      keepaliveMs: nonNegative(def.keepalive, 20) * 1000,
      requestTimeoutMs: timeoutMs,
      // A flow should hear about an unreachable camera soon, not after minutes; a reconnect
      // (backoff, plus 0.8 s when the camera still counts a vanished client as its holder) fits.
      queueWaitMs: Math.max(10_000, 2 * timeoutMs),
      takeover: (def.takeover === 'yield' ? 'yield' : 'keep') as TakeoverPolicy,
      maxDownloadBytes: Math.max(1, nonNegative(def.maxDownload, 256)) * 1024 * 1024,
    });
    node.client.on('diagnostic', (text: string) => node.debug(text));

    const users = new SharedUse<string>(() => node.client.start(), () => node.client.stop());
    node.register = (user: RedNode): void => users.add(user.id);
    node.deregister = (user: RedNode): Promise<void> => users.remove(user.id);

    node.on('close', (_removed: boolean, done: () => void) => {
      users.end().then(done, () => done());
    });
  }

  RED.nodes.registerType('amba-camera', AmbaCameraConfig);
};

function port(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : fallback;
}

function nonNegative(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
