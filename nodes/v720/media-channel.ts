// The UDP side of the fake cloud (spec §3.3, §4): answers "what is my address" (20 → 21),
// takes the camera's hole-punch probes (51), and hands media datagrams to the camera whose
// bound peer address they come from. A datagram from any other address never reaches a
// camera's frames: the peer is bound only from a probe naming a camera that is starting live
// view, sent from the address of that camera's own registration link.

import * as dgram from 'dgram';
import { Cmd, NaxclowPacket, decodeDatagram, encodeBare, encodeJson } from './naxclow-header';
import { parseMessage, stringField } from './naxclow-json';
import { bindUdp, closeUdp } from '../core/listening';

export interface Peer {
  address: string;
  port: number;
}

export const peerKey = (peer: Peer): string => `${peer.address}:${peer.port}`;

export interface MediaChannelHandlers {
  /** A code 51 probe naming `uid` arrived from `peer`. */
  probe(uid: string, peer: Peer): void;
  /** A media or control packet from the bound peer of `uid`. */
  packet(uid: string, packet: NaxclowPacket): void;
}

export interface MediaChannelCounts {
  datagrams: number;
  /** Not a Naxclow packet (bad length, too short). */
  malformed: number;
  /** From an address that is not the bound peer of any camera. */
  strangers: number;
}

export class MediaChannel {
  readonly counts: MediaChannelCounts = { datagrams: 0, malformed: 0, strangers: 0 };
  private readonly socket: dgram.Socket;
  /** address → port → uid: two lookups per datagram instead of building a key string. */
  private readonly peers = new Map<string, Map<number, string>>();
  private readonly peerOf = new Map<string, Peer>();

  constructor(private readonly handlers: MediaChannelHandlers, private readonly log: (text: string) => void = () => {}) {
    // A large receive buffer rides out event-loop pauses with many cameras streaming at once.
    this.socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    this.socket.on('message', (datagram, rinfo) => {
      try {
        this.onDatagram(datagram, { address: rinfo.address, port: rinfo.port });
      } catch (err) {
        this.log(`media datagram from ${rinfo.address}:${rinfo.port}: ${(err as Error).message}`);
      }
    });
    this.socket.on('error', (err) => this.log(`media socket: ${err.message}`));
  }

  bind(port: number, host?: string): Promise<number> {
    return bindUdp(this.socket, port, host);
  }

  /** Media from `peer` now belongs to `uid` (replacing its previous peer). */
  bindPeer(uid: string, peer: Peer): void {
    this.unbindPeer(uid);
    const other = this.ownerOf(peer);
    if (other !== undefined) this.unbindPeer(other);
    let ports = this.peers.get(peer.address);
    if (!ports) this.peers.set(peer.address, (ports = new Map()));
    ports.set(peer.port, uid);
    this.peerOf.set(uid, { address: peer.address, port: peer.port });
  }

  unbindPeer(uid: string): void {
    const peer = this.peerOf.get(uid);
    if (peer === undefined) return;
    this.peerOf.delete(uid);
    const ports = this.peers.get(peer.address);
    ports?.delete(peer.port);
    if (ports && ports.size === 0) this.peers.delete(peer.address);
  }

  boundPeer(uid: string): string | undefined {
    const peer = this.peerOf.get(uid);
    return peer && peerKey(peer);
  }

  private ownerOf(peer: Peer): string | undefined {
    return this.peers.get(peer.address)?.get(peer.port);
  }

  send(peer: Peer, packet: Buffer): void {
    try {
      this.socket.send(packet, peer.port, peer.address, (err) => {
        if (err) this.log(`send to ${peerKey(peer)}: ${err.message}`);
      });
    } catch (err) {
      this.log(`send to ${peerKey(peer)}: ${(err as Error).message}`);
    }
  }

  close(): Promise<void> {
    this.peers.clear();
    this.peerOf.clear();
    return closeUdp(this.socket);
  }

  /** @internal exposed for the fuzz test */
  onDatagram(datagram: Buffer, peer: Peer): void {
    this.counts.datagrams++;
    const packet = decodeDatagram(datagram);
    if (!packet) {
      this.counts.malformed++;
      return;
    }
    const owner = this.ownerOf(peer);
    if (packet.cmd === Cmd.JSON) {
      const message = parseMessage(packet.payload);
      if (!message) {
        this.counts.malformed++;
        return;
      }
      if (message.code === 20) {
        // Stateless, like a STUN binding request: tell the sender how we see it.
        this.send(peer, encodeJson({ code: 21, ip: peer.address, port: peer.port }));
        return;
      }
      if (message.code === 51) {
        const uid = stringField(message, 'devTarget', 32);
        if (uid) this.handlers.probe(uid, peer);
        return;
      }
    }
    if (packet.cmd === Cmd.HEARTBEAT && packet.payload.length === 0) {
      this.send(peer, encodeBare(Cmd.HEARTBEAT));
      return;
    }
    if (owner === undefined) {
      this.counts.strangers++;
      return;
    }
    this.handlers.packet(owner, packet);
  }
}
