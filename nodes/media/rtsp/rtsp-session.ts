// One RTSP session (RFC 2326 §3.5): the tracks a client has set up, how each reaches it
// (interleaved on its RTSP connection, or UDP), and the playing state. While playing, the session
// is one consumer of the stream's FanoutHub with its own bounded queue: when its connection cannot
// keep up, frames queue, then drop until the next keyframe, and no other client notices.

import { randomBytes } from 'crypto';
import type { Subscription } from '../../core/fanout-hub';
import { buildSenderReport } from '../rtp/rtcp-sender-report';
import { RTP_HEADER_BYTES, RtpStreamState } from '../rtp/rtp-packet';
import type { TransportChoice } from './rtsp-transport';
import type { OutFrame, StreamOut } from '../serving/stream-out-engine';

/** How a session's packets leave: the connection it was set up on, and the server's UDP socket. */
export interface SessionWire {
  /** Writes on the RTSP connection; false when its buffer is past the high-water mark. */
  write(data: Buffer): boolean;
  /** Settles when the connection's buffer has drained (or the connection is gone). */
  drained(): Promise<void>;
  /** Sends one packet, gathered from its parts, to the client's address on `port`, from our RTP or RTCP socket. */
  sendDatagram(parts: Buffer[], port: number, rtcp?: boolean): void;
}

interface SessionTrack {
  transport: TransportChoice;
  rtp: RtpStreamState;
  /** The stream's track generation at SETUP: a newer one means the codec changed under us. */
  generation: number;
}

export interface SessionOptions {
  /** Frames queued per client before drops start (FanoutHub queueLimit). */
  queueLimit: number;
  /** How often each playing track gets an RTCP sender report. */
  senderReportIntervalMs: number;
  /** Called when the stream's codec changed, so the session cannot go on. */
  onStale(): void;
}

export class RtspSession {
  readonly id = randomBytes(8).toString('hex');
  readonly tracks = new Map<number, SessionTrack>();
  private subscription: Subscription<OutFrame> | null = null;
  private reportTimer: NodeJS.Timeout | null = null;
  private needKey = true;
  private closed = false;
  framesSent = 0;

  constructor(readonly stream: StreamOut, readonly mountPath: string, private readonly wire: SessionWire, private readonly options: SessionOptions) {}

  get playing(): boolean {
    return this.subscription !== null;
  }

  /** Frames dropped for this client so far (its queue overflowed). */
  get dropped(): number {
    return this.subscription?.dropped ?? 0;
  }

  setupTrack(index: number, transport: TransportChoice, payloadType: number): SessionTrack {
    const track: SessionTrack = { transport, rtp: new RtpStreamState(payloadType), generation: this.stream.trackGeneration(index) };
    this.tracks.set(index, track);
    return track;
  }

  /** Starts at the last keyframe (the cached GOP), then follows the live stream. */
  play(): void {
    if (this.closed || this.subscription) return;
    this.needKey = true;
    for (const frame of this.stream.startFrames()) void this.deliver(frame);
    this.subscription = this.stream.hub.subscribe(
      { deliver: (frame) => this.deliver(frame) },
      { queueLimit: this.options.queueLimit, isKey: (frame) => frame.kind === 'video' && frame.keyframe },
    );
    this.reportTimer = setInterval(() => {
      try {
        this.sendReports();
      } catch {
        // A report is advisory: losing one must not take the process down.
      }
    }, this.options.senderReportIntervalMs);
  }

  pause(): void {
    this.subscription?.close();
    this.subscription = null;
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.reportTimer = null;
  }

  /** One sender report per track that has sent something, on the track's RTCP channel or port. */
  sendReports(): void {
    const nowMs = Date.now();
    for (const [index, track] of this.tracks) {
      if (track.rtp.packets === 0) continue;
      const report = buildSenderReport({
        ssrc: track.rtp.ssrc,
        nowMs,
        rtpTimestamp: this.stream.mediaClockAt(index, nowMs) + track.rtp.timestampOffset,
        packets: track.rtp.packets,
        octets: track.rtp.octets,
        cname: `p2pcam-${this.id}`,
      });
      const transport = track.transport;
      if (transport.mode === 'udp') {
        this.wire.sendDatagram([report], transport.rtcpPort, true);
      } else {
        const framed = Buffer.alloc(4 + report.length);
        framed[0] = 0x24;
        framed[1] = transport.rtcpChannel;
        framed.writeUInt16BE(report.length, 2);
        report.copy(framed, 4);
        this.wire.write(framed);
      }
    }
  }

  close(): void {
    this.closed = true;
    this.pause();
  }

  private deliver(frame: OutFrame): void | Promise<void> {
    if (this.closed) return;
    const track = this.tracks.get(frame.track);
    if (!track) return;
    if (frame.generation !== track.generation) {
      this.close();
      this.options.onStale();
      return;
    }
    if (frame.kind === 'video' && this.needKey) {
      if (!frame.keyframe) return;
      this.needKey = false;
    }
    const packets = frame.rtp;
    if (packets.length === 0) return; // a JPEG whose scan proved corrupt when it was packetized
    this.framesSent++;
    if (track.transport.mode === 'udp') {
      this.sendUdp(frame, track, track.transport.rtpPort);
      return;
    }
    if (!this.wire.write(interleavedFrame(frame, track, track.transport.rtpChannel))) return this.wire.drained();
  }

  private sendUdp(frame: OutFrame, track: SessionTrack, port: number): void {
    const headers = Buffer.allocUnsafe(RTP_HEADER_BYTES * frame.rtp.length);
    frame.rtp.forEach((p, i) => {
      const header = headers.subarray(i * RTP_HEADER_BYTES, (i + 1) * RTP_HEADER_BYTES);
      track.rtp.writeHeader(header, 0, p.marker, frame.rtpTimestamp + (p.timestampDelta ?? 0), p.prefix.length + p.body.length);
      this.wire.sendDatagram(p.prefix.length > 0 ? [header, p.prefix, p.body] : [header, p.body], port);
    });
  }
}

/** All packets of a frame in one buffer, each as `$`, channel, length, RTP header, payload (§10.12). */
function interleavedFrame(frame: OutFrame, track: SessionTrack, channel: number): Buffer {
  let total = 0;
  for (const p of frame.rtp) total += 4 + RTP_HEADER_BYTES + p.prefix.length + p.body.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const p of frame.rtp) {
    const payloadBytes = p.prefix.length + p.body.length;
    out[at] = 0x24;
    out[at + 1] = channel;
    out.writeUInt16BE(RTP_HEADER_BYTES + payloadBytes, at + 2);
    track.rtp.writeHeader(out, at + 4, p.marker, frame.rtpTimestamp + (p.timestampDelta ?? 0), payloadBytes);
    at += 4 + RTP_HEADER_BYTES;
    at += p.prefix.copy(out, at);
    at += p.body.copy(out, at);
  }
  return out;
}
