// Motion detection for frame messages of any source, without Node-RED: JPEG frames are read
// DC-only (a full jpeg-js decode only for JPEGs that reader leaves alone), H.264/H.265
// keyframes go through one long-running ffmpeg decoder per stream, and the frames between
// keyframes are judged by their size. Each stream (camera) keeps its own background and event.

import * as jpegJs from 'jpeg-js';
import type { FrameInfo } from '../../core/frame';
import { DecoderError, FfmpegDecoder } from '../decode/ffmpeg-decoder';
import { FrameSizeHeuristic } from './frame-size-heuristic';
import { readJpegLuma } from '../jpeg/jpeg-dc-reader';
import { JpegCorruptError, JpegUnsupportedError } from '../jpeg/jpeg-errors';
import { LumaImage, lumaFromGray, lumaFromRgba } from './luma-image';
import { LumaMotionDetector, MotionMeasure } from './luma-motion-detector';
import { MotionEvent, MotionEventTracker } from './motion-events';
import { MotionSettings } from './motion-settings';
import { AnnexBCodec } from '../h26x/nal-units';
import { keyframeWithoutParameterSets } from '../h26x/parameter-sets';
import { PerCameraStreams } from '../serving/per-camera-streams';
import type { GrayPicture } from '../decode/pgm-splitter';

/** The parts of a frame message the engine reads. */
export interface MotionFrame {
  payload: Buffer;
  frame: FrameInfo;
}

/** A frame the engine cannot use: the message gets an error, the stream goes on. */
export class MotionInputError extends Error {
  override name = 'MotionInputError';
}

export type JpegPath = 'dc' | 'full';

export interface MotionEngineOptions {
  ffmpegPath?: string;
  /** 'dc' (default): DC-only reader, full decode only as a fallback. 'full': always jpeg-js. */
  jpegPath?: JpegPath;
  /** Streams followed at once; the least recently seen is dropped beyond this. */
  maxStreams?: number;
  /**
   * Frames and bytes waiting per stream while a keyframe decodes; non-keyframes beyond either
   * are skipped (a decoder that hangs fails its request within 5 s, so this bounds memory, and
   * a slow machine drops frames rather than falling further behind).
   */
  maxBacklog?: number;
  maxBacklogBytes?: number;
  onDecoderLog?(line: string): void;
}

export interface MotionOutcome {
  /** The decision for this frame; null when the frame was skipped or said nothing yet. */
  measure: MotionMeasure | null;
  event: MotionEvent | null;
  /** How the frame was judged. */
  method: 'dc' | 'full' | 'decoder' | 'size' | 'skipped';
}

/** Full decodes are refused beyond this many megapixels (jpeg-js allocates RGBA for them). */
const MAX_FULL_DECODE_MP = 50;

class StreamState {
  readonly detector = new LumaMotionDetector();
  readonly heuristic = new FrameSizeHeuristic();
  readonly tracker = new MotionEventTracker();
  decoder: FfmpegDecoder | null = null;
  chain: Promise<unknown> = Promise.resolve();
  backlog = 0;
  backlogBytes = 0;
  lastSeen = 0;
  lastFrameAt = 0;
  cooldownMs = 0;
}

export class MotionEngine {
  private readonly streams: PerCameraStreams<StreamState>;
  private closed = false;

  constructor(private readonly options: MotionEngineOptions = {}) {
    this.streams = new PerCameraStreams(() => new StreamState(), options.maxStreams);
  }

  /** Judges one frame; frames of a stream are judged in the order they are given. */
  process(msg: MotionFrame, settings: MotionSettings): Promise<MotionOutcome> {
    if (this.closed) return Promise.reject(new MotionInputError('motion detection is closed'));
    const codec = msg.frame.codec;
    if (msg.frame.kind !== 'video' || (codec !== 'jpeg' && codec !== 'h264' && codec !== 'h265')) {
      return Promise.reject(new MotionInputError(`motion detection takes JPEG, H.264 or H.265 video frames, not ${msg.frame.kind} ${codec}`));
    }
    const stream = this.streams.touch(msg.frame.camera);
    stream.lastFrameAt = Date.now();
    stream.cooldownMs = settings.cooldownMs;
    const full = stream.backlog >= (this.options.maxBacklog ?? 300) || stream.backlogBytes >= (this.options.maxBacklogBytes ?? 16 * 1024 * 1024);
    if (full && !msg.frame.keyframe) return Promise.resolve({ measure: null, event: null, method: 'skipped' });
    const bytes = msg.payload.length;
    stream.backlog++;
    stream.backlogBytes += bytes;
    const run = stream.chain.then(() => this.judge(stream, msg, settings));
    const settled = () => {
      stream.backlog--;
      stream.backlogBytes -= bytes;
    };
    stream.chain = run.then(settled, settled);
    return run;
  }

  /** Ends the events of streams whose frames stopped coming; `now` is the host clock. */
  idle(now: number): { camera: string; event: MotionEvent }[] {
    const out: { camera: string; event: MotionEvent }[] = [];
    for (const [camera, s] of this.streams.entries()) {
      if (s.backlog > 0 || now - s.lastFrameAt < s.cooldownMs) continue;
      const event = s.tracker.idle(now, s.cooldownMs);
      if (event) out.push({ camera, event });
    }
    return out;
  }

  /** Forgets backgrounds and events (all streams, or one). */
  reset(camera?: string): void {
    for (const [name, s] of this.streams.entries()) {
      if (camera !== undefined && name !== camera) continue;
      s.detector.reset();
      s.heuristic.reset();
      s.tracker.reset();
    }
  }

  /** Stops every decoder child; resolves when they have exited. */
  async close(): Promise<void> {
    this.closed = true;
    await this.streams.close();
  }

  /** Decoder children running now (for status and tests). */
  get decoderPids(): number[] {
    return this.streams.decoderPids;
  }

  private async judge(stream: StreamState, msg: MotionFrame, settings: MotionSettings): Promise<MotionOutcome> {
    const { frame } = msg;
    let measure: MotionMeasure | null;
    let method: MotionOutcome['method'];
    if (frame.codec === 'jpeg') {
      const read = this.readJpeg(msg.payload);
      method = read.method;
      measure = stream.detector.measure(read.luma, frame.timestamp, settings);
    } else if (frame.keyframe) {
      const luma = await this.decodeKeyframe(stream, msg.payload, frame);
      method = 'decoder';
      measure = stream.detector.measure(luma, frame.timestamp, settings);
    } else {
      method = 'size';
      measure = stream.heuristic.observe(msg.payload.length, settings, stream.tracker.inMotion);
    }
    const event = measure ? stream.tracker.update(measure, frame.timestamp, settings.cooldownMs) : null;
    return { measure, event, method };
  }

  private readJpeg(jpeg: Buffer): { luma: LumaImage; method: 'dc' | 'full' } {
    if (this.options.jpegPath !== 'full') {
      try {
        return { luma: readJpegLuma(jpeg), method: 'dc' };
      } catch (err) {
        if (err instanceof JpegCorruptError) throw new MotionInputError(`broken JPEG: ${err.message}`);
        if (!(err instanceof JpegUnsupportedError)) throw err;
      }
    }
    return { luma: fullDecodeLuma(jpeg), method: 'full' };
  }

  private async decodeKeyframe(stream: StreamState, au: Buffer, frame: FrameInfo): Promise<LumaImage> {
    const codec = frame.codec as AnnexBCodec;
    const undecodable = keyframeWithoutParameterSets(au, codec);
    if (undecodable) throw new MotionInputError(undecodable);
    if (!stream.decoder || stream.decoder.codec !== codec) {
      void stream.decoder?.close();
      stream.decoder = new FfmpegDecoder({ codec, output: { kind: 'luma' }, ffmpegPath: this.options.ffmpegPath, onLog: this.options.onDecoderLog });
    }
    let picture: GrayPicture;
    try {
      picture = (await stream.decoder.decode([au])) as GrayPicture;
    } catch (err) {
      if (err instanceof DecoderError) throw new MotionInputError(`${codec} keyframe could not be decoded: ${err.message}`);
      throw err;
    }
    const sourceWidth = frame.width ?? picture.width * 8;
    const sourceHeight = frame.height ?? picture.height * 8;
    return lumaFromGray(picture.data, picture.width, picture.height, sourceWidth, sourceHeight);
  }
}

/** The jpeg-js path: a full decode, boxed down to the same 1/8 luma picture. */
export function fullDecodeLuma(jpeg: Buffer): LumaImage {
  try {
    const img = jpegJs.decode(jpeg, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_FULL_DECODE_MP, maxMemoryUsageInMB: 512 });
    return lumaFromRgba(img.data, img.width, img.height);
  } catch (err) {
    throw new MotionInputError(`JPEG could not be decoded: ${(err as Error).message}`);
  }
}
