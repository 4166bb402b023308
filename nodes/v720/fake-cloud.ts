// The self-contained fake Naxclow cloud: HTTP bootstrap, TCP registration, UDP media and MQTT
// in one object, with the camera registry they share and one FanoutHub per camera, so every
// viewer (flow node, HTTP client) is a consumer of a single live view. No Node-RED in here:
// the v720-cloud config node owns one of these, and the tests and the demo use it directly.

import { EventEmitter } from 'events';
import * as http from 'http';
import * as net from 'net';
import { FanoutHub, HubStateInfo } from '../core/fanout-hub';
import { FrameMessage, FrameStamper } from '../core/frame';
import { jpegDimensions } from '../media/jpeg/jpeg-markers';
import { ApCameraLink, ApLinkOptions } from './ap-link';
import { RecordingRef } from './ap-sdcard';
import { BootstrapApi, BootstrapEvent } from './bootstrap-api';
import { CameraRegistry } from './camera-registry';
import { DnsResponder } from './dns-responder';
import { CLI_TARGET, LiveView, LiveViewOptions, LiveViewState } from './live-view';
import { MediaChannel, Peer } from './media-channel';
import type { AudioCodec } from './media-receiver';
import { EmbeddedBroker, ExternalBroker, MqttDeviceHandlers, MqttLink } from './mqtt-link';
import { NaxclowMessage, contentOf } from './naxclow-json';
import { RegistrationServer } from './registration-server';
import { closeServer, listenTcp } from '../core/listening';

export type MqttConfig = { mode: 'embedded'; port?: number } | { mode: 'external'; url: string; username?: string; password?: string } | { mode: 'none' };

export interface FakeCloudOptions {
  /** Address the listeners bind to (default all interfaces). */
  bindHost?: string;
  /** The address cameras are told to use for TCP, UDP (and, through DNS, MQTT). */
  advertisedHost: string;
  /** HTTP bootstrap port (default 80); null for none (mounted elsewhere). 0 picks a free one. */
  httpPort?: number | null;
  /** TCP and UDP port (default 6123); cameras use one number for both. 0 picks a free one. */
  tcpPort?: number;
  mqtt?: MqttConfig;
  /** The optional DNS responder for the Naxclow names (UDP; 53 for real cameras, 0 picks one). */
  dns?: { port: number } | null;
  /** A camera in AP mode to keep a link to (its hotspot's address, 192.168.169.1 for real ones). */
  ap?: ApLinkOptions | null;
  liveView?: LiveViewOptions;
  registration?: { registerTimeoutMs?: number; idleTimeoutMs?: number };
  /** Cameras the registry holds at most (default 256). */
  maxCameras?: number;
  log?(level: 'debug' | 'info' | 'warn', text: string): void;
}

export interface CommandOptions {
  via?: 'mqtt' | 'tcp';
  timeoutMs?: number;
}

interface Waiter {
  match(kind: 'forward' | 'info', body: Record<string, unknown>): boolean;
  resolve(result: Record<string, unknown>): void;
  timer: NodeJS.Timeout;
}

interface CameraMedia {
  hub: FanoutHub<FrameMessage>;
  view: LiveView;
  stamper: FrameStamper;
  state: LiveViewState;
  /** The producer's sink while someone watches. */
  sink: { emit(m: FrameMessage): void; up(): void; fail(e: Error): void } | null;
  /** Which link the current live view runs on. */
  via: 'sta' | 'ap';
}

/** A memory-card request (AP mode only, spec §1.4 codes 400–411). */
export type SdRequest = { op: 'dates' } | { op: 'recordings'; date: number } | { op: 'info'; ref: RecordingRef } | { op: 'download'; ref: RecordingRef };

export class FakeCloud extends EventEmitter {
  readonly registry: CameraRegistry;
  readonly bootstrap: BootstrapApi;
  private readonly registration: RegistrationServer;
  private readonly media: MediaChannel;
  private readonly mqtt: MqttLink | null;
  private readonly dns: DnsResponder | null;
  /** The link to a camera in AP mode, when one is configured. */
  readonly ap: ApCameraLink | null;
  private httpServer: http.Server | null = null;
  private readonly httpSockets = new Set<net.Socket>();
  private readonly cameras = new Map<string, CameraMedia>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private closed = false;
  readonly ports = { http: 0, tcp: 0, udp: 0, mqtt: 0, dns: 0 };

  constructor(readonly options: FakeCloudOptions) {
    super();
    this.registry = new CameraRegistry(options.maxCameras ?? 256);
    const log = (text: string) => this.log('debug', text);
    this.bootstrap = new BootstrapApi({ advertisedHost: () => this.options.advertisedHost, tcpPort: () => this.ports.tcp }, (e) => this.onBootstrap(e));
    this.registration = new RegistrationServer({
      registered: (uid, info) => this.onRegistered(uid, info.address),
      message: (uid, message) => this.onTcpMessage(uid, message),
      closed: (uid) => this.onLinkClosed(uid),
      log,
    }, options.registration);
    this.media = new MediaChannel({
      probe: (uid, peer) => this.cameras.get(uid)?.view.probe(peer),
      packet: (uid, packet) => this.cameras.get(uid)?.view.media(packet),
    }, log);
    const mqttHandlers: MqttDeviceHandlers = {
      status: (uid, online) => this.registry.update(uid, { mqtt: online }),
      info: (uid, info) => this.onInfo(uid, info),
      log,
    };
    const mqttConfig = options.mqtt ?? { mode: 'embedded' };
    this.mqtt = mqttConfig.mode === 'embedded' ? new EmbeddedBroker({ port: mqttConfig.port ?? 1883, host: options.bindHost }, mqttHandlers)
      : mqttConfig.mode === 'external' ? new ExternalBroker(mqttConfig, mqttHandlers) : null;
    this.dns = options.dns ? new DnsResponder(() => this.options.advertisedHost, log) : null;
    this.ap = options.ap ? new ApCameraLink({ ...options.ap, media: { ...options.liveView, ...options.ap.media } }, {
      online: (id, info) => this.registry.update(id, { online: true, mode: 'ap', address: info.address, baseInfo: info.baseInfo, supported: true, ...(info.firmware ? { firmware: info.firmware } : {}) }),
      offline: (id) => this.registry.update(id, { online: false }),
      video: (id, jpeg) => this.deliverVideo(id, jpeg),
      audio: (id, payload, codec) => this.deliverAudio(id, payload, codec),
      log,
    }) : null;
  }

  /** Opens every listener; rejects (after closing what opened) when a port is taken. */
  async start(): Promise<void> {
    try {
      await this.listenTcpAndUdp(this.options.tcpPort ?? 6123);
      if (this.options.httpPort !== null) await this.listenHttp(this.options.httpPort ?? 80);
      if (this.mqtt) {
        await this.mqtt.start();
        if (this.mqtt instanceof EmbeddedBroker) this.ports.mqtt = this.mqtt.port;
      }
      if (this.dns && this.options.dns) this.ports.dns = await this.dns.listen(this.options.dns.port, this.options.bindHost);
      this.ap?.start();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const camera of this.cameras.values()) camera.hub.close();
    this.cameras.clear();
    for (const set of this.waiters.values()) for (const w of set) clearTimeout(w.timer);
    this.waiters.clear();
    for (const s of this.httpSockets) s.destroy();
    const server = this.httpServer;
    this.httpServer = null;
    await Promise.all([
      closeServer(server),
      this.registration.close(),
      this.media.close(),
      this.mqtt ? this.mqtt.close() : Promise.resolve(),
      this.dns ? this.dns.close() : Promise.resolve(),
      this.ap ? this.ap.close() : Promise.resolve(),
    ]);
  }

  get dnsCounts() {
    return this.dns ? { ...this.dns.counts } : undefined;
  }

  get mqttWhere(): string {
    return this.mqtt?.where ?? 'no MQTT';
  }

  /** The one stream of a camera: subscribe to it to watch, close the subscription to leave. */
  stream(uid: string): FanoutHub<FrameMessage> {
    if (this.closed) throw new Error('the cloud is closed');
    return this.cameraMedia(uid).hub;
  }

  /** Live-view progress of a camera (idle when nobody watches). */
  liveViewState(uid: string): LiveViewState {
    return this.cameras.get(uid)?.state ?? 'idle';
  }

  /** Reassembly counters and memory of a camera, for status and tests. */
  mediaStats(uid: string) {
    const c = this.cameras.get(uid);
    return c ? { ...c.view.counts, reassemblyBytes: c.view.reassemblyBytes, hub: c.hub.stats } : undefined;
  }

  get channelCounts() {
    return { ...this.media.counts };
  }

  /**
   * Sends a command and resolves with the camera's resulting state: over MQTT the next Info it
   * publishes, over TCP its 301 echo. Rejects on timeout or when the camera cannot be reached.
   */
  command(uid: string, command: Record<string, unknown> & { code: number }, options: CommandOptions = {}): Promise<Record<string, unknown>> {
    const via = options.via ?? (this.mqtt ? 'mqtt' : 'tcp');
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (this.ap?.owns(uid)) return this.apCommand(command, timeoutMs);
    return new Promise((resolve, reject) => {
      const match: Waiter['match'] = via === 'tcp' ? (kind, body) => kind === 'forward' && body.code === command.code : (kind) => kind === 'info';
      const waiter = this.addWaiter(uid, match, resolve, () => {
        reject(new Error(`${uid}: no answer to command ${command.code} over ${via} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.send(uid, command, via).catch((err: Error) => {
        this.removeWaiter(uid, waiter);
        reject(err);
      });
    });
  }

  /** Sends a command without waiting for an answer (reboot, format, Wi-Fi changes). */
  send(uid: string, command: Record<string, unknown> & { code: number }, via: 'mqtt' | 'tcp'): Promise<void> {
    if (this.ap?.owns(uid)) return this.apSend(command);
    if (via === 'tcp') {
      return this.registration.send(uid, { code: 301, target: CLI_TARGET, content: command }) ? Promise.resolve() : Promise.reject(new Error(`${uid} is not registered on TCP`));
    }
    if (!this.mqtt) return Promise.reject(new Error('no MQTT broker configured'));
    return this.mqtt.publishCommand(uid, command);
  }

  /** A memory-card request to the camera in AP mode; rejects for any other camera. */
  async sdRequest(uid: string, request: SdRequest, timeoutMs = 10_000): Promise<unknown> {
    if (!this.ap?.owns(uid)) throw new Error(`${uid}: the memory card can be read only in AP mode (set the camera's AP address in the v720-cloud node)`);
    const client = this.ap.use();
    switch (request.op) {
      case 'dates':
        return client.sdDates();
      case 'recordings':
        return client.sdRecordings(request.date);
      case 'info':
        return client.sdFileInfo(request.ref);
      case 'download':
        return client.sdDownload(request.ref, timeoutMs);
    }
  }

  private async apCommand(command: Record<string, unknown> & { code: number }, timeoutMs: number): Promise<Record<string, unknown>> {
    const { devTarget: _target, ...content } = await this.ap!.use().command(command, timeoutMs);
    return content;
  }

  /** Commands without an answer; in AP mode, new Wi-Fi credentials are followed by the reboot that applies them (spec §1.5). */
  private async apSend(command: Record<string, unknown> & { code: number }): Promise<void> {
    const client = this.ap!.use();
    if (command.code === 204 && typeof command.s === 'string' && typeof command.p === 'string') await client.provisionWifi(command.s, command.p);
    else await client.notify(command);
  }

  /** Drops the camera's TCP link (it re-registers by itself); for tests and "reconnect" actions. */
  disconnect(uid: string): void {
    this.registration.disconnect(uid);
  }

  private log(level: 'debug' | 'info' | 'warn', text: string): void {
    try {
      this.options.log?.(level, text);
    } catch {
      /* a logger must not break the cloud */
    }
  }

  private async listenTcpAndUdp(port: number): Promise<void> {
    // The camera sends UDP to the TCP port number it was given, so both must share it. With
    // port 0, take the TCP port the system picks and try to bind UDP on it too.
    for (let attempt = 0; ; attempt++) {
      const tcp = await this.registration.listen(port, this.options.bindHost);
      try {
        this.ports.udp = await this.media.bind(tcp, this.options.bindHost);
        this.ports.tcp = tcp;
        return;
      } catch (err) {
        if (port !== 0 || attempt >= 5) throw err;
        await this.registration.close();
      }
    }
  }

  private async listenHttp(port: number): Promise<void> {
    const server = http.createServer(this.bootstrap.handle);
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    server.maxHeadersCount = 32;
    server.on('connection', (socket) => {
      this.httpSockets.add(socket);
      socket.on('close', () => this.httpSockets.delete(socket));
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    this.httpServer = server;
    this.ports.http = await listenTcp(server, port, this.options.bindHost);
    server.on('error', (err) => this.log('warn', `http: ${err.message}`));
  }

  private onBootstrap(event: BootstrapEvent): void {
    if (!event.deviceId) return;
    const patch: Parameters<CameraRegistry['update']>[1] = { address: plainAddress(event.remoteAddress) };
    if (event.firmware) patch.firmware = event.firmware;
    if (event.endpoint === 'getDevInfo') {
      // Firmware that asks getDevInfo goes straight to MQTT and never registers for live view.
      patch.supported = false;
      patch.reason = `firmware ${event.firmware ?? '(unknown)'} skips the TCP registration (getDevInfo)`;
    }
    this.registry.update(event.deviceId, patch);
  }

  private onRegistered(uid: string, address?: string): void {
    if (!this.registry.update(uid, { online: true, address: plainAddress(address) })) {
      this.log('warn', `camera ${uid} refused: registry full`);
      this.registration.disconnect(uid);
      return;
    }
    this.cameras.get(uid)?.view.cameraOnline();
  }

  private onLinkClosed(uid: string): void {
    this.registry.update(uid, { online: false });
    this.cameras.get(uid)?.view.cameraOffline();
  }

  private onTcpMessage(uid: string, message: NaxclowMessage): void {
    this.cameras.get(uid)?.view.tcpMessage(message);
    if (message.code === 301) {
      const content = contentOf(message);
      if (content) this.settle(uid, 'forward', content);
    }
  }

  private onInfo(uid: string, info: Record<string, unknown>): void {
    const patch: Parameters<CameraRegistry['update']>[1] = { info, mqtt: true };
    if (typeof info.version === 'string') patch.firmware = info.version;
    this.registry.update(uid, patch);
    this.settle(uid, 'info', info);
  }

  private addWaiter(uid: string, match: Waiter['match'], resolve: Waiter['resolve'], onTimeout: () => void, timeoutMs: number): Waiter {
    const waiter: Waiter = {
      match,
      resolve,
      timer: setTimeout(() => {
        this.removeWaiter(uid, waiter);
        onTimeout();
      }, timeoutMs),
    };
    let set = this.waiters.get(uid);
    if (!set) this.waiters.set(uid, (set = new Set()));
    set.add(waiter);
    return waiter;
  }

  private removeWaiter(uid: string, waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const set = this.waiters.get(uid);
    set?.delete(waiter);
    if (set && set.size === 0) this.waiters.delete(uid);
  }

  private settle(uid: string, kind: 'forward' | 'info', body: Record<string, unknown>): void {
    const set = this.waiters.get(uid);
    if (!set) return;
    for (const waiter of [...set]) {
      if (!waiter.match(kind, body)) continue;
      this.removeWaiter(uid, waiter);
      waiter.resolve(body);
    }
  }

  private deliverVideo(uid: string, jpeg: Buffer): void {
    const entry = this.cameras.get(uid);
    if (!entry?.sink) return;
    const size = jpegDimensions(jpeg);
    entry.sink.emit(entry.stamper.stamp(jpeg, { codec: 'jpeg', width: size?.width, height: size?.height }));
  }

  private deliverAudio(uid: string, payload: Buffer, codec: AudioCodec): void {
    const entry = this.cameras.get(uid);
    entry?.sink?.emit(entry.stamper.stamp(payload, { codec, sampleRate: 8000, channels: 1 }));
  }

  private liveState(uid: string, entry: CameraMedia, state: LiveViewState): void {
    entry.state = state;
    if (state === 'streaming') entry.sink?.up();
    this.emit('liveView', uid, state);
  }

  private cameraMedia(uid: string): CameraMedia {
    const existing = this.cameras.get(uid);
    if (existing) return existing;
    const entry = { sink: null, via: 'sta', state: 'idle', stamper: new FrameStamper(uid, 'v720') } as unknown as CameraMedia;
    entry.view = new LiveView({
      uid,
      sendTcp: (message) => this.registration.send(uid, message),
      sendUdp: (peer: Peer, packet) => this.media.send(peer, packet),
      bindPeer: (peer) => (peer ? this.media.bindPeer(uid, peer) : this.media.unbindPeer(uid)),
      cameraAddress: () => plainAddress(this.registration.remoteAddress(uid)),
      advertisedHost: () => this.options.advertisedHost,
      udpPort: () => this.ports.udp,
      video: (jpeg) => this.deliverVideo(uid, jpeg),
      audio: (payload, codec) => this.deliverAudio(uid, payload, codec),
      baseInfo: (content) => this.registry.update(uid, { baseInfo: content }),
      state: (state) => this.liveState(uid, entry, state),
      failed: (err) => entry.sink?.fail(err),
    }, this.options.liveView);
    entry.hub = new FanoutHub<FrameMessage>({
      // The link is chosen at each start: an AP camera may be configured after its first viewer.
      start: (sink) => {
        entry.sink = sink;
        entry.via = this.ap?.owns(uid) ? 'ap' : 'sta';
        if (entry.via === 'sta') return entry.view.start();
        this.liveState(uid, entry, 'starting');
        this.ap!.startLive({ up: () => this.liveState(uid, entry, 'streaming'), fail: (err) => entry.sink?.fail(err) });
      },
      stop: () => {
        entry.sink = null;
        if (entry.via === 'sta') return entry.view.stop();
        this.ap?.stopLive();
        this.liveState(uid, entry, 'idle');
      },
    }, {
      onState: (info: HubStateInfo) => this.emit('hubState', uid, info),
      onConsumerError: (err) => this.log('warn', `consumer of ${uid}: ${(err as Error)?.message ?? err}`),
    });
    this.cameras.set(uid, entry);
    return entry;
  }
}

/** "::ffff:10.0.0.5" (an IPv4 client on a dual-stack socket) as "10.0.0.5". */
export function plainAddress(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}
