// v720-cloud config node: owns one fake cloud (HTTP bootstrap, TCP/UDP, MQTT) for every
// v720-cloud-server and v720-command node that points at it, and serves the viewer endpoints
// (/v720/…) on Node-RED's own HTTP server, where httpNodeAuth protects them.

import type { HttpRequest, HttpResponse, NodeDef, RedAPI } from '../core/node-red-types';
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
}

/** Cloud config nodes currently deployed; the viewer endpoints look cameras up in them. */
const deployed = new Set<V720CloudNode>();
const directory: CloudDirectory = {
  *clouds() {
    for (const node of deployed) if (!node.failure) yield node.cloud;
  },
};

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
    node.cloud = new FakeCloud({
      advertisedHost: String(def.advertisedHost ?? '').trim() || '127.0.0.1',
      bindHost: String(def.bindHost ?? '').trim() || undefined,
      httpPort: port(def.httpPort, 80),
      tcpPort: port(def.tcpPort, 6123),
      mqtt,
      dns: def.dnsEnabled === true ? { port: port(def.dnsPort, 53) } : null,
      log: (level, text) => (level === 'warn' ? node.warn(text) : node.debug(text)),
    });
    node.ready = node.cloud.start().then(() => {
      const dns = def.dnsEnabled === true ? `, DNS ${node.cloud.ports.dns}` : '';
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
