// The RTSP server of cam-stream-out: a TCP listener whose clients play the mounted streams, and
// one pair of UDP sockets (RTP on an even port, RTCP on the next) shared by every client that
// asks for UDP transport. Several streams can share one server, each on its own path.
// Capped: connections (maxClients), request sizes (the parser's limits), frames queued per client
// (the mount's queueLimit). close() releases every socket and timer it ever opened.

import * as dgram from 'dgram';
import * as net from 'net';
import { ConnectionContext, RtspConnection, RtspMount, unmapIpv4 } from './rtsp-connection';
import { DigestAuthenticator, DigestCredentials } from './rtsp-digest-auth';
import type { RtspParserLimits } from './rtsp-request-parser';
import type { StreamOut } from '../serving/stream-out-engine';
import { bindUdp, closeServer, closeUdp, listenTcp } from '../../core/listening';

export interface RtspServerOptions {
  port: number;
  /** Address to listen on (default 0.0.0.0); an IPv6 address makes the UDP sockets IPv6 too. */
  host?: string;
  /** Connections at once (default 20); more are answered 503 and closed. */
  maxClients?: number;
  /** Seconds without a request or RTCP before a session ends (default 60, RFC 2326 §12.37). */
  sessionTimeoutSec?: number;
  /** How long DESCRIBE waits for a first video frame before answering 503 (default 5000 ms). */
  describeWaitMs?: number;
  parserLimits?: RtspParserLimits;
  /** RTCP sender reports per track while playing (default 5000 ms, RFC 3550 §6.2). */
  senderReportIntervalMs?: number;
  /** Socket errors the server survived, for the node's log. */
  onError?(err: Error): void;
}

export interface MountOptions {
  credentials?: DigestCredentials | null;
  /** Frames queued per client before drops start (default 60: two seconds at 30 fps). */
  queueLimit?: number;
}

interface UdpPair {
  type: 'udp4' | 'udp6';
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
  ports: [number, number];
}

const UDP_BIND_ATTEMPTS = 20;

export class RtspServer {
  readonly mounts = new Map<string, RtspMount>();
  private readonly connections = new Set<RtspConnection>();
  private readonly server: net.Server;
  private readonly maxClients: number;
  private readonly host: string;
  private udp: Promise<UdpPair> | null = null;
  private udpPair: UdpPair | null = null;
  private closing = false;
  private readonly context: ConnectionContext;
  refused = 0;

  constructor(private readonly options: RtspServerOptions) {
    this.maxClients = options.maxClients ?? 20;
    this.host = options.host ?? '0.0.0.0';
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.on('error', (err) => this.options.onError?.(err));
    this.context = {
      findMount: (path) => this.mounts.get(path),
      udpPorts: () => this.udpPorts(),
      sendDatagram: (parts, address, port, rtcp) => this.sendDatagram(parts, address, port, rtcp === true),
      sessionTimeoutSec: options.sessionTimeoutSec ?? 60,
      describeWaitMs: options.describeWaitMs ?? 5000,
      senderReportIntervalMs: options.senderReportIntervalMs ?? 5000,
      parserLimits: options.parserLimits,
      closed: (connection) => this.connections.delete(connection),
    };
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** Sessions currently playing, over all mounts. */
  get playingCount(): number {
    let n = 0;
    for (const c of this.connections) if (c.currentSession?.playing) n++;
    return n;
  }

  /** Binds the TCP port; resolves with the port (useful with port 0), rejects e.g. on EADDRINUSE. */
  listen(): Promise<number> {
    return listenTcp(this.server, this.options.port, this.host);
  }

  get port(): number {
    const address = this.server.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  addMount(path: string, stream: StreamOut, options: MountOptions = {}): RtspMount {
    const key = normalizeMountPath(path);
    if (this.mounts.has(key)) throw new Error(`RTSP path /${key} is already served on port ${this.port}`);
    const mount: RtspMount = {
      path: key,
      stream,
      auth: options.credentials?.username ? new DigestAuthenticator(options.credentials) : null,
      queueLimit: options.queueLimit ?? 60,
    };
    this.mounts.set(key, mount);
    return mount;
  }

  /** Stops serving a path; its clients are disconnected. */
  removeMount(path: string): void {
    const key = normalizeMountPath(path);
    if (!this.mounts.delete(key)) return;
    for (const c of [...this.connections]) if (c.currentSession?.mountPath === key) c.destroy();
  }

  /** Closes every connection and socket; resolves once the TCP port is free again. */
  close(): Promise<void> {
    this.closing = true;
    for (const c of [...this.connections]) c.destroy();
    this.connections.clear();
    const udp = this.udp;
    this.udp = null;
    const udpClosed = udp ? udp.then((pair) => closePair(pair), () => undefined) : Promise.resolve();
    this.udpPair = null;
    return Promise.all([closeServer(this.server), udpClosed]).then(() => undefined);
  }

  private accept(socket: net.Socket): void {
    if (this.closing || this.connections.size >= this.maxClients) {
      this.refused++;
      socket.on('error', () => undefined);
      socket.end('RTSP/1.0 503 Service Unavailable\r\nServer: p2pcam-node-red\r\n\r\n');
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const connection = new RtspConnection(socket, this.context);
    this.connections.add(connection);
  }

  private udpPorts(): Promise<[number, number]> {
    if (!this.udp) {
      this.udp = bindPair(this.host, (_msg, rinfo) => this.onRtcp(rinfo), (err) => this.options.onError?.(err));
      this.udp.then((pair) => {
        if (this.closing) closePair(pair);
        else this.udpPair = pair;
      }, () => {
        this.udp = null;
      });
    }
    return this.udp.then((pair) => pair.ports);
  }

  private sendDatagram(parts: Buffer[], address: string, port: number, rtcp: boolean): void {
    const pair = this.udpPair;
    if (!pair) return;
    const target = pair.type === 'udp4' ? unmapIpv4(address) : address;
    try {
      (rtcp ? pair.rtcp : pair.rtp).send(parts, port, target, () => undefined);
    } catch {
      // A send on a socket closing under us: the client is going away anyway.
    }
  }

  /** RTCP (or NAT-opening packets) from a client keeps its session alive. */
  private onRtcp(rinfo: dgram.RemoteInfo): void {
    const from = unmapIpv4(rinfo.address);
    for (const c of this.connections) {
      if (c.remoteAddress !== from) continue;
      const session = c.currentSession;
      if (!session) continue;
      for (const track of session.tracks.values()) {
        if (track.transport.mode === 'udp' && (track.transport.rtcpPort === rinfo.port || track.transport.rtpPort === rinfo.port)) c.touch();
      }
    }
  }
}

export function normalizeMountPath(path: string): string {
  return path.trim().replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '');
}

/** RTP on an even port and RTCP on the next one (RFC 3550 §11), retried until the pair is free. */
async function bindPair(host: string, onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void, onError: (err: Error) => void): Promise<UdpPair> {
  const type = host.includes(':') ? 'udp6' : 'udp4';
  for (let attempt = 0; attempt < UDP_BIND_ATTEMPTS; attempt++) {
    const rtp = await bindSocket(type, host, 0, onMessage, onError);
    if (!rtp) continue;
    const port = rtp.address().port;
    if (port % 2 === 0 && port < 65535) {
      const rtcp = await bindSocket(type, host, port + 1, onMessage, onError);
      if (rtcp) return { type, rtp, rtcp, ports: [port, port + 1] };
    }
    rtp.close();
  }
  throw new Error('no free pair of UDP ports for RTP/RTCP');
}

/** A socket bound to host:port, or null when the port is taken. */
async function bindSocket(type: 'udp4' | 'udp6', host: string, port: number, onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void, onError: (err: Error) => void): Promise<dgram.Socket | null> {
  const socket = dgram.createSocket({ type });
  try {
    await bindUdp(socket, port, host);
  } catch {
    await closeUdp(socket);
    return null;
  }
  socket.on('error', onError);
  socket.on('message', onMessage);
  return socket;
}

function closePair(pair: UdpPair): Promise<void> {
  return Promise.all([closeUdp(pair.rtp), closeUdp(pair.rtcp)]).then(() => undefined);
}
