// v720-cloud config node: owns one fake cloud (HTTP bootstrap, TCP/UDP, MQTT) for every
// v720-cloud-server and v720-command node that points at it, and serves the viewer endpoints
// (/v720/…) on Node-RED's own HTTP server, where httpNodeAuth protects them.

import type { HttpRequest, HttpResponse, NodeDef, RedAPI } from '../core/node-red-types';
import { AP_DEFAULT_PORT } from './ap-client';
import { FakeCloud, MqttConfig } from './fake-cloud';
import { CloudDirectory, handleViewerRequest } from './http-endpoints';
import { redact } from './mqtt-link';
import type { V720CloudNode } from './v720-cloud-node';

interface V720CloudDef extends NodeDef {
  advertisedHost: string;
  bindHost?: string;
  httpPort?: number | string;
  tcpPort?: number | string;
  mqttMode?: 'embedded' | 'external' | 'none';
  mqttPort?: number | string;
  brokerUrl?: string;
  dnsEnabled?: boolean;
  dnsPort?: number | string;
  /** A camera in AP mode: its hotspot address, "192.168.169.1" or "host:port"; empty for none. */
  apAddress?: string;
  apCameraId?: string;
}

/** Cloud config nodes currently deployed; the viewer endpoints look cameras up in them. */
const deployed = new Set<V720CloudNode>();
const directory: CloudDirectory = {
  *clouds() {
    for (const node of deployed) if (!node.failure) yield node.cloud;
  },
};

/** "192.168.169.1" or "192.168.169.1:6123" as host and port; null when empty or unreadable. */
function apAddress(value: unknown): { host: string; port: number } | null {
  const m = /^([A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?$/.exec(String(value ?? '').trim());
  if (!m) return null;
  return { host: m[1], port: m[2] === undefined ? AP_DEFAULT_PORT : port(m[2], AP_DEFAULT_PORT) };
}

function port(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 65535 && String(value).trim() !== '' ? n : fallback;
}

export = function register(RED: RedAPI): void {
  function V720CloudConfig(this: V720CloudNode, def: V720CloudDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const mode = def.mqttMode === 'external' || def.mqttMode === 'none' ? def.mqttMode : 'embedded';
    const mqtt: MqttConfig = mode === 'external'
      ? { mode, url: String(def.brokerUrl ?? ''), username: node.credentials.brokerUsername, password: node.credentials.brokerPassword }
      : mode === 'none' ? { mode } : { mode, port: port(def.mqttPort, 1883) };
    node.failure = null;
    const ap = apAddress(def.apAddress);
    if (String(def.apAddress ?? '').trim() && !ap) node.warn(`"${def.apAddress}" is not a camera address (host or host:port); AP mode is off`);
    node.cloud = new FakeCloud({
      advertisedHost: String(def.advertisedHost ?? '').trim() || '127.0.0.1',
      bindHost: String(def.bindHost ?? '').trim() || undefined,
      httpPort: port(def.httpPort, 80),
      tcpPort: port(def.tcpPort, 6123),
      mqtt,
      dns: def.dnsEnabled === true ? { port: port(def.dnsPort, 53) } : null,
      ap: ap ? { ...ap, cameraId: /^[A-Za-z0-9]{1,32}$/.test(String(def.apCameraId ?? '').trim()) ? String(def.apCameraId).trim() : undefined } : null,
      log: (level, text) => (level === 'warn' ? node.warn(text) : node.debug(text)),
    });
    node.ready = node.cloud.start().then(() => {
      const dns = (def.dnsEnabled === true ? `, DNS ${node.cloud.ports.dns}` : '') + (ap ? `, AP camera at ${ap.host}:${ap.port}` : '');
      node.log(`V720 cloud: HTTP ${node.cloud.ports.http}, TCP/UDP ${node.cloud.ports.tcp}, ${mode === 'external' ? redact(String(def.brokerUrl)) : node.cloud.mqttWhere}${dns}`);
    }, (err: Error) => {
      node.failure = err;
      node.error(`V720 cloud could not start: ${err.message}`);
      throw err;
    });
    node.ready.catch(() => undefined); // reported above; users read node.failure
    deployed.add(node);

    node.on('close', (_removed: boolean, done: () => void) => {
      deployed.delete(node);
      node.ready.catch(() => undefined).then(() => node.cloud.close()).then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('v720-cloud', V720CloudConfig, {
    credentials: { brokerUsername: { type: 'text' }, brokerPassword: { type: 'password' } },
  });

  const viewer = (req: HttpRequest, res: HttpResponse, next?: () => void) => {
    try {
      if (!handleViewerRequest(directory, req, res)) next?.();
    } catch (err) {
      RED.log.warn(`v720 endpoint ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  };
  RED.httpNode.get('/v720/cameras', viewer);
  RED.httpNode.get('/v720/:id/:file', viewer);
};
