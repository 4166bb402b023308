// A local TCP listener whose clients are carried, one realm each, to a port on the device
// (spec §7): 127.0.0.1:8554 → device 554 for RTSP, or 80, 37777, … The listener knows nothing
// of what it carries; RTSP clients must use TCP interleaving because only the TCP connection
// is tunnelled.

import { createServer, Server, Socket } from 'net';
import { DahuaConnection } from './dahua-connection';
import { closeServer, listenTcp } from '../core/listening';

export interface TunnelOptions {
  bindAddress: string;
  /** 0 picks a free port (tests). */
  port: number;
  remotePort: number;
  remoteIp?: string;
  /** A client connected or left. */
  onClients?(count: number): void;
}

export class TunnelListener {
  private server: Server | null = null;
  /** Bumped by stop(), so a listen that completes after a stop closes itself at once. */
  private generation = 0;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(private readonly connection: DahuaConnection, private readonly options: TunnelOptions) {}

  /** TCP clients connected through this listener right now. */
  get clients(): number {
    return this.sockets.size;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const generation = this.generation;
    const server = createServer((socket) => this.accept(socket));
    const port = await listenTcp(server, this.options.port, this.options.bindAddress);
    server.on('error', () => {});
    // stopped (or started again) while the port was being bound
    if (generation !== this.generation || this.server) {
      server.close();
      return;
    }
    this.server = server;
    this.boundPort = port;
  }

  /** Stops listening and disconnects this listener's clients; the device session is not touched. */
  stop(): Promise<void> {
    this.generation++;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    return closeServer(server);
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    this.options.onClients?.(this.sockets.size);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.options.onClients?.(this.sockets.size);
    });
    socket.on('error', () => {});
    this.connection.openRealm(socket, { port: this.options.remotePort, ip: this.options.remoteIp ?? '127.0.0.1' });
  }
}
