// Keeps the fake cloud connected to one camera in AP mode: connects an ApClient, learns the
// camera's firmware from its base info, reconnects with backoff (1 s doubling to 60 s) when the
// link drops, and runs live view on the link while someone watches. The camera is known by the
// id the user configured (its hotspot is named Nax_<id>), else by the devId it announces.

import { Backoff } from '../core/backoff';
import { ApClient, ApClientOptions, ApHello } from './ap-client';
import type { AudioCodec } from './media-receiver';
import { NaxclowMessage, stringField } from './naxclow-json';

export interface ApLinkOptions extends ApClientOptions {
  /** The camera's device id; without one, the devId from its 501 reply (or one made from the host). */
  cameraId?: string;
}

export interface ApLinkHandlers {
  online(id: string, info: { firmware?: string; baseInfo: NaxclowMessage | null; address: string }): void;
  offline(id: string, reason: string): void;
  video(id: string, jpeg: Buffer): void;
  audio(id: string, payload: Buffer, codec: AudioCodec): void;
  log(text: string): void;
}

/** What a live-view consumer of the link (the camera's FanoutHub producer) hears back. */
export interface ApLiveSink {
  up(): void;
  fail(err: Error): void;
}

export class ApCameraLink {
  id: string;
  private client: ApClient | null = null;
  /** The client still saying hello, so that close() can end it too. */
  private connecting: ApClient | null = null;
  private readonly backoff = new Backoff();
  private retry: NodeJS.Timeout | null = null;
  private live: ApLiveSink | null = null;
  private closed = false;

  constructor(private readonly options: ApLinkOptions, private readonly handlers: ApLinkHandlers) {
    this.id = options.cameraId || `AP${options.host.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 32);
  }

  get connected(): boolean {
    return this.client !== null;
  }

  start(): void {
    if (!this.closed) void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.live = null;
    const clients = [this.client, this.connecting];
    this.client = this.connecting = null;
    await Promise.all(clients.map((c) => c?.close()));
  }

  /** The link is the one for `id`. */
  owns(id: string): boolean {
    return id === this.id;
  }

  /** Starts live view now, or as soon as the link is up. */
  startLive(sink: ApLiveSink): void {
    this.live = sink;
    if (this.client) this.beginLive(this.client, sink);
  }

  stopLive(): void {
    this.live = null;
    void this.client?.stopLive();
  }

  /** The connected client, or an error naming why there is none. */
  use(): ApClient {
    if (!this.client) throw new Error(`the camera in AP mode at ${this.options.host} is not connected`);
    return this.client;
  }

  private async connect(): Promise<void> {
    const client = new ApClient(this.options);
    client.on('video', (jpeg: Buffer) => this.handlers.video(this.id, jpeg));
    client.on('audio', (payload: Buffer, codec: AudioCodec) => this.handlers.audio(this.id, payload, codec));
    client.on('mediaLost', (err: Error) => this.live?.fail(err));
    let hello: ApHello;
    this.connecting = client;
    try {
      hello = await client.connect();
    } catch (err) {
      this.scheduleRetry(err as Error);
      return;
    } finally {
      if (this.connecting === client) this.connecting = null;
    }
    if (this.closed) return void client.close();
    if (!this.options.cameraId && hello.devId) this.id = hello.devId;
    this.client = client;
    client.once('close', (reason: Error) => this.lost(client, reason));
    this.backoff.succeeded();
    const baseInfo = await client.command({ code: 4, unixTimer: Math.floor(Date.now() / 1000) }).catch(() => null);
    if (this.client !== client) return;
    this.handlers.online(this.id, { firmware: baseInfo ? stringField(baseInfo, 'version', 32) : undefined, baseInfo, address: this.options.host });
    if (this.live) this.beginLive(client, this.live);
  }

  private beginLive(client: ApClient, sink: ApLiveSink): void {
    client.startLive().then(() => {
      if (this.live === sink) sink.up();
      else void client.stopLive(); // the viewer left while the camera was starting
    }, (err: Error) => {
      if (this.live === sink) sink.fail(err);
    });
  }

  private lost(client: ApClient, reason: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.handlers.offline(this.id, reason.message);
    this.live?.fail(new Error(`AP link lost: ${reason.message}`));
    this.scheduleRetry(reason);
  }

  private scheduleRetry(reason: Error): void {
    if (this.closed) return;
    const delay = this.backoff.next();
    this.handlers.log(`AP camera at ${this.options.host}: ${reason.message}; retry in ${Math.round(delay / 1000)} s`);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start();
    }, delay);
  }
}
