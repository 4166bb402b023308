// What both live-view paths do with the camera's media packets (spec §4): JPEG fragments into
// whole frames, audio packets out as they are, every media pkgId confirmed with 605 (or the
// camera stalls), and a watchdog for a stream that went quiet. Station mode feeds it UDP
// datagrams from the bound peer; AP mode feeds it packets from the one TCP link (§1.5).

import { ConfirmScheduler } from './confirm-scheduler';
import { JpegReassembler, ReassemblerCounts } from './jpeg-reassembler';
import { Cmd, MsgFlag, NaxclowPacket } from './naxclow-header';

export type AudioCodec = 'pcma' | 'pcm_s16le';

export interface MediaOutput {
  video(jpeg: Buffer): void;
  audio(payload: Buffer, codec: AudioCodec): void;
  /** SD-card recording data (cmd 7), for AP-mode downloads. */
  avi?(payload: Buffer, pkgId: number): void;
}

export interface MediaReceiverOptions {
  confirmIntervalMs?: number;
  reassemblyMaxBytes?: number;
  /** No media this long after the start, or while streaming: the stream is dead (default 5 s / 12 s). */
  firstMediaTimeoutMs?: number;
  mediaTimeoutMs?: number;
  now?: () => number;
}

export class MediaReceiver {
  private readonly reassembler: JpegReassembler;
  private readonly confirms: ConfirmScheduler;
  private readonly firstMediaTimeoutMs: number;
  private readonly mediaTimeoutMs: number;
  private readonly now: () => number;
  private watchdog: NodeJS.Timeout | null = null;
  private lastMediaAt = 0;

  constructor(private readonly output: MediaOutput, sendConfirm: (packet: Buffer) => void, options: MediaReceiverOptions = {}) {
    this.reassembler = new JpegReassembler({ maxBytes: options.reassemblyMaxBytes });
    this.confirms = new ConfirmScheduler(sendConfirm, options.confirmIntervalMs);
    this.firstMediaTimeoutMs = options.firstMediaTimeoutMs ?? 5_000;
    this.mediaTimeoutMs = options.mediaTimeoutMs ?? 12_000;
    this.now = options.now ?? Date.now;
  }

  get counts(): ReassemblerCounts {
    return this.reassembler.counts;
  }

  get heldBytes(): number {
    return this.reassembler.heldBytes;
  }

  get confirmsSent(): number {
    return this.confirms.sent;
  }

  /** Takes a packet; returns false when it is not media (JSON, heartbeat, …). */
  push(packet: NaxclowPacket): boolean {
    switch (packet.cmd) {
      case Cmd.JPEG:
        this.lastMediaAt = this.now();
        this.confirms.received(packet.pkgId);
        for (const jpeg of this.reassembler.push({ pkgId: packet.pkgId, msgFlag: packet.msgFlag, payload: packet.payload })) this.output.video(jpeg);
        if (packet.msgFlag === MsgFlag.END || packet.msgFlag === MsgFlag.FINISH) this.confirms.frameEnded();
        return true;
      case Cmd.G711:
      case Cmd.PCM:
        this.lastMediaAt = this.now();
        this.confirms.received(packet.pkgId);
        if (packet.payload.length > 0) this.output.audio(stripAudioTail(packet.payload), packet.cmd === Cmd.G711 ? 'pcma' : 'pcm_s16le');
        return true;
      case Cmd.AVI:
        this.lastMediaAt = this.now();
        this.confirms.received(packet.pkgId);
        // A download has no JPEG END to start the confirms: start them on its first packet.
        this.confirms.frameEnded();
        this.output.avi?.(packet.payload, packet.pkgId);
        return true;
      default:
        return false;
    }
  }

  /** Watches for silence from now on; `dead` is called once, with the reason. */
  watch(dead: (err: Error) => void, what: string): void {
    this.stopWatching();
    const started = this.now();
    this.lastMediaAt = started;
    let sawMedia = false;
    this.watchdog = setInterval(() => {
      if (this.lastMediaAt > started) sawMedia = true;
      const limit = sawMedia ? this.mediaTimeoutMs : this.firstMediaTimeoutMs;
      if (this.now() - this.lastMediaAt <= limit) return;
      this.stopWatching();
      dead(new Error(`${what}: no media for ${Math.round(limit / 1000)} s`));
    }, Math.max(10, Math.min(1000, this.firstMediaTimeoutMs / 2)));
  }

  /** Forgets partial frames and pending confirms, stops the 605 timer and the watchdog. */
  reset(): void {
    this.stopWatching();
    this.confirms.stop();
    this.reassembler.reset();
  }

  private stopWatching(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }
}

/**
 * Some firmware copies the video tail onto audio packets, some does not (spec §4.4): strip five
 * bytes only when the last four say exactly "length − 5".
 */
export function stripAudioTail(payload: Buffer): Buffer {
  if (payload.length > 5 && payload.readUInt32LE(payload.length - 4) === payload.length - 5) return payload.subarray(0, payload.length - 5);
  return payload;
}
