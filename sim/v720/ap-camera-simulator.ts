// A simulated V720 / A9 camera in AP mode (spec §1.5): the TCP server a real camera runs at
// 192.168.169.1:6123 on its own hotspot. Here it binds wherever it is told — a loopback address
// in tests and the demo, never the camera's real address. It echoes the 115 hello, answers 501
// (naming itself with devId), 502 commands (settings via sim-settings.ts, base info, 502/3 and
// 502/0 for the stream of sim-media-sender.ts, which stalls without 605), the memory-card
// requests 400–408 from its recordings, pings the client (101, expects 102) and answers its
// heartbeats. 204 + 299 provisions Wi-Fi: the camera reboots into station mode and its hotspot
// goes away; 299 alone reboots it back into AP mode.

import { EventEmitter } from 'events';
import * as net from 'net';
import { RecordingRef, aviPayloads, catalogueXml, recordingName } from '../../nodes/v720/ap-sdcard';
import { AP_DEV_TARGET } from '../../nodes/v720/ap-client';
import { Cmd, FORWARD_ID_DEVICE, MsgFlag, NaxclowPacket, encodeBare, encodeJson, encodePacket } from '../../nodes/v720/naxclow-header';
import { NaxclowMessage, contentOf, intField, parseMessage, stringField } from '../../nodes/v720/naxclow-json';
import { PictureOptions, SimPictures } from './sim-pictures';
import { SimAudio, SimMediaCounts, SimMediaSender } from './sim-media-sender';
import { SimSettings } from './sim-settings';
import { NaxclowFramer } from '../../nodes/v720/tcp-framer';
import { closeServer, listenTcp } from '../../nodes/core/listening';

export interface SimRecording extends RecordingRef {
  data: Buffer;
}

export interface SimulatedApCameraOptions {
  uid: string;
  firmware?: string;
  /** Address to listen on: a loopback address (127.0.0.x) in tests. */
  host: string;
  /** TCP port (default 6123; 0 picks a free one). */
  port?: number;
  pictures?: SimPictures | PictureOptions;
  fps?: number;
  audio?: SimAudio;
  /** Files on the memory card; without any, the camera has no card. */
  recordings?: SimRecording[];
  /** Whether the 501 reply names the camera (devId); some firmware may not (default true). */
  announceDevId?: boolean;
  /** The camera pings (cmd 101) this often on an idle link (default 5 s). */
  pingMs?: number;
  /** Time a reboot takes before the hotspot is back (default 1 s). */
  rebootMs?: number;
  /** Bytes of file per cmd 7 packet (default 1000). */
  aviChunkBytes?: number;
}

export interface SimulatedApCameraCounts extends SimMediaCounts {
  connections: number;
  pongs: number;
  heartbeats: number;
  downloads: number;
}

interface Session {
  socket: net.Socket;
  framer: NaxclowFramer;
  hello: boolean;
  connected: boolean;
}

export class SimulatedApCamera extends EventEmitter {
  readonly counts: SimulatedApCameraCounts = { framesSent: 0, packetsSent: 0, framesSkipped: 0, confirmsReceived: 0, audioPacketsSent: 0, connections: 0, pongs: 0, heartbeats: 0, downloads: 0 };
  readonly simSettings: SimSettings;
  port = 0;
  /** Set once Wi-Fi was provisioned and the camera rebooted into station mode. */
  joined: { ssid: string; password: string } | null = null;
  private readonly media: SimMediaSender;
  private server: net.Server | null = null;
  private session: Session | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private transfer: NodeJS.Timeout | null = null;
  private rebootTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(readonly options: SimulatedApCameraOptions) {
    super();
    const pictures = options.pictures instanceof SimPictures ? options.pictures : new SimPictures(options.pictures);
    this.simSettings = new SimSettings(options.firmware ?? '202212011602', () => (this.recordings.length > 0 ? 1 : 0));
    this.simSettings.values.apStatus = 1;
    this.media = new SimMediaSender({ pictures, fps: options.fps, audio: options.audio ?? 'pcma' }, this.counts, (packet) => this.write(packet), (on) => this.emit('streaming', on));
  }

  get settings(): Record<string, unknown> {
    return this.simSettings.values;
  }

  get streaming(): boolean {
    return this.media.streaming;
  }

  get sentFrameNumbers(): number[] {
    return this.media.sentFrameNumbers;
  }

  private get recordings(): SimRecording[] {
    return this.options.recordings ?? [];
  }

  /** Opens the hotspot's TCP port. */
  async start(): Promise<void> {
    this.stopped = false;
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    this.port = await listenTcp(server, this.port || this.options.port || 6123, this.options.host);
    this.pinger = setInterval(() => this.ping(), this.options.pingMs ?? 5000);
  }

  /** Powers off: closes every socket and timer. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rebootTimer) clearTimeout(this.rebootTimer);
    this.rebootTimer = null;
    await this.down();
  }

  /** Fault: the link drops (the hotspot stays). */
  dropConnection(): void {
    this.session?.socket.destroy();
  }

  private async down(): Promise<void> {
    this.endSession();
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
    const server = this.server;
    this.server = null;
    await closeServer(server);
  }

  private accept(socket: net.Socket): void {
    // One app at a time, like the camera: a new connection replaces the old one.
    this.endSession();
    this.counts.connections++;
    const session: Session = { socket, framer: new NaxclowFramer(), hello: false, connected: false };
    this.session = session;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const { packets, error } = session.framer.push(chunk);
      for (const p of packets) if (this.session === session) this.onPacket(session, p);
      if (error) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.session !== session) return;
      this.session = null;
      this.media.stop();
      this.stopTransfer();
    });
  }

  private endSession(): void {
    this.media.stop();
    this.stopTransfer();
    this.session?.socket.destroy();
    this.session = null;
  }

  private write(packet: Buffer): void {
    const socket = this.session?.socket;
    if (socket && socket.writable) socket.write(packet);
  }

  private reply(message: object): void {
    this.write(encodeJson(message, { forwardId: FORWARD_ID_DEVICE }));
  }

  private ping(): void {
    if (this.session?.connected) this.write(encodeBare(Cmd.PING, { forwardId: FORWARD_ID_DEVICE }));
  }

  private onPacket(session: Session, packet: NaxclowPacket): void {
    switch (packet.cmd) {
      case Cmd.LIVE_MOTION:
        session.hello = true;
        this.write(encodeBare(Cmd.LIVE_MOTION, { forwardId: FORWARD_ID_DEVICE }));
        return;
      case Cmd.HEARTBEAT:
        this.counts.heartbeats++;
        this.write(encodeBare(Cmd.HEARTBEAT, { forwardId: FORWARD_ID_DEVICE }));
        return;
      case Cmd.PONG:
        this.counts.pongs++;
        return;
      case Cmd.RETRANSMISSION_CONFIRM:
        this.media.confirmed();
        return;
      case Cmd.JSON: {
        const message = parseMessage(packet.payload);
        if (message) this.onMessage(session, message);
        return;
      }
    }
  }

  private onMessage(session: Session, message: NaxclowMessage): void {
    if (message.code === 501 && session.hello) {
      session.connected = true;
      const target = stringField(message, 'target', 64) ?? AP_DEV_TARGET;
      this.reply({ code: 501, target, status: 200, ...(this.options.announceDevId === false ? {} : { devId: this.options.uid }) });
      return;
    }
    if (!session.connected) return; // the camera ignores an app that skipped the handshake
    if (message.code === 502) {
      const content = contentOf(message);
      if (content) this.onCommand(content);
      return;
    }
    this.onSdRequest(message);
  }

  private onCommand(content: NaxclowMessage): void {
    this.emit('command', content);
    const answer = (c: object) => this.reply({ code: 502, target: AP_DEV_TARGET, content: c });
    if (content.code === 4) return answer({ code: 4, ...this.simSettings.baseInfo() });
    if (content.code >= 0 && content.code <= 3) {
      answer({ code: content.code });
      if (content.code === 0) this.media.stop();
      else this.media.start(content.code);
      return;
    }
    const { fields, reboot } = this.simSettings.apply(content);
    if (reboot) this.reboot();
    else answer({ code: content.code, ...fields });
  }

  private onSdRequest(message: NaxclowMessage): void {
    const noCard = this.recordings.length === 0;
    const ref = { date: intField(message, 'date') ?? -1, hour: intField(message, 'hours') ?? -1, minute: intField(message, 'minute') ?? -1 };
    const found = this.recordings.find((r) => r.date === ref.date && r.hour === ref.hour && r.minute === ref.minute);
    switch (message.code) {
      case 400:
        this.reply(noCard ? { code: 401, status: -1 } : { code: 401, status: 200, dates: [...new Set(this.recordings.map((r) => r.date))].sort() });
        return;
      case 402:
        if (noCard) return this.reply({ code: 403, status: -1 });
        this.reply({ code: 403, status: 200 });
        this.write(encodePacket({ cmd: Cmd.XML, forwardId: FORWARD_ID_DEVICE, payload: Buffer.from(catalogueXml(ref.date, this.recordings), 'utf8') }));
        return;
      case 404:
        if (!found) return this.reply({ code: 405, status: noCard ? -1 : -3, fileSize: -1 });
        this.reply({ code: 405, status: 200, fileName: recordingName(found), fileSize: found.data.length });
        return;
      case 406:
        if (!found) return this.reply({ code: 407, status: noCard ? -1 : -3 });
        this.reply({ code: 407, status: 200 });
        this.sendFile(found.data);
        return;
      case 408:
        this.stopTransfer();
        this.reply({ code: 409, status: 200 });
        return;
    }
  }

  /** Streams a file as cmd 7 packets as fast as the 605 window allows, then 411. */
  private sendFile(file: Buffer): void {
    this.stopTransfer();
    this.counts.downloads++;
    const payloads = aviPayloads(file, this.options.aviChunkBytes ?? 1000);
    let next = 0;
    this.media.openWindow();
    this.transfer = setInterval(() => {
      for (let burst = 0; burst < 32 && next < payloads.length && !this.media.stalled(); burst++) this.media.sendPacket(Cmd.AVI, MsgFlag.FINISH, payloads[next++]);
      if (next < payloads.length) return;
      this.stopTransfer();
      this.reply({ code: 411, status: 200 });
    }, 5);
  }

  private stopTransfer(): void {
    if (this.transfer) clearInterval(this.transfer);
    this.transfer = null;
  }

  /** 299: down for a moment; with new Wi-Fi credentials the hotspot stays gone (station mode). */
  private reboot(): void {
    const ssid = String(this.settings.wifiName ?? '');
    const password = this.simSettings.wifiPassword;
    setImmediate(() => {
      void this.down().then(() => {
        if (this.stopped) return;
        if (password !== undefined && ssid) {
          this.joined = { ssid, password };
          this.emit('provisioned', this.joined);
          return;
        }
        this.rebootTimer = setTimeout(() => {
          this.rebootTimer = null;
          if (!this.stopped) this.start().then(() => this.emit('rebooted'), (err) => this.emit('warning', err));
        }, this.options.rebootMs ?? 1000);
      });
    });
  }
}
