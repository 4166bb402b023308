// What cam-stream-out serves, without Node-RED and without sockets: frames come in (the frame
// contract), each is cut into RTP payloads once, remembered where a newcomer needs it (the GOP
// since the last keyframe, the last JPEG), and handed to every consumer (RTSP sessions, MJPEG
// viewers) through one FanoutHub, so a slow consumer drops its own frames and stalls no one.

import { FanoutHub, Producer, ProducerSink } from '../../core/fanout-hub';
import type { FrameCodec, FrameInfo } from '../../core/frame';
import { GopCache, GopCacheLimits } from './gop-cache';
import { G711Packetizer } from '../rtp/rtp-g711-packetizer';
import { H264Packetizer } from '../rtp/rtp-h264-packetizer';
import { H265Packetizer } from '../rtp/rtp-h265-packetizer';
import { JpegPacketizer } from '../rtp/rtp-jpeg-packetizer';
import type { PacketizeFailure, PacketizeResult, RtpPayload } from '../rtp/rtp-packet';
import type { SdpTrack } from '../rtsp/sdp';

export type TrackKind = 'video' | 'audio';
export const VIDEO_TRACK = 0;
export const AUDIO_TRACK = 1;

/** A frame ready to send: the original bytes (for MJPEG) and its RTP payloads (for RTSP). */
export interface OutFrame {
  track: number;
  kind: TrackKind;
  codec: FrameCodec;
  keyframe: boolean;
  payload: Buffer;
  /** Media clock (90 kHz video, 8 kHz G.711) before each client's random offset. */
  rtpTimestamp: number;
  /** Made once, on first use, and shared by every client. */
  readonly rtp: RtpPayload[];
  /** Bumped whenever the track's codec changes: sessions set up for an older one must end. */
  generation: number;
}

interface Packetizer {
  readonly clockRate: number;
  readonly payloadType: number;
  packetize(frame: Buffer): PacketizeResult;
}

interface Track {
  codec: FrameCodec;
  packetizer: Packetizer;
  generation: number;
}

export type PushResult = { ok: true; frame: OutFrame } | { ok: false; error: string };

export interface StreamOutOptions {
  gop?: GopCacheLimits;
  now?: () => number;
}

const VIDEO_CODECS: ReadonlySet<string> = new Set(['jpeg', 'h264', 'h265']);
const AUDIO_CODECS: ReadonlySet<string> = new Set(['pcma', 'pcmu']);
/** How far counted audio samples may drift from the host clock before we re-anchor (500 ms). */
const AUDIO_RESYNC_SAMPLES = 4000;

/** The hub's producer: frames are pushed by the flow, so start and stop only open and close the tap. */
class PushProducer implements Producer<OutFrame> {
  sink: ProducerSink<OutFrame> | null = null;
  start(sink: ProducerSink<OutFrame>): void {
    this.sink = sink;
    sink.up();
  }
  stop(): void {
    this.sink = null;
  }
}

export class StreamOut {
  readonly hub: FanoutHub<OutFrame>;
  private readonly producer = new PushProducer();
  private readonly gop: GopCache<OutFrame>;
  private readonly now: () => number;
  private readonly tracks: (Track | null)[] = [null, null];
  private readonly trackListeners = new Set<() => void>();
  private readonly frameWaiters = new Set<() => void>();
  private generation = 0;
  private audioNext: number | null = null;
  lastJpeg: Buffer | null = null;
  lastJpegAt = 0;
  frames = 0;
  rejected = 0;
  /** A stable id for the SDP's o= line. */
  readonly sessionId = String(Date.now());

  constructor(options: StreamOutOptions = {}) {
    this.hub = new FanoutHub(this.producer, { backoff: { initialMs: 1000 } });
    this.gop = new GopCache(options.gop);
    this.now = options.now ?? Date.now;
  }

  /** Takes one frame; a frame that cannot be served says why and changes nothing. */
  push(payload: Buffer, info: Pick<FrameInfo, 'codec' | 'keyframe'> & Partial<FrameInfo>): PushResult {
    const codec = info.codec;
    const kind: TrackKind | null = VIDEO_CODECS.has(codec) ? 'video' : AUDIO_CODECS.has(codec) ? 'audio' : null;
    if (!kind) {
      this.rejected++;
      return { ok: false, error: `codec ${String(codec)} cannot be served over RTSP (video: jpeg, h264, h265; audio: pcma, pcmu)` };
    }
    const index = kind === 'video' ? VIDEO_TRACK : AUDIO_TRACK;
    const track = this.trackFor(index, codec);
    const result = packetizeOrDefer(track.packetizer, payload);
    if (!result.ok) {
      this.rejected++;
      return result;
    }
    const keyframe = codec === 'jpeg' || kind === 'audio' ? true : info.keyframe === true;
    const at = typeof info.timestamp === 'number' && Number.isFinite(info.timestamp) ? info.timestamp : this.now();
    const frame: OutFrame = {
      track: index,
      kind,
      codec,
      keyframe,
      payload,
      rtpTimestamp: kind === 'video' ? videoTimestamp(at) : this.audioTimestamp(at, payload.length),
      get rtp(): RtpPayload[] {
        return result.payloads();
      },
      generation: track.generation,
    };
    this.frames++;
    if (kind === 'video') this.gop.add(frame, keyframe, payload.length);
    if (codec === 'jpeg') {
      this.lastJpeg = payload;
      this.lastJpegAt = at;
    }
    this.producer.sink?.emit(frame);
    if (kind === 'video') this.wakeWaiters();
    return { ok: true, frame };
  }

  /** The video frames a newcomer should get first: the current GOP, keyframe first. */
  startFrames(): OutFrame[] {
    return this.gop.snapshot();
  }

  hasTrack(index: number): boolean {
    return (this.tracks[index] ?? null) !== null;
  }

  trackGeneration(index: number): number {
    return this.tracks[index]?.generation ?? -1;
  }

  /** A track's media clock at a wall-clock time, as its RTP timestamps count (before offsets). */
  mediaClockAt(index: number, ms: number): number {
    return index === VIDEO_TRACK ? videoTimestamp(ms) : Math.round(ms * 8) % 2 ** 32;
  }

  get videoCodec(): FrameCodec | null {
    return this.tracks[VIDEO_TRACK]?.codec ?? null;
  }

  /** Media sections for DESCRIBE, video as trackID=0 and audio as trackID=1. */
  sdpTracks(): SdpTrack[] {
    const out: SdpTrack[] = [];
    const video = this.tracks[VIDEO_TRACK];
    if (video) out.push(videoSdp(video));
    const audio = this.tracks[AUDIO_TRACK];
    if (audio) {
      const g711 = audio.packetizer as G711Packetizer;
      out.push({ media: 'audio', payloadType: g711.payloadType, rtpmap: `${g711.encodingName}/8000`, fmtp: '', control: `trackID=${AUDIO_TRACK}` });
    }
    return out;
  }

  /** Resolves true once a video frame has arrived (at once if one has), false after `timeoutMs`. */
  waitForVideo(timeoutMs: number): Promise<boolean> {
    if (this.hasTrack(VIDEO_TRACK)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.frameWaiters.delete(wake);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.frameWaiters.add(wake);
    });
  }

  /** Called when a track's codec changes, so sessions negotiated for the old one can be ended. */
  onTracksChanged(listener: () => void): () => void {
    this.trackListeners.add(listener);
    return () => this.trackListeners.delete(listener);
  }

  /** Forgets everything and detaches every consumer. */
  close(): void {
    this.hub.close();
    this.gop.clear();
    for (const wake of [...this.frameWaiters]) wake();
    this.frameWaiters.clear();
    this.trackListeners.clear();
    this.lastJpeg = null;
  }

  private trackFor(index: number, codec: FrameCodec): Track {
    const existing = this.tracks[index];
    if (existing && existing.codec === codec) return existing;
    const track: Track = { codec, packetizer: createPacketizer(codec), generation: ++this.generation };
    this.tracks[index] = track;
    if (index === VIDEO_TRACK) this.gop.clear();
    else this.audioNext = null;
    if (existing) for (const listener of [...this.trackListeners]) safely(listener);
    return track;
  }

  /** Counts samples so packets are evenly spaced, re-anchoring to the host clock after a gap. */
  private audioTimestamp(at: number, samples: number): number {
    const fromClock = Math.round(at * 8) - samples;
    let ts = this.audioNext ?? fromClock;
    if (Math.abs(ts - fromClock) > AUDIO_RESYNC_SAMPLES) ts = fromClock;
    this.audioNext = ts + samples;
    return ts % 2 ** 32;
  }

  private wakeWaiters(): void {
    for (const wake of [...this.frameWaiters]) wake();
  }
}

/**
 * H.26x and G.711 packetization is a few subarrays: done at once. A JPEG is only checked now; its
 * payloads (which may need the Huffman re-coding) are made when the first client asks for them,
 * so a camera nobody watches over RTSP costs nothing but the check. A scan that turns out corrupt
 * then gives no payloads, and clients skip the frame.
 */
function packetizeOrDefer(packetizer: Packetizer, payload: Buffer): { ok: true; payloads: () => RtpPayload[] } | PacketizeFailure {
  if (packetizer instanceof JpegPacketizer) {
    const problem = packetizer.check(payload);
    if (problem) return problem;
    let made: RtpPayload[] | null = null;
    return {
      ok: true,
      payloads: () => {
        if (made) return made;
        const result = packetizer.packetize(payload);
        made = result.ok ? result.payloads : [];
        return made;
      },
    };
  }
  const result = packetizer.packetize(payload);
  if (!result.ok) return result;
  return { ok: true, payloads: () => result.payloads };
}

function createPacketizer(codec: FrameCodec): Packetizer {
  switch (codec) {
    case 'h264':
      return new H264Packetizer();
    case 'h265':
      return new H265Packetizer();
    case 'jpeg':
      return new JpegPacketizer();
    default:
      return new G711Packetizer(codec === 'pcma' ? 'pcma' : 'pcmu');
  }
}

function videoSdp(track: Track): SdpTrack {
  const control = `trackID=${VIDEO_TRACK}`;
  if (track.codec === 'h264') {
    const p = track.packetizer as H264Packetizer;
    return { media: 'video', payloadType: p.payloadType, rtpmap: 'H264/90000', fmtp: p.fmtp(), control };
  }
  if (track.codec === 'h265') {
    const p = track.packetizer as H265Packetizer;
    return { media: 'video', payloadType: p.payloadType, rtpmap: 'H265/90000', fmtp: p.fmtp(), control };
  }
  return { media: 'video', payloadType: track.packetizer.payloadType, rtpmap: 'JPEG/90000', fmtp: '', control };
}

/** 90 kHz ticks of the host clock, wrapped to 32 bits. */
function videoTimestamp(ms: number): number {
  return Math.round(ms * 90) % 2 ** 32;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure must not stop the stream; the server's listeners do not throw.
  }
}
