// One local UDP socket of the handshake (S_dev or S_relay, spec §1) and what arrives on it,
// sorted by first bytes: DH-HTTP replies, PTCP, inverted STUN. Everything else is dropped and
// counted. Whoever owns the endpoint decides which source addresses it listens to: the socket
// rule of the spec means one socket sees the cloud, the agent and the device in turn.

import { createSocket, RemoteInfo, Socket } from 'dgram';
import { isPtcp } from './ptcp-packet';
import { looksLikeInvertedStun } from './inverted-stun';
import { bindUdp } from '../core/listening';

export interface Address {
  host: string;
  port: number;
}

export type DatagramHandler = (datagram: Buffer, from: Address) => void;

export function sameAddress(a: Address, b: Address): boolean {
  return a.port === b.port && a.host === b.host;
}

export class UdpEndpoint {
  onReply: DatagramHandler | null = null;
  onPtcp: DatagramHandler | null = null;
  onStun: DatagramHandler | null = null;
  dropped = 0;
  private closed = false;
  /** The one peer the socket is connected to (see pin), or null. */
  private pinned: Address | null = null;

  private constructor(private readonly socket: Socket, readonly address: Address) {
    socket.on('message', (datagram: Buffer, rinfo: RemoteInfo) => this.dispatch(datagram, { host: rinfo.address, port: rinfo.port }));
    // Port unreachable and friends: UDP has no connection to lose, so there is nothing to do.
    socket.on('error', () => {});
  }

  /** Binds a new socket on an ephemeral port. */
  static async open(bindHost: string): Promise<UdpEndpoint> {
    const socket = createSocket('udp4');
    const port = await bindUdp(socket, 0, bindHost);
    return new UdpEndpoint(socket, { host: socket.address().address, port });
  }

  get port(): number {
    return this.address.port;
  }

  /**
   * Connects the socket to the PTCP peer once the handshake has found it. The kernel then drops
   * datagrams from anyone else (they were ignored anyway), and each send skips the address
   * lookup and the route resolution, which is most of the cost of a packet on a fast link.
   * Sending anywhere else (the relay unbind at shutdown) disconnects it again.
   */
  pin(peer: Address): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      try {
        this.socket.connect(peer.port, peer.host, (err?: Error) => {
          if (!err && !this.closed) this.pinned = peer;
          resolve(); // unpinned still works, only slower
        });
      } catch {
        resolve();
      }
    });
  }

  send(datagram: Buffer, to: Address): void {
    if (this.closed) return;
    try {
      if (this.pinned !== null) {
        if (sameAddress(to, this.pinned)) {
          this.socket.send(datagram);
          return;
        }
        this.pinned = null;
        this.socket.disconnect();
      }
      this.socket.send(datagram, to.port, to.host);
    } catch {
      // a closed socket or an unusable address; the step's timeout reports it
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onReply = this.onPtcp = this.onStun = null;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  private dispatch(datagram: Buffer, from: Address): void {
    try {
      let handler: DatagramHandler | null = null;
      if (isPtcp(datagram)) handler = this.onPtcp;
      else if (datagram.length >= 5 && datagram.toString('latin1', 0, 5) === 'HTTP/') handler = this.onReply;
      else if (looksLikeInvertedStun(datagram)) handler = this.onStun;
      if (handler) handler(datagram, from);
      else this.dropped++;
    } catch {
      this.dropped++;
    }
  }
}
