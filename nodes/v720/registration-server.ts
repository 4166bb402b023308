// The TCP side of the fake cloud (spec §3.1–3.2): cameras open a link, register with code 100
// (answered 101), send a header-only cmd 100 every 5 s, and receive NAT requests and 301
// forwards on it. Links are looked up by device id; a camera that re-registers on a new socket
// replaces its old link, and everything else about it (registry entry, viewers) stays.

import * as net from 'net';
import { Cmd, FORWARD_ID_APP, encodeBare, encodeJson } from './naxclow-header';
import { NaxclowMessage, parseMessage, stringField } from './naxclow-json';
import { NaxclowFramer } from './tcp-framer';
import { closeServer, listenTcp } from '../core/listening';

export interface RegistrationHandlers {
  /** A camera registered (code 100). `token` is what getA9ConfCheck handed out as pwd. */
  registered(uid: string, info: { token?: string; address?: string }): void;
  /** A JSON message from a registered camera (codes 12, 301, …). */
  message(uid: string, message: NaxclowMessage): void;
  /** The camera's current link closed (not called for a link that was replaced). */
  closed(uid: string, reason: string): void;
  /** Something worth a debug log line. */
  log?(text: string): void;
}

export interface RegistrationOptions {
  /** A link must register within this time (default 10 s). */
  registerTimeoutMs?: number;
  /** A registered link with no packet for this long is dead: three missed heartbeats (default 20 s). */
  idleTimeoutMs?: number;
  maxConnections?: number;
}

const UID = /^[A-Za-z0-9]{1,32}$/;

class DeviceLink {
  uid: string | null = null;
  lastPacketAt = Date.now();
  readonly openedAt = Date.now();
  private readonly framer = new NaxclowFramer();

  constructor(readonly socket: net.Socket) {}

  feed(chunk: Buffer) {
    return this.framer.push(chunk);
  }

  send(packet: Buffer): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    // A camera that stops reading must not make us buffer without limit.
    if (this.socket.writableLength > 256 * 1024) {
      this.socket.destroy();
      return false;
    }
    this.socket.write(packet);
    return true;
  }
}

export class RegistrationServer {
  private readonly server: net.Server;
  private readonly links = new Map<string, DeviceLink>();
  private readonly all = new Set<DeviceLink>();
  private sweep: NodeJS.Timeout | null = null;
  private readonly registerTimeoutMs: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly handlers: RegistrationHandlers, options: RegistrationOptions = {}) {
    this.registerTimeoutMs = options.registerTimeoutMs ?? 10_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 20_000;
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.maxConnections = options.maxConnections ?? 512;
    this.server.on('error', (err) => this.handlers.log?.(`registration server: ${err.message}`));
  }

  async listen(port: number, host?: string): Promise<number> {
    const bound = await listenTcp(this.server, port, host);
    if (this.server.listening && !this.sweep) this.sweep = setInterval(() => this.checkLiveness(), 1000);
    return bound;
  }

  /** Sends a JSON message on the camera's link; false when it has none. */
  send(uid: string, message: object): boolean {
    const link = this.links.get(uid);
    return link ? link.send(encodeJson(message)) : false;
  }

  isRegistered(uid: string): boolean {
    return this.links.has(uid);
  }

  remoteAddress(uid: string): string | undefined {
    return this.links.get(uid)?.socket.remoteAddress;
  }

  /** Drops a camera's link (it will re-register by itself). */
  disconnect(uid: string): void {
    this.links.get(uid)?.socket.destroy();
  }

  close(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    for (const link of this.all) link.socket.destroy();
    return closeServer(this.server);
  }

  private accept(socket: net.Socket): void {
    const link = new DeviceLink(socket);
    this.all.add(link);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.onData(link, chunk);
      } catch (err) {
        this.handlers.log?.(`link ${link.uid ?? socket.remoteAddress}: ${(err as Error).message}`);
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose(link));
  }

  private onData(link: DeviceLink, chunk: Buffer): void {
    const { packets, error } = link.feed(chunk);
    for (const packet of packets) {
      link.lastPacketAt = Date.now();
      if (packet.cmd === Cmd.HEARTBEAT) {
        // The early fake did not answer and the camera did not mind; intx82 answers. So do we.
        if (link.uid) link.send(encodeBare(Cmd.HEARTBEAT, { forwardId: FORWARD_ID_APP }));
        continue;
      }
      if (packet.cmd === Cmd.PING) {
        link.send(encodeBare(Cmd.PONG));
        continue;
      }
      if (packet.cmd !== Cmd.JSON) continue;
      const message = parseMessage(packet.payload);
      if (!message) continue;
      if (message.code === 100) this.register(link, message);
      else if (link.uid) this.handlers.message(link.uid, message);
    }
    if (error) {
      this.handlers.log?.(`link ${link.uid ?? link.socket.remoteAddress}: ${error}`);
      link.socket.destroy();
    }
  }

  private register(link: DeviceLink, message: NaxclowMessage): void {
    const uid = stringField(message, 'uid', 32);
    if (!uid || !UID.test(uid) || (link.uid !== null && link.uid !== uid)) {
      link.socket.destroy();
      return;
    }
    const previous = this.links.get(uid);
    if (previous && previous !== link) {
      previous.uid = null; // its close must not mark the camera offline
      previous.socket.destroy();
    }
    link.uid = uid;
    this.links.set(uid, link);
    link.send(encodeJson({ code: 101, status: 200 }));
    this.handlers.registered(uid, { token: stringField(message, 'token', 64), address: link.socket.remoteAddress });
  }

  private onClose(link: DeviceLink): void {
    this.all.delete(link);
    const uid = link.uid;
    if (uid && this.links.get(uid) === link) {
      this.links.delete(uid);
      this.handlers.closed(uid, 'link closed');
    }
  }

  private checkLiveness(): void {
    const now = Date.now();
    for (const link of this.all) {
      if (link.uid === null && now - link.openedAt > this.registerTimeoutMs) link.socket.destroy();
      else if (link.uid !== null && now - link.lastPacketAt > this.idleTimeoutMs) link.socket.destroy();
    }
  }
}
