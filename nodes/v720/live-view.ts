// Starting and stopping a camera's live view (spec §3.3), for one camera:
//   11 (NAT request, TCP) → camera 20/21 on UDP → 12 (NAT reply, TCP) → 51 probe (UDP), we
//   answer 50 → second 51 → 53, 301/298, 301/4 → camera's 301/4 base info → 301/3 → echo, and
//   media on UDP from the probed peer; 605 confirms every 100 ms; stop with 301/0.
// Each step has a deadline; a missed one fails the attempt, and the owner (a FanoutHub
// producer) retries with backoff. The camera going offline parks the view until it is back.

import { NaxclowPacket } from './naxclow-header';
import { NaxclowMessage, contentOf } from './naxclow-json';
import type { ReassemblerCounts } from './jpeg-reassembler';
import type { Peer } from './media-channel';
import { AudioCodec, MediaReceiver } from './media-receiver';

/** The fake client's identity in 11/301 (any 32 hex chars / 8 chars do, spec §3.3). */
export const CLI_TARGET = '00112233445566778899aabbccddeeff';
export const CLI_TOKEN = 'deadc0de';

export type LiveViewState = 'idle' | 'waiting' | 'natSent' | 'probing' | 'infoSent' | 'starting' | 'streaming';

export interface LiveViewPort {
  uid: string;
  /** Sends on the camera's TCP link; false when it is not registered. */
  sendTcp(message: object): boolean;
  sendUdp(peer: Peer, packet: Buffer): void;
  bindPeer(peer: Peer | null): void;
  /** The IP of the camera's registration link (a probe must come from it). */
  cameraAddress(): string | undefined;
  advertisedHost(): string;
  udpPort(): number;
  video(jpeg: Buffer): void;
  audio(payload: Buffer, codec: AudioCodec): void;
  baseInfo(content: Record<string, unknown>): void;
  state(state: LiveViewState): void;
  failed(err: Error): void;
}

export interface LiveViewOptions {
  /** Deadline for each handshake step (default 10 s). */
  stepTimeoutMs?: number;
  /** No media this long after 301/3, or while streaming: the stream is dead (default 5 s / 12 s). */
  firstMediaTimeoutMs?: number;
  mediaTimeoutMs?: number;
  confirmIntervalMs?: number;
  reassemblyMaxBytes?: number;
  now?: () => number;
}

export class LiveView {
  private current: LiveViewState = 'idle';
  private peer: Peer | null = null;
  private probes = 0;
  private deadline: NodeJS.Timeout | null = null;
  private readonly receiver: MediaReceiver;
  private readonly stepTimeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly port: LiveViewPort, options: LiveViewOptions = {}) {
    this.stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.receiver = new MediaReceiver(port, (packet) => this.peer && this.port.sendUdp(this.peer, packet), options);
  }

  get state(): LiveViewState {
    return this.current;
  }

  get counts(): ReassemblerCounts {
    return this.receiver.counts;
  }

  get reassemblyBytes(): number {
    return this.receiver.heldBytes;
  }

  /** The first viewer arrived (or a retry). */
  start(): void {
    if (this.current !== 'idle') return;
    this.begin();
  }

  /** The last viewer left: stop the camera's stream and forget the peer. */
  stop(): void {
    if (this.current === 'idle') return;
    if (this.current === 'starting' || this.current === 'streaming' || this.current === 'infoSent') {
      this.port.sendTcp({ code: 301, target: CLI_TARGET, content: { code: 0 } });
    }
    this.reset('idle');
  }

  /** The camera (re-)registered its TCP link. */
  cameraOnline(): void {
    if (this.current === 'idle') return;
    // A re-registration mid-stream means the camera forgot the session: start over.
    this.reset('idle');
    this.begin();
  }

  cameraOffline(): void {
    if (this.current === 'idle' || this.current === 'waiting') return;
    this.reset('waiting');
  }

  /** A JSON message on the camera's TCP link. */
  tcpMessage(message: NaxclowMessage): void {
    if (message.code === 12 && this.current === 'natSent') {
      this.setState('probing');
      this.armDeadline('no code 51 probe after code 12');
      return;
    }
    if (message.code !== 301) return;
    const content = contentOf(message);
    if (!content) return;
    if (content.code === 4) {
      this.port.baseInfo(content);
      if (this.current === 'infoSent') {
        this.port.sendTcp({ code: 301, target: CLI_TARGET, content: { code: 3 } });
        this.setState('starting');
        this.armDeadline('camera did not confirm the stream start (301/3)');
      }
    } else if (content.code === 3 && this.current === 'starting') {
      this.setState('streaming');
      this.clearDeadline();
      this.receiver.watch((err) => this.fail(err), this.port.uid);
    }
  }

  /** A code 51 probe from `peer` naming this camera. */
  probe(peer: Peer): void {
    if (this.current !== 'natSent' && this.current !== 'probing') return;
    if (peer.address !== this.port.cameraAddress()) return;
    this.peer = peer;
    this.port.bindPeer(peer);
    this.probes++;
    if (this.probes === 1) {
      this.port.sendUdp(peer, Buffer.from(PROBE_50));
      return;
    }
    this.port.sendTcp({ code: 53, status: 1 });
    this.port.sendTcp({ code: 301, target: CLI_TARGET, content: { code: 298 } });
    this.port.sendTcp({ code: 301, target: CLI_TARGET, content: { unixTimer: Math.floor(this.now() / 1000), code: 4 } });
    this.setState('infoSent');
    this.armDeadline('no base info (301/4) from the camera');
  }

  /** A datagram from the bound peer. */
  media(packet: NaxclowPacket): void {
    if (this.current !== 'streaming' && this.current !== 'starting' && this.current !== 'infoSent') return;
    this.receiver.push(packet);
  }

  private begin(): void {
    this.probes = 0;
    this.peer = null;
    this.receiver.reset();
    const sent = this.port.sendTcp({
      code: 11,
      cliTarget: CLI_TARGET,
      cliToken: CLI_TOKEN,
      // The camera probes cliNat (us); cliIp 255.255.255.255:0 makes it fall back to us too.
      cliIp: '255.255.255.255',
      cliPort: 0,
      cliNatIp: this.port.advertisedHost(),
      cliNatPort: this.port.udpPort(),
    });
    if (!sent) {
      this.setState('waiting');
      return;
    }
    this.setState('natSent');
    this.armDeadline('no answer to the NAT request (code 11)');
  }

  private reset(state: LiveViewState): void {
    this.clearDeadline();
    this.receiver.reset();
    this.port.bindPeer(null);
    this.peer = null;
    this.probes = 0;
    this.setState(state);
  }

  private setState(state: LiveViewState): void {
    if (state === this.current) return;
    this.current = state;
    this.port.state(state);
  }

  private armDeadline(what: string): void {
    this.clearDeadline();
    this.deadline = setTimeout(() => {
      this.deadline = null;
      this.fail(new Error(`${this.port.uid}: ${what} within ${Math.round(this.stepTimeoutMs / 1000)} s`));
    }, this.stepTimeoutMs);
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  private fail(err: Error): void {
    if (this.current === 'starting' || this.current === 'streaming' || this.current === 'infoSent') {
      this.port.sendTcp({ code: 301, target: CLI_TARGET, content: { code: 0 } });
    }
    this.reset('idle');
    this.port.failed(err);
  }
}

/** `{"code":50}` as the app sends it. */
const PROBE_50 = Buffer.from('0b000000000000003030303030303030000000007b22636f6465223a35307d', 'hex');
