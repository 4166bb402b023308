// The MQTT side of the fake cloud (spec §5). Cameras connect with a per-connect random quoted
// password, publish Status and Info, and take commands on Naxclow/P2P/Users/Device/sub/<uid>.
// Two ways to serve them: an embedded broker (aedes) that accepts any credentials, or an
// external broker (mosquitto, …) that we join as one more client.

import * as net from 'net';
import mqtt = require('mqtt');
import { parseJsonObject } from './naxclow-json';
import { closeServer, listenTcp } from '../core/listening';

export const TOPIC_STATUS = 'Naxclow/P2P/Users/Device/Status';
export const TOPIC_INFO = 'Naxclow/P2P/Users/Device/Info';
export const commandTopic = (uid: string): string => `Naxclow/P2P/Users/Device/sub/${uid}`;

const UID = /^[A-Za-z0-9]{1,32}$/;
/** Status/Info publishes are a few hundred bytes; anything far larger is not a camera's. */
const MAX_DEVICE_PAYLOAD = 16 * 1024;

export interface MqttDeviceHandlers {
  status(uid: string, online: boolean): void;
  info(uid: string, info: Record<string, unknown>): void;
  log?(text: string): void;
}

export interface MqttLink {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Publishes a command (compact JSON) to the camera's sub topic. */
  publishCommand(uid: string, command: object): Promise<void>;
  /** Where the link listens or connects, for logs and status. */
  readonly where: string;
}

/** Reads a publish on the Status or Info topic and tells the handlers about it. */
export function handleDevicePublish(topic: string, payload: Buffer, handlers: MqttDeviceHandlers): void {
  if (payload.length > MAX_DEVICE_PAYLOAD) return;
  if (topic !== TOPIC_STATUS && topic !== TOPIC_INFO) return;
  const body = parseJsonObject(payload);
  if (!body) return;
  if (topic === TOPIC_STATUS) {
    const uid = body.device;
    if (typeof uid === 'string' && UID.test(uid)) handlers.status(uid, Number(body.status) === 1);
    return;
  }
  const uid = body.devicesCode;
  if (typeof uid === 'string' && UID.test(uid)) handlers.info(uid, body);
}

interface AedesClient {
  id: string;
}
interface AedesBroker {
  handle(stream: net.Socket): unknown;
  on(event: 'publish', listener: (packet: { topic: string; payload: Buffer | string }, client: AedesClient | null) => void): unknown;
  on(event: 'clientDisconnect' | 'clientReady', listener: (client: AedesClient) => void): unknown;
  on(event: 'clientError' | 'connectionError', listener: (client: AedesClient, err: Error) => void): unknown;
  publish(packet: { cmd: 'publish'; topic: string; payload: Buffer; qos: 0 | 1; retain: boolean; dup: boolean }, done: (err?: Error) => void): void;
  close(done: () => void): void;
}
interface AedesModule {
  Aedes: { createBroker(options: Record<string, unknown>): Promise<AedesBroker> };
}

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
}

/** aedes on its own TCP port; any username/password is accepted (cameras change theirs). */
export class EmbeddedBroker implements MqttLink {
  private broker: AedesBroker | null = null;
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly options: EmbeddedBrokerOptions, private readonly handlers: MqttDeviceHandlers) {}

  get where(): string {
    return `embedded broker on port ${this.port}`;
  }

  async start(): Promise<void> {
    // aedes 1.x is an ES module: a dynamic import loads it on every Node 20 (require() of an
    // ES module only works from 20.19 on), and only when an embedded broker is wanted.
    const { Aedes } = (await import('aedes')) as unknown as AedesModule;
    const broker = await Aedes.createBroker({
      authenticate: (_c: unknown, _u: unknown, _p: unknown, done: (e: null, ok: boolean) => void) => done(null, true),
      connectTimeout: 15_000,
      maxClientsIdLength: 64,
      heartbeatInterval: 60_000,
    });
    this.broker = broker;
    broker.on('publish', (packet, client) => {
      if (!client) return; // the broker's own $SYS traffic and our commands
      try {
        handleDevicePublish(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(String(packet.payload)), this.handlers);
      } catch (err) {
        this.handlers.log?.(`mqtt publish: ${(err as Error).message}`);
      }
    });
    // A clean DISCONNECT sends no will: the client leaving is then our only sign.
    broker.on('clientDisconnect', (client) => {
      if (UID.test(client.id)) this.handlers.status(client.id, false);
    });
    broker.on('clientError', (client, err) => this.handlers.log?.(`mqtt client ${client?.id}: ${err.message}`));
    broker.on('connectionError', (client, err) => this.handlers.log?.(`mqtt connection ${client?.id}: ${err.message}`));
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      broker.handle(socket);
    });
    server.maxConnections = 512;
    this.server = server;
    this.port = await listenTcp(server, this.options.port, this.options.host);
    server.on('error', (err) => this.handlers.log?.(`mqtt server: ${err.message}`));
  }

  publishCommand(uid: string, command: object): Promise<void> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('MQTT broker is not running'));
    return new Promise((resolve, reject) => {
      broker.publish({ cmd: 'publish', topic: commandTopic(uid), payload: Buffer.from(JSON.stringify(command)), qos: 0, retain: false, dup: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await closeServer(server);
    const broker = this.broker;
    this.broker = null;
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
}

export interface ExternalBrokerOptions {
  url: string;
  username?: string;
  password?: string;
}

/** A client of a broker the user already runs; sees the cameras' publishes like any subscriber. */
export class ExternalBroker implements MqttLink {
  private client: mqtt.MqttClient | null = null;

  constructor(private readonly options: ExternalBrokerOptions, private readonly handlers: MqttDeviceHandlers) {}

  get where(): string {
    return `broker ${redact(this.options.url)}`;
  }

  /** Resolves on the first connection; later drops reconnect by themselves. */
  start(): Promise<void> {
    const client = mqtt.connect(this.options.url, {
      clientId: `p2pcam-v720-${Math.random().toString(16).slice(2, 10)}`,
      username: this.options.username || undefined,
      password: this.options.password || undefined,
      protocolVersion: 4,
      reconnectPeriod: 5000,
      connectTimeout: 10_000,
      keepalive: 30,
    });
    this.client = client;
    client.on('message', (topic, payload) => {
      try {
        handleDevicePublish(topic, payload, this.handlers);
      } catch (err) {
        this.handlers.log?.(`mqtt message: ${(err as Error).message}`);
      }
    });
    client.on('error', (err) => this.handlers.log?.(`mqtt ${this.where}: ${err.message}`));
    client.on('connect', () => {
      client.subscribe([TOPIC_STATUS, TOPIC_INFO], { qos: 0 }, (err) => {
        if (err) this.handlers.log?.(`mqtt subscribe: ${err.message}`);
      });
    });
    return new Promise((resolve) => {
      // Not reachable yet is not fatal: the client keeps retrying, and start() does not block deploy.
      const done = () => resolve();
      client.once('connect', done);
      setTimeout(done, 3000).unref();
    });
  }

  publishCommand(uid: string, command: object): Promise<void> {
    const client = this.client;
    if (!client || !client.connected) return Promise.reject(new Error(`not connected to ${this.where}`));
    return new Promise((resolve, reject) => {
      client.publish(commandTopic(uid), JSON.stringify(command), { qos: 0, retain: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return Promise.resolve();
    return new Promise((resolve) => client.end(true, {}, () => resolve()));
  }
}

/** A broker URL without its password, for status and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
