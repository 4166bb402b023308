// Snapshots for frame messages of any source, without Node-RED. JPEG frames are already
// snapshots and pass through untouched. For H.264/H.265 each stream keeps its current GOP (the
// last keyframe and what followed it), and a snapshot feeds that GOP to the stream's
// long-running ffmpeg decoder, so the answer needs no wait for the next keyframe.

import type { FrameInfo } from '../../core/frame';
import { FfmpegDecoder } from '../decode/ffmpeg-decoder';
import { jpegDimensions, looksLikeWholeJpeg } from '../jpeg/jpeg-markers';
import { AnnexBCodec } from '../h26x/nal-units';
import { keyframeWithoutParameterSets } from '../h26x/parameter-sets';
import { PerCameraStreams } from '../serving/per-camera-streams';

/** A frame the engine cannot use: the message gets an error, the stream goes on. */
export class SnapshotInputError extends Error {
  override name = 'SnapshotInputError';
}

export interface SnapshotFrame {
  payload: Buffer;
  frame: FrameInfo;
}

export interface Snapshot {
  jpeg: Buffer;
  /** The frame the picture shows (for H.264/H.265: the newest frame fed to the decoder). */
  frame: FrameInfo;
  width?: number;
  height?: number;
}

export interface SnapshotEngineOptions {
  ffmpegPath?: string;
  /** H.264/H.265 snapshots are scaled down to at most this width; 0 keeps the size. */
  maxWidth?: number;
  /** JPEG quality of decoded snapshots: ffmpeg's q, 2 (best) .. 31. */
  quality?: number;
  /** A GOP is cut short beyond this many bytes or frames (snapshots then show its last kept frame). */
  maxGopBytes?: number;
  maxGopFrames?: number;
  maxStreams?: number;
  onDecoderLog?(line: string): void;
}

class StreamState {
  codec: 'jpeg' | AnnexBCodec | null = null;
  /** JPEG: the last frame. H.264/H.265: the GOP, keyframe first. */
  gop: SnapshotFrame[] = [];
  gopBytes = 0;
  gopFull = false;
  decoder: FfmpegDecoder | null = null;
  last: Snapshot | null = null;
  lastFed: { seq: number; timestamp: number } | null = null;
  lastSeen = 0;
}

export class SnapshotEngine {
  private readonly streams: PerCameraStreams<StreamState>;
  private closed = false;

  constructor(private readonly options: SnapshotEngineOptions = {}) {
    this.streams = new PerCameraStreams(() => new StreamState(), options.maxStreams);
  }

  /**
   * Takes a frame into its stream. Returns false for a repeat of the frame fed last (the same
   * frame arriving on two wires, e.g. from the source and again with a motion event).
   */
  feed(msg: SnapshotFrame): boolean {
    if (this.closed) throw new SnapshotInputError('snapshots are closed');
    const { frame } = msg;
    const codec = frame.codec;
    if (frame.kind !== 'video' || (codec !== 'jpeg' && codec !== 'h264' && codec !== 'h265')) {
      throw new SnapshotInputError(`snapshots are made of JPEG, H.264 or H.265 video frames, not ${frame.kind} ${codec}`);
    }
    const s = this.streams.touch(frame.camera);
    if (s.lastFed && s.lastFed.seq === frame.seq && s.lastFed.timestamp === frame.timestamp) return false;
    if (codec !== s.codec) this.switchCodec(s, codec);
    if (codec === 'jpeg') {
      if (!looksLikeWholeJpeg(msg.payload)) throw new SnapshotInputError('broken JPEG: it does not run from SOI to EOI');
      s.gop = [msg];
    } else if (frame.keyframe) {
      const undecodable = keyframeWithoutParameterSets(msg.payload, codec);
      if (undecodable) throw new SnapshotInputError(undecodable);
      s.gop = [msg];
      s.gopBytes = msg.payload.length;
      s.gopFull = false;
    } else if (s.gop.length > 0 && !s.gopFull) {
      if (s.gopBytes + msg.payload.length > (this.options.maxGopBytes ?? 32 * 1024 * 1024) || s.gop.length >= (this.options.maxGopFrames ?? 600)) {
        s.gopFull = true;
      } else {
        s.gop.push(msg);
        s.gopBytes += msg.payload.length;
      }
    }
    s.lastFed = { seq: frame.seq, timestamp: frame.timestamp };
    return true;
  }

  /** Whether `camera` has something a snapshot can show. */
  ready(camera: string): boolean {
    return (this.streams.get(camera)?.gop.length ?? 0) > 0;
  }

  cameras(): string[] {
    return this.streams.cameras();
  }

  /** The newest frame's time of a stream, to tell whether a new snapshot would differ. */
  newestFrame(camera: string): FrameInfo | undefined {
    const gop = this.streams.get(camera)?.gop;
    return gop && gop.length > 0 ? gop[gop.length - 1].frame : undefined;
  }

  /** The last snapshot made (or passed through) for `camera`. */
  last(camera: string): Snapshot | null {
    return this.streams.get(camera)?.last ?? null;
  }

  /** A snapshot of the newest frame of `camera`; made again only when a newer frame came. */
  async snapshot(camera: string): Promise<Snapshot> {
    const s = this.streams.get(camera);
    if (!s || s.gop.length === 0) {
      throw new SnapshotInputError(s && s.codec !== 'jpeg' ? `no ${s.codec} keyframe from "${camera}" yet` : `no frame from "${camera}" yet`);
    }
    const newest = s.gop[s.gop.length - 1];
    if (s.last && s.last.frame.seq === newest.frame.seq && s.last.frame.timestamp === newest.frame.timestamp) return s.last;
    if (s.codec === 'jpeg') {
      s.last = { jpeg: newest.payload, frame: newest.frame, ...sizeOf(newest.payload, newest.frame) };
      return s.last;
    }
    const decoder = this.decoderFor(s);
    const gop = s.gop.slice();
    const jpeg = (await decoder.decode(gop.map((f) => f.payload))) as Buffer;
    const size = jpegDimensions(jpeg);
    const snap: Snapshot = { jpeg, frame: gop[gop.length - 1].frame, width: size?.width, height: size?.height };
    if (!s.last || s.last.frame.timestamp <= snap.frame.timestamp) s.last = snap;
    return snap;
  }

  /** Stops every decoder child; resolves when they have exited. */
  async close(): Promise<void> {
    this.closed = true;
    await this.streams.close();
  }

  get decoderPids(): number[] {
    return this.streams.decoderPids;
  }

  private switchCodec(s: StreamState, codec: 'jpeg' | AnnexBCodec): void {
    s.codec = codec;
    s.gop = [];
    s.gopBytes = 0;
    s.gopFull = false;
    if (s.decoder) void s.decoder.close();
    s.decoder = null;
  }

  private decoderFor(s: StreamState): FfmpegDecoder {
    if (!s.decoder) {
      s.decoder = new FfmpegDecoder({
        codec: s.codec as AnnexBCodec,
        output: { kind: 'jpeg', maxWidth: this.options.maxWidth, quality: this.options.quality },
        ffmpegPath: this.options.ffmpegPath,
        onLog: this.options.onDecoderLog,
      });
    }
    return s.decoder;
  }
}

function sizeOf(jpeg: Buffer, frame: FrameInfo): { width?: number; height?: number } {
  if (frame.width && frame.height) return { width: frame.width, height: frame.height };
  const size = jpegDimensions(jpeg);
  return size ? { width: size.width, height: size.height } : {};
}
