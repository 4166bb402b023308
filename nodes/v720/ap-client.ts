// A client for a V720 camera in AP mode (spec §1.5): the camera is the Wi-Fi hotspot, at
// 192.168.169.1:6123 by default, and everything — control, live media, memory-card files —
// runs over one TCP link. Handshake: header-only cmd 115, echoed; then 501 connect with the
// app's token and the local time. Settings go as 502 {content:{code, devTarget, …}}, answered
// by a 502 with the same content code; memory-card requests (400…411) go as plain JSON. 502/3
// starts audio and video on the link, which must be confirmed with 605 or the camera stalls;
// 502/0 stops them, and is sent before closing (or the camera stays "poisoned", [V]).
// Replies carry no request id, so requests run one at a time. Nothing here imports Node-RED.

import { EventEmitter } from 'events';
import * as net from 'net';
import { AviAssembler, RecordingRef, Recording, SD_STATUS, parseCatalogue, parseDate } from './ap-sdcard';
import { MediaReceiver, MediaReceiverOptions, AudioCodec } from './media-receiver';
import { Cmd, NaxclowPacket, encodeBare, encodeJson } from './naxclow-header';
import { NaxclowMessage, contentOf, intField, parseMessage, stringField } from './naxclow-json';
import { NaxclowFramer } from './tcp-framer';

export const AP_DEFAULT_HOST = '192.168.169.1';
export const AP_DEFAULT_PORT = 6123;
/** What the app sends as token in 501, and the devTarget every AP client uses. */
export const AP_TOKEN = 'NaxclowToken';
export const AP_DEV_TARGET = 'deadbeef';

export interface ApClientOptions {
  host: string;
  port?: number;
  localAddress?: string;
  /** Deadline for the connect, the handshake and each reply (default 10 s). */
  requestTimeoutMs?: number;
  /** The app writes a heartbeat (cmd 100) after this long without writing (default 6 s). */
  heartbeatIdleMs?: number;
  /** Nothing received for this long: the link is dead (default 20 s). */
  deadAfterMs?: number;
  /** Largest file a download may produce (default 64 MiB; a minute of video is ~15 MB). */
  maxDownloadBytes?: number;
  media?: MediaReceiverOptions;
}

export interface ApHello {
  /** The device id, when the camera names itself in its 501 reply. */
  devId?: string;
  reply: NaxclowMessage;
}

type Match = (packet: NaxclowPacket, message: NaxclowMessage | null) => boolean;

interface Waiter {
  match: Match;
  resolve(got: { packet: NaxclowPacket; message: NaxclowMessage | null }): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
  /** Restart the deadline on every packet (a download that is still flowing is alive). */
  whileFlowing: boolean;
  what: string;
}

/** Recent packets no waiter claimed yet: a reply may arrive in the same read as the one before. */
const INBOX_LIMIT = 16;

/**
 * Events: 'video' (jpeg), 'audio' (payload, codec), 'mediaLost' (Error) when live media stopped
 * coming, 'close' (Error) once the link is gone.
 */
export class ApClient extends EventEmitter {
  private socket: net.Socket | null = null;
  private readonly framer = new NaxclowFramer();
  private readonly receiver: MediaReceiver;
  private readonly requestTimeoutMs: number;
  private readonly heartbeatIdleMs: number;
  private readonly deadAfterMs: number;
  private readonly maxDownloadBytes: number;
  private inbox: { packet: NaxclowPacket; message: NaxclowMessage | null }[] = [];
  private waiter: Waiter | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private download: AviAssembler | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private lastWriteAt = 0;
  private lastReadAt = 0;
  private closed = false;
  live = false;

  constructor(readonly options: ApClientOptions) {
    super();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.heartbeatIdleMs = options.heartbeatIdleMs ?? 6_000;
    this.deadAfterMs = options.deadAfterMs ?? 20_000;
    this.maxDownloadBytes = options.maxDownloadBytes ?? 64 * 1024 * 1024;
    this.receiver = new MediaReceiver({
      video: (jpeg) => this.emit('video', jpeg),
      audio: (payload: Buffer, codec: AudioCodec) => this.emit('audio', payload, codec),
      avi: (payload) => this.onAviData(payload),
    }, (packet) => this.write(packet), options.media);
  }

  get port(): number {
    return this.options.port ?? AP_DEFAULT_PORT;
  }

  /** Opens the link and says hello (115, then 501). Rejects, and closes, when the camera does not answer. */
  async connect(): Promise<ApHello> {
    await this.open();
    try {
      this.write(encodeBare(Cmd.LIVE_MOTION));
      await this.expect((p) => p.cmd === Cmd.LIVE_MOTION, 'hello (cmd 115)');
      const { message } = await this.send({ code: 501, target: AP_DEV_TARGET, token: AP_TOKEN, unixTimer: localEpochSeconds() }, jsonCode(501), 'reply to the 501 connect');
      const status = intField(message!, 'status');
      if (status !== 200) throw new Error(`the camera refused the connection (501 status ${status ?? 'missing'})`);
      const devId = stringField(message!, 'devId', 32);
      return { devId: devId && /^[A-Za-z0-9]{1,32}$/.test(devId) ? devId : undefined, reply: message! };
    } catch (err) {
      this.shutdown(err as Error);
      throw err;
    }
  }

  /** A setting or command as 502 content; resolves with the camera's reply content. */
  command(content: Record<string, unknown> & { code: number }, timeoutMs = this.requestTimeoutMs): Promise<NaxclowMessage> {
    return this.serial(async () => {
      const { message } = await this.send(apCommand(content), (_p, m) => m?.code === 502 && contentOf(m)?.code === content.code, `reply to command ${content.code}`, timeoutMs);
      return contentOf(message!)!;
    });
  }

  /** A 502 command that gets no reply (299 reboot). */
  notify(content: Record<string, unknown> & { code: number }): Promise<void> {
    return this.serial(async () => {
      this.write(encodeJson(apCommand(content)));
    });
  }

  /** 502/3 (audio and video); media then arrives as 'video' and 'audio' events. */
  startLive(avCode = 3): Promise<void> {
    return this.serial(async () => {
      this.receiver.reset();
      await this.send(apCommand({ code: avCode }), (_p, m) => m?.code === 502 && contentOf(m)?.code === avCode, `echo of 502/${avCode}`);
      this.live = true;
      this.receiver.watch((err) => {
        this.live = false;
        this.emit('mediaLost', err);
      }, `camera at ${this.options.host}`);
    });
  }

  /** 502/0: the camera stops sending. Never rejects (a stop must always be safe to ask for). */
  stopLive(): Promise<void> {
    this.live = false;
    this.receiver.reset();
    if (!this.socket) return Promise.resolve();
    return this.serial(async () => {
      await this.send(apCommand({ code: 0 }), (_p, m) => m?.code === 502 && contentOf(m)?.code === 0, 'echo of 502/0', Math.min(this.requestTimeoutMs, 3000));
    }).catch(() => undefined);
  }

  /** The days that have recordings, as YYYYMMDD numbers (400 → 401). */
  sdDates(): Promise<number[]> {
    return this.serial(async () => {
      const { message } = await this.send({ code: 400, devTarget: AP_DEV_TARGET }, jsonCode(401), 'date list (401)');
      checkSdStatus(message!);
      const dates = Array.isArray(message!.dates) ? message!.dates : [];
      return dates.slice(0, 4096).map(parseDate).filter((d): d is number => d !== null).sort((a, b) => a - b);
    });
  }

  /** The recordings of one day (402 → 403, then the cmd 8 catalogue). */
  sdRecordings(date: number): Promise<Recording[]> {
    return this.serial(async () => {
      const { message } = await this.send({ code: 402, devTarget: AP_DEV_TARGET, date }, jsonCode(403), 'catalogue answer (403)');
      checkSdStatus(message!);
      const { packet } = await this.expect((p) => p.cmd === Cmd.XML, 'catalogue (cmd 8)');
      const catalogue = parseCatalogue(packet.payload.toString('utf8'));
      if (!catalogue) throw new Error('the camera sent a catalogue that cannot be read');
      return catalogue.recordings;
    });
  }

  /** Name and size of one recording (404 → 405). */
  sdFileInfo(ref: RecordingRef): Promise<{ fileName: string; fileSize: number }> {
    return this.serial(async () => {
      const { message } = await this.send({ code: 404, devTarget: AP_DEV_TARGET, date: ref.date, hours: ref.hour, minute: ref.minute }, jsonCode(405), 'file info (405)');
      checkSdStatus(message!);
      const fileSize = intField(message!, 'fileSize') ?? -1;
      if (fileSize < 0) throw new Error(SD_STATUS[-3]);
      return { fileName: stringField(message!, 'fileName', 128) ?? '', fileSize };
    });
  }

  /** Downloads one recording (406 → 407, cmd 7 data confirmed with 605, then 411). */
  sdDownload(ref: RecordingRef, timeoutMs = this.requestTimeoutMs): Promise<Buffer> {
    return this.serial(async () => {
      const assembler = new AviAssembler(this.maxDownloadBytes);
      this.receiver.reset();
      this.download = assembler;
      try {
        const { message } = await this.send({ code: 406, devTarget: AP_DEV_TARGET, date: ref.date, hours: ref.hour, minute: ref.minute }, jsonCode(407), 'download start (407)');
        checkSdStatus(message!);
        const end = await this.expect((_p, m) => m?.code === 411 || this.download !== assembler, 'end of the file (411)', timeoutMs, true);
        if (end.message?.code !== 411) throw new Error(`the recording is larger than ${this.maxDownloadBytes} bytes`);
        return assembler.file();
      } catch (err) {
        // Tell the camera to stop sending the rest (408), without waiting for its 409.
        if (this.socket) this.write(encodeJson({ code: 408, devTarget: AP_DEV_TARGET }));
        throw err;
      } finally {
        this.download = null;
        if (!this.live) this.receiver.reset();
      }
    });
  }

  /** Joins the camera to a Wi-Fi network: 204 with SSID and password, then 299 to reboot into it. */
  provisionWifi(ssid: string, password: string): Promise<NaxclowMessage> {
    return this.command({ code: 204, s: ssid, p: password }).then(async (reply) => {
      await this.notify({ code: 299 });
      return reply;
    });
  }

  /**
   * Stops live media (502/0, without waiting behind other requests) if it runs, lets the bytes
   * leave, then closes the link.
   */
  async close(): Promise<void> {
    const socket = this.socket;
    if (this.closed) return;
    if (socket && this.live) this.write(encodeJson(apCommand({ code: 0 })));
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        socket.end(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.shutdown(new Error('closed'));
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.options.host, port: this.port, localAddress: this.options.localAddress });
      this.socket = socket;
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error(`no TCP connection to ${this.options.host}:${this.port} within ${duration(this.requestTimeoutMs)}`)), this.requestTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.lastReadAt = this.lastWriteAt = Date.now();
        this.keepAlive = setInterval(() => this.tick(), Math.min(1000, this.heartbeatIdleMs));
        resolve();
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          this.onData(chunk);
        } catch (err) {
          this.shutdown(err as Error);
        }
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
        this.shutdown(err);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        reject(new Error('the camera closed the connection'));
        this.shutdown(new Error('the camera closed the connection'));
      });
    });
  }

  private onData(chunk: Buffer): void {
    this.lastReadAt = Date.now();
    const { packets, error } = this.framer.push(chunk);
    for (const packet of packets) this.onPacket(packet);
    if (error) this.shutdown(new Error(`the camera sent a broken stream: ${error}`));
  }

  private onPacket(packet: NaxclowPacket): void {
    if (this.waiter?.whileFlowing) this.rearm(this.waiter);
    if (packet.cmd === Cmd.PING) {
      this.write(encodeBare(Cmd.PONG));
      return;
    }
    if (packet.cmd === Cmd.HEARTBEAT || packet.cmd === Cmd.PONG) return;
    if (this.receiver.push(packet)) return;
    const message = packet.cmd === Cmd.JSON ? parseMessage(packet.payload) : null;
    const waiter = this.waiter;
    if (waiter && waiter.match(packet, message)) {
      this.settle(waiter);
      waiter.resolve({ packet, message });
      return;
    }
    this.inbox.push({ packet, message });
    if (this.inbox.length > INBOX_LIMIT) this.inbox.shift();
  }

  private onAviData(payload: Buffer): void {
    const download = this.download;
    if (!download || download.push(payload)) return;
    // Over the cap: end the download; the waiter sees `this.download` change and fails it.
    this.download = null;
    const waiter = this.waiter;
    if (waiter) {
      this.settle(waiter);
      waiter.resolve({ packet: { cmd: Cmd.AVI, msgFlag: 0, dealFlag: 0, forwardId: Buffer.alloc(8), pkgId: 0, payload: Buffer.alloc(0) }, message: null });
    }
  }

  /** Sends a JSON request after forgetting unclaimed packets, and waits for its reply. */
  private send(message: object, match: Match, what: string, timeoutMs = this.requestTimeoutMs) {
    this.inbox = [];
    const reply = this.expect(match, what, timeoutMs);
    this.write(encodeJson(message));
    return reply;
  }

  private expect(match: Match, what: string, timeoutMs = this.requestTimeoutMs, whileFlowing = false): Promise<{ packet: NaxclowPacket; message: NaxclowMessage | null }> {
    const early = this.inbox.findIndex((e) => match(e.packet, e.message));
    if (early >= 0) return Promise.resolve(this.inbox.splice(early, 1)[0]);
    if (!this.socket) return Promise.reject(new Error(`not connected to the camera at ${this.options.host}`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { match, resolve, reject, timeoutMs, whileFlowing, what, timer: null as unknown as NodeJS.Timeout };
      this.waiter = waiter;
      this.rearm(waiter);
    });
  }

  private rearm(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    waiter.timer = setTimeout(() => {
      this.settle(waiter);
      waiter.reject(new Error(`no ${waiter.what} from the camera at ${this.options.host} within ${duration(waiter.timeoutMs)}`));
    }, waiter.timeoutMs);
  }

  private settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    if (this.waiter === waiter) this.waiter = null;
  }

  /** Runs requests one after another: the camera's replies say nothing about which request they answer. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new Error(`not connected to the camera at ${this.options.host}`);
      return op();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private write(packet: Buffer): void {
    const socket = this.socket;
    if (!socket || socket.destroyed || !socket.writable) return;
    // A camera that stops reading must not make us buffer without limit.
    if (socket.writableLength > 256 * 1024) {
      this.shutdown(new Error('the camera stopped reading'));
      return;
    }
    this.lastWriteAt = Date.now();
    socket.write(packet);
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastReadAt > this.deadAfterMs) {
      this.shutdown(new Error(`nothing from the camera at ${this.options.host} for ${duration(this.deadAfterMs)}`));
      return;
    }
    if (now - this.lastWriteAt >= this.heartbeatIdleMs) this.write(encodeBare(Cmd.HEARTBEAT));
  }

  private shutdown(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.live = false;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    this.receiver.reset();
    this.download = null;
    const waiter = this.waiter;
    if (waiter) {
      this.settle(waiter);
      waiter.reject(reason);
    }
    this.socket?.destroy();
    this.socket = null;
    this.emit('close', reason);
  }
}

/** 502 with the content and the devTarget every AP command carries. */
function apCommand(content: Record<string, unknown> & { code: number }): object {
  return { code: 502, content: { ...content, devTarget: AP_DEV_TARGET } };
}

const jsonCode = (code: number): Match => (_p, m) => m?.code === code;

/** Memory-card answers carry status 200, or a negative SD status (spec §1.4). */
function checkSdStatus(message: NaxclowMessage): void {
  const status = intField(message, 'status');
  if (status === undefined || status === 200) return;
  throw new Error(SD_STATUS[status] ?? `the camera answered ${message.code} with status ${status}`);
}

function duration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

/** The app sends local time as epoch seconds: UTC plus the time-zone offset (spec §1.5). */
export function localEpochSeconds(now = new Date()): number {
  return Math.floor(now.getTime() / 1000) - now.getTimezoneOffset() * 60;
}
