// One realm's bytes between a TCP socket and the PTCP session (spec §6.5): socket data goes out
// as DATA bodies of at most 1280 bytes, the peer's DATA is written to the socket. The socket is
// paused while the session's send queue is over its high-water mark, and a socket that does not
// keep up with the peer (a stalled viewer) is closed instead of letting the backlog grow: for
// live video a closed connection is better than one that blocks the other realms.
// The peer's DATA comes 1280 bytes at a time; the socket is corked while a burst of datagrams
// is handled and uncorked on the next turn of the event loop, so the burst reaches the client
// in one write instead of one system call per packet.

import type { Socket } from 'net';
import { MAX_DATA_PAYLOAD, PtcpBody } from './ptcp-packet';

export interface RealmLink {
  /** Queues a body on the session; false while the session's queue is over its high-water mark. */
  sendBody(body: PtcpBody): boolean;
}

export interface RealmPipeOptions {
  /** Bytes from the peer waiting to be written to the socket, at most; beyond it the realm closes. */
  maxBacklogBytes?: number;
  onBytesOut?(n: number): void;
  onBytesIn?(n: number): void;
}

export class RealmPipe {
  private piping = false;
  private sessionBlocked = false;
  private closed = false;
  private uncorkImmediate: NodeJS.Immediate | null = null;
  private readonly maxBacklog: number;

  constructor(readonly realm: number, readonly socket: Socket, private readonly link: RealmLink, private readonly options: RealmPipeOptions = {}) {
    this.maxBacklog = options.maxBacklogBytes ?? 4 * 1024 * 1024;
  }

  /** Starts moving socket data into the realm (after CONN). */
  start(): void {
    if (this.piping || this.closed) return;
    this.piping = true;
    this.socket.on('data', (chunk: Buffer) => this.forward(chunk));
    if (!this.sessionBlocked) this.socket.resume();
  }

  /** The peer's DATA for this realm. False when the socket's backlog is over the cap. */
  deliver(payload: Buffer): boolean {
    if (this.closed) return true;
    this.options.onBytesIn?.(payload.length);
    if (!this.uncorkImmediate) {
      this.socket.cork();
      this.uncorkImmediate = setImmediate(() => this.uncork());
    }
    this.socket.write(payload);
    return this.socket.writableLength <= this.maxBacklog;
  }

  /** The session drained: let the socket send again. */
  sessionDrained(): void {
    if (!this.sessionBlocked) return;
    this.sessionBlocked = false;
    if (this.piping && !this.closed) this.socket.resume();
  }

  /**
   * Graceful: what was written still reaches the client (the peer said DISC after its last
   * DATA). Otherwise the socket is destroyed at once (errors, overflow, a dead session).
   */
  close(graceful = false): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.removeAllListeners('data');
    this.uncork(); // what the peer sent before it closed still goes out, gracefully
    if (!graceful) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    this.socket.setTimeout(5000, () => this.socket.destroy());
  }

  private uncork(): void {
    if (!this.uncorkImmediate) return;
    clearImmediate(this.uncorkImmediate);
    this.uncorkImmediate = null;
    this.socket.uncork();
  }

  private forward(chunk: Buffer): void {
    if (this.closed) return;
    this.options.onBytesOut?.(chunk.length);
    let writable = true;
    for (let at = 0; at < chunk.length; at += MAX_DATA_PAYLOAD) {
      writable = this.link.sendBody({ type: 'data', realm: this.realm, payload: chunk.subarray(at, at + MAX_DATA_PAYLOAD) });
    }
    if (!writable) {
      this.sessionBlocked = true;
      this.socket.pause();
    }
  }
}
