// What the dahua-p2p-device config node holds, and how it becomes connection options. Kept apart
// from the node so the tunnel node and the tests can use the types without loading the node.

import type { NodeDef, RedNode } from '../core/node-red-types';
import { EASY4IP_APP } from './cloud-presets';
import { DahuaConnection, DahuaConnectionOptions } from './dahua-connection';

export interface DahuaDeviceDef extends NodeDef {
  serial: string;
  cloudHost: string;
  cloudPort: number | string;
  mode: 'auto' | 'direct' | 'relay';
  auth: 'auto' | 'legacy' | 'device-credential';
  /** Local address of the UDP sockets; 0.0.0.0 unless the host has several networks. */
  udpBind?: string;
  /** Seconds: each handshake step, the hole punch, and (×1.5) the silence that ends a session. */
  timeout?: number | string;
}

export interface DahuaDeviceCredentials {
  appUser: string;
  appKey: string;
  username: string;
  password: string;
}

export interface DahuaDeviceNode extends RedNode<DahuaDeviceCredentials> {
  serial: string;
  connection: DahuaConnection;
  register(user: object): void;
  deregister(user: object): void;
}

const MODES = ['auto', 'direct', 'relay'] as const;
const AUTHS = ['auto', 'legacy', 'device-credential'] as const;

export function connectionOptions(def: DahuaDeviceDef, creds: Partial<DahuaDeviceCredentials>, log: (m: string) => void): DahuaConnectionOptions {
  const port = Number(def.cloudPort);
  const timeoutS = Number(def.timeout);
  const t = Number.isFinite(timeoutS) && timeoutS >= 1 ? timeoutS * 1000 : 10_000;
  return {
    serial: String(def.serial ?? '').trim(),
    cloudHost: String(def.cloudHost || 'www.easy4ipcloud.com').trim(),
    cloudPort: Number.isInteger(port) && port > 0 && port < 65536 ? port : 8800,
    app: creds.appUser && creds.appKey ? { user: creds.appUser, key: creds.appKey } : EASY4IP_APP,
    auth: AUTHS.includes(def.auth) ? def.auth : 'auto',
    account: creds.username ? { user: creds.username, password: creds.password ?? '' } : undefined,
    mode: MODES.includes(def.mode) ? def.mode : 'auto',
    bindHost: def.udpBind?.trim() || '0.0.0.0',
    stepTimeoutMs: t,
    stunTimeoutMs: t,
    session: { deadAfterMs: t * 1.5, idleTimeoutMs: t * 3, heartbeatMs: Math.min(5000, t / 2) },
    log,
  };
}

