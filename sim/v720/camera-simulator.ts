// A simulated V720 / A9 camera in station mode, speaking to a cloud the way the real camera
// does in the spec's capture (§2, §3, §4, §5, §7): raw HTTP bootstrap request, TCP registration
// with the camera's spaced JSON, a heartbeat every 5 s, MQTT with client id = username = uid,
// a quoted random password and a will, Status then Info; the NAT flow; then the stream of
// sim-media-sender.ts on UDP (MJPEG fragments, A-law or PCM audio, 605 flow control). Settings
// sent over MQTT or 301 are applied (sim-settings.ts) and Info re-published. Fault injection:
// UDP loss, repeats, reordering; TCP drops.
// One process can run many: see startSimulatedCameras.

import { EventEmitter } from 'events';
import { randomBytes } from 'crypto';
import * as dgram from 'dgram';
import * as net from 'net';
import mqtt = require('mqtt');
import { Cmd, FORWARD_ID_DEVICE, decodeDatagram, encodeBare, encodeJson, encodePacket } from '../../nodes/v720/naxclow-header';
import { NaxclowMessage, contentOf, intField, parseMessage, stringField } from '../../nodes/v720/naxclow-json';
import { NaxclowFramer } from '../../nodes/v720/tcp-framer';
import { TOPIC_INFO, TOPIC_STATUS, commandTopic } from '../../nodes/v720/mqtt-link';
import { PictureOptions, SimPictures } from './sim-pictures';
import { seededRandom } from '../core/seeded-random';
import { SimAudio, SimMediaCounts, SimMediaSender } from './sim-media-sender';
import { SimSettings } from './sim-settings';
import { bindUdp } from '../../nodes/core/listening';

export { CONFIRM_WINDOW_MS, CONFIRM_WINDOW_PACKETS } from './sim-media-sender';

export interface UdpFaults {
  /** Probability a media datagram is lost (0–1). */
  loss?: number;
  /** Probability a media datagram is sent twice. */
  duplicate?: number;
  /** Probability a media datagram is held back and sent after the next one. */
  reorder?: number;
  seed?: number;
}

export interface SimulatedCameraOptions {
  /** Device id; without one the camera first asks registerDevices for one, as a fresh unit does. */
  uid?: string;
  firmware?: string;
  /** Where "v720.naxclow.com" resolves: the cloud's HTTP host and port. */
  cloudHost: string;
  httpPort: number;
  /** Where "v720.p2p.naxclow.com:1883" resolves; null for no MQTT. */
  mqttUrl: string | null;
  /** Local address to use (a loopback address in tests). */
  localAddress?: string;
  fps?: number;
  /** true or 'pcma': G.711 A-law (default); 'pcm': s16le PCM like firmware ≥202312111512; false: none. */
  audio?: boolean | SimAudio;
  pictures?: SimPictures | PictureOptions;
  heartbeatMs?: number;
  infoDelayMs?: number;
  /** Wait before re-registering after the TCP link drops (default 1 s). */
  reconnectMs?: number;
  faults?: UdpFaults;
  /** Fixed MQTT password (with its quotes) instead of a fresh random one per connect. */
  mqttPassword?: string;
  /** Fixed `random`/`token` for the bootstrap request (to compare with the capture). */
  bootstrapRandom?: string;
  bootstrapToken?: string;
}

export interface SimulatedCameraCounts extends SimMediaCounts {
  registrations: number;
  packetsLost: number;
}

export class SimulatedCamera extends EventEmitter {
  uid: string;
  readonly firmware: string;
  readonly counts: SimulatedCameraCounts = { registrations: 0, framesSent: 0, packetsSent: 0, packetsLost: 0, framesSkipped: 0, confirmsReceived: 0, audioPacketsSent: 0 };
  private readonly simSettings: SimSettings;
  private readonly media: SimMediaSender;
  private readonly options: SimulatedCameraOptions;
  private readonly random: () => number;
  private tcp: net.Socket | null = null;
  private udp: dgram.Socket | null = null;
  private mqttClient: mqtt.MqttClient | null = null;
  private cloud: { host: string; tcpPort: number; pwd: string } | null = null;
  private cliTarget = '';
  private mediaPeer: { address: string; port: number } | null = null;
  private heldDatagram: { packet: Buffer; peer: { address: string; port: number } } | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private heartbeat: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(options: SimulatedCameraOptions) {
    super();
    this.options = options;
    this.uid = options.uid ?? '';
    this.firmware = options.firmware ?? '202212011602';
    const pictures = options.pictures instanceof SimPictures ? options.pictures : new SimPictures(options.pictures);
    this.random = seededRandom(options.faults?.seed ?? 1);
    this.simSettings = new SimSettings(this.firmware);
    const audio = options.audio === true || options.audio === undefined ? 'pcma' : options.audio;
    this.media = new SimMediaSender({ pictures, fps: options.fps, audio }, this.counts, (packet) => this.sendMedia(packet), (on) => this.emit('streaming', on));
  }

  /** The camera's settings (IrLed, mirrorFlip, wifiName, …). */
  get settings(): Record<string, unknown> {
    return this.simSettings.values;
  }

  get streaming(): boolean {
    return this.media.streaming;
  }

  /** Frame numbers sent, in order (the number is in each JPEG's COM segment). */
  get sentFrameNumbers(): number[] {
    return this.media.sentFrameNumbers;
  }

  /** Boots: bootstrap over HTTP, registration over TCP, then MQTT. Resolves once registered. */
  async start(): Promise<void> {
    if (!this.uid) {
      const id = await this.post('/app/api/ApiSysDevicesBatch/registerDevices', { batch: 'A9_X4_V12' });
      if (typeof id !== 'string') throw new Error('registerDevices gave no device id');
      this.uid = id;
      await this.post('/app/api/ApiSysDevicesBatch/confirm', { devicesCode: this.uid });
    }
    const conf = (await this.post('/app/api/ApiServer/getA9ConfCheck', { devicesCode: this.uid })) as Record<string, unknown> | null;
    if (!conf || typeof conf.host !== 'string' || typeof conf.tcpPort !== 'number' || typeof conf.pwd !== 'string') throw new Error('getA9ConfCheck gave no host/tcpPort/pwd');
    this.cloud = { host: conf.host, tcpPort: conf.tcpPort, pwd: conf.pwd };
    await this.register();
  }

  /** Powers off: stops streaming and closes every socket and timer. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopStreaming();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.tcp?.destroy();
    this.tcp = null;
    this.closeUdp();
    const client = this.mqttClient;
    this.mqttClient = null;
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  /** Fault: the TCP link drops; the camera registers again after reconnectMs. */
  dropTcp(): void {
    this.tcp?.destroy();
  }

  /** The request the camera sends for a bootstrap path (bytes as in the capture, spec §7.10). */
  bootstrapRequest(path: string, query: Record<string, string>): Buffer {
    const params = { ...query, random: this.options.bootstrapRandom ?? randomLetters(this.random), token: this.options.bootstrapToken ?? randomBytes(5).toString('hex') };
    const qs = Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&');
    return Buffer.from(`POST ${path}?${qs} HTTP/1.1\r\nHost: v720.naxclow.com\r\nversion: ${this.firmware}\r\n\r\n`, 'latin1');
  }

  /** The registration packet: spaced JSON and a zero forwardId, as the camera sends it (spec §7.2). */
  registrationPacket(token: string): Buffer {
    const json = `{"code": 100, "uid": "${this.uid}", "token": "${token}" ,"domain": "v720.naxclow.com"}`;
    return encodePacket({ cmd: Cmd.JSON, forwardId: FORWARD_ID_DEVICE, payload: Buffer.from(json) });
  }

  private post(path: string, query: Record<string, string>): Promise<unknown> {
    const request = this.bootstrapRequest(path, query);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.options.cloudHost, port: this.options.httpPort, localAddress: this.options.localAddress });
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => socket.destroy(new Error(`${path}: no reply`)), 10_000);
      socket.on('connect', () => socket.write(request));
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        const reply = parseHttpReply(Buffer.concat(chunks));
        if (!reply) return;
        clearTimeout(timer);
        socket.destroy(); // the camera closes after the reply
        if (reply.status !== 200) return reject(new Error(`${path}: HTTP ${reply.status}`));
        try {
          resolve((JSON.parse(reply.body.toString('utf8')) as { data: unknown }).data);
        } catch (err) {
          reject(err);
        }
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private register(): Promise<void> {
    const cloud = this.cloud!;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: cloud.host, port: cloud.tcpPort, localAddress: this.options.localAddress });
      this.tcp = socket;
      socket.setNoDelay(true);
      const framer = new NaxclowFramer();
      let registered = false;
      socket.on('connect', () => socket.write(this.registrationPacket(cloud.pwd)));
      socket.on('data', (chunk: Buffer) => {
        const { packets } = framer.push(chunk);
        for (const p of packets) {
          if (p.cmd !== Cmd.JSON) continue;
          const message = parseMessage(p.payload);
          if (!message) continue;
          if (message.code === 101 && !registered) {
            registered = true;
            this.counts.registrations++;
            this.startHeartbeat();
            if (!this.mqttClient && this.options.mqttUrl) this.connectMqtt();
            this.emit('registered');
            resolve();
          } else {
            this.onTcpMessage(message);
          }
        }
      });
      socket.on('error', (err) => {
        if (!registered) reject(err);
      });
      socket.on('close', () => {
        if (this.tcp === socket) this.tcp = null;
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.heartbeat = null;
        this.stopStreaming();
        this.closeUdp();
        if (!registered) reject(new Error('registration link closed'));
        if (!this.stopped) this.later(this.options.reconnectMs ?? 1000, () => this.register().catch(() => this.dropTcp()));
      });
    });
  }

  private startHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.sendTcpRaw(encodeBare(Cmd.HEARTBEAT, { forwardId: FORWARD_ID_DEVICE })), this.options.heartbeatMs ?? 5000);
  }

  private sendTcpRaw(packet: Buffer): void {
    if (this.tcp && this.tcp.writable) this.tcp.write(packet);
  }

  private sendTcp(message: object): void {
    this.sendTcpRaw(encodePacket({ cmd: Cmd.JSON, forwardId: FORWARD_ID_DEVICE, payload: Buffer.from(JSON.stringify(message)) }));
  }

  private onTcpMessage(message: NaxclowMessage): void {
    if (message.code === 11) {
      this.natRequest(message).catch((err) => this.emit('warning', err));
      return;
    }
    if (message.code !== 301) return;
    const content = contentOf(message);
    if (!content) return;
    const target = stringField(message, 'target', 64) ?? this.cliTarget;
    const reply = (c: object) => this.sendTcp({ code: 301, target, content: c });
    switch (content.code) {
      case 298:
        return; // retransmission mode: no reply
      case 4:
        reply({ code: 4, ...this.simSettings.baseInfo() });
        return;
      case 1:
      case 2:
      case 3:
        reply({ code: content.code });
        this.media.start(content.code);
        return;
      case 0:
        reply({ code: 0 });
        this.stopStreaming();
        return;
      default:
        reply({ code: content.code, ...this.apply(content) });
    }
  }

  /** Codes 11 → 20/21 → 12 → 51 (spec §3.3, steps 1–5). */
  private async natRequest(message: NaxclowMessage): Promise<void> {
    const cloud = this.cloud!;
    this.cliTarget = stringField(message, 'cliTarget', 64) ?? '';
    this.closeUdp();
    const udp = dgram.createSocket('udp4');
    this.udp = udp;
    udp.on('error', () => this.closeUdp());
    udp.on('message', (datagram, rinfo) => this.onDatagram(datagram, { address: rinfo.address, port: rinfo.port }));
    await bindUdp(udp, 0, this.options.localAddress);
    const server = { address: cloud.host, port: cloud.tcpPort };
    const reflexive = await this.askAddress(udp, server);
    if (this.udp !== udp) return;
    const local = udp.address();
    this.sendTcp({
      code: 12, status: 200, devIp: reflexive.ip, devPort: reflexive.port, devNatIp: local.address, devNatPort: local.port,
      cliTarget: this.cliTarget, cliToken: stringField(message, 'cliToken', 64) ?? '',
    });
    const targets = new Map<string, { address: string; port: number }>();
    const add = (address: string | undefined, port: number | undefined) => {
      if (address && port && port > 0 && port < 65536 && address !== '255.255.255.255' && net.isIPv4(address)) targets.set(`${address}:${port}`, { address, port });
    };
    add(stringField(message, 'cliIp'), intField(message, 'cliPort'));
    add(stringField(message, 'cliNatIp'), intField(message, 'cliNatPort'));
    add(cloud.host, cloud.tcpPort); // the fallback the camera uses when the client is unreachable
    for (const t of targets.values()) this.sendUdp(encodeJson({ code: 51, devTarget: this.uid, status: 200 }), t);
  }

  /** `{code:20}` until `{code:21}` comes back (retried each second, 5 times). */
  private askAddress(udp: dgram.Socket, server: { address: string; port: number }): Promise<{ ip: string; port: number }> {
    return new Promise((resolve, reject) => {
      let tries = 0;
      const ask = () => {
        if (this.udp !== udp) return reject(new Error('nat request abandoned'));
        if (++tries > 5) return reject(new Error('no code 21'));
        this.sendUdp(encodeJson({ code: 20 }), server);
        timer = setTimeout(ask, 1000);
      };
      let timer: NodeJS.Timeout;
      this.once('code21', (m: NaxclowMessage) => {
        clearTimeout(timer);
        resolve({ ip: stringField(m, 'ip') ?? '', port: intField(m, 'port') ?? 0 });
      });
      ask();
    });
  }

  private onDatagram(datagram: Buffer, peer: { address: string; port: number }): void {
    const packet = decodeDatagram(datagram);
    if (!packet) return;
    if (packet.cmd === Cmd.RETRANSMISSION_CONFIRM) {
      this.media.confirmed();
      return;
    }
    if (packet.cmd !== Cmd.JSON) return;
    const message = parseMessage(packet.payload);
    if (!message) return;
    if (message.code === 21) this.emit('code21', message);
    else if (message.code === 50) {
      // Media goes to whoever probed us (spec §3.3 step 10).
      this.mediaPeer = peer;
      this.sendUdp(encodeJson({ code: 51, devTarget: this.uid, status: 200 }), peer);
    }
  }

  private sendUdp(packet: Buffer, peer: { address: string; port: number }): void {
    const udp = this.udp;
    if (!udp) return;
    try {
      udp.send(packet, peer.port, peer.address, () => undefined);
    } catch {
      /* socket closing */
    }
  }

  /** A media datagram, through the fault injector. */
  private sendMedia(packet: Buffer): void {
    const peer = this.mediaPeer;
    if (!peer) return;
    const f = this.options.faults ?? {};
    if (f.loss && this.random() < f.loss) {
      this.counts.packetsLost++;
      return;
    }
    const copies = f.duplicate && this.random() < f.duplicate ? 2 : 1;
    if (f.reorder && !this.heldDatagram && this.random() < f.reorder) {
      this.heldDatagram = { packet, peer };
      return;
    }
    for (let i = 0; i < copies; i++) this.sendUdp(packet, peer);
    const held = this.heldDatagram;
    this.heldDatagram = null;
    if (held) this.sendUdp(held.packet, held.peer);
  }

  private stopStreaming(): void {
    this.media.stop();
  }

  private closeUdp(): void {
    const udp = this.udp;
    this.udp = null;
    this.mediaPeer = null;
    this.heldDatagram = null;
    if (udp) {
      try {
        udp.close();
      } catch {
        /* already closed */
      }
    }
  }

  private connectMqtt(): void {
    const will = { topic: TOPIC_STATUS, payload: Buffer.from(`{"device":"${this.uid}","token":"NAXCLOW","status": 0}`), qos: 1 as const, retain: false };
    const client = mqtt.connect(this.options.mqttUrl!, {
      clientId: this.uid,
      username: this.uid,
      password: this.mqttPassword(),
      keepalive: 10,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      will,
    });
    this.mqttClient = client;
    client.on('error', () => undefined);
    // A fresh password on every connect, like the real camera (a9-v720#35).
    client.on('close', () => {
      client.options.password = this.mqttPassword();
    });
    client.on('connect', () => {
      client.subscribe(commandTopic(this.uid), { qos: 1 }, () => {
        client.publish(TOPIC_STATUS, `{"device":"${this.uid}","token":"NAXCLOW","status": 1}`, { qos: 0 });
        this.later(this.options.infoDelayMs ?? 1000, () => this.publishInfo());
      });
    });
    client.on('message', (_topic, payload) => {
      const message = parseMessage(payload);
      if (!message) return;
      this.apply(message);
      this.publishInfo();
    });
  }

  private mqttPassword(): string {
    return this.options.mqttPassword ?? `"${randomBytes(5).toString('hex')}"`;
  }

  publishInfo(): void {
    const client = this.mqttClient;
    if (!client || !client.connected) return;
    const s = this.settings;
    const info: Record<string, unknown> = {
      apStatus: s.apStatus, devPower: s.devPower, sdCapacity: s.sdCapacity, IrLed: s.IrLed, SD_freeDisk: s.SD_freeDisk, SD_blockDisk: s.SD_blockDisk,
      cameraState: s.cameraState, sd_State: s.sd_State, sdMoveMode: s.sdMoveMode, sdCardReco: s.sdCardReco, instLed: s.instLed,
      moveAlert: s.moveAlert, moveGrade: s.moveGrade, mirrorFlip: s.mirrorFlip,
      random: randomLetters(this.random), token: randomBytes(5).toString('hex'), devicesCode: this.uid, wifiName: s.wifiName, version: this.firmware,
    };
    if (s.scanWifiBase64 !== undefined) info.scanWifiBase64 = s.scanWifiBase64;
    client.publish(TOPIC_INFO, JSON.stringify(info), { qos: 0 });
  }

  /** Applies a setting command; returns the fields it changed (for the 301 echo). */
  private apply(command: NaxclowMessage): Record<string, unknown> {
    const { fields, reboot } = this.simSettings.apply(command);
    this.emit('command', command);
    if (reboot) this.later(50, () => this.dropTcp());
    return fields;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }
}

export interface SimulatedCameraFleet {
  cameras: SimulatedCamera[];
  close(): Promise<void>;
}

/**
 * Starts `count` simulated cameras against a cloud (for the tests and the `npm start` demo).
 * Ids are "SIMCAM" + 6 digits unless `uids` are given.
 */
export async function startSimulatedCameras(count: number, options: Omit<SimulatedCameraOptions, 'uid'> & { uids?: string[] }): Promise<SimulatedCameraFleet> {
  const pictures = options.pictures instanceof SimPictures ? options.pictures : new SimPictures(options.pictures);
  const cameras = Array.from({ length: count }, (_, i) => new SimulatedCamera({
    ...options,
    pictures,
    uid: options.uids?.[i] ?? `SIMCAM${String(i + 1).padStart(6, '0')}`,
    faults: options.faults ? { ...options.faults, seed: (options.faults.seed ?? 1) + i } : undefined,
  }));
  const fleet = { cameras, close: () => Promise.all(cameras.map((c) => c.stop())).then(() => undefined) };
  try {
    await Promise.all(cameras.map((c) => c.start()));
  } catch (err) {
    await fleet.close();
    throw err;
  }
  return fleet;
}

function parseHttpReply(data: Buffer): { status: number; body: Buffer } | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = data.toString('latin1', 0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  if (data.length < end + 4 + length) return null;
  return { status, body: data.subarray(end + 4, end + 4 + length) };
}

function randomLetters(random: () => number): string {
  const start = Math.floor(random() * 20);
  return Array.from({ length: 6 }, (_, i) => String.fromCharCode(65 + start + i)).join('');
}
