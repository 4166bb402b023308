// One long-running ffmpeg child that decodes H.264/H.265 on request: the caller hands it access
// units starting at a keyframe, and gets back the picture of the last one, as a 1/8-scale grey
// picture (motion) or as a JPEG (snapshots). Spawning ffmpeg per picture costs ~100 ms of CPU;
// a child that stays up answers in a few milliseconds.
//
// Two things keep ffmpeg from answering at once, and both are dealt with here:
// - its raw H.264/H.265 reader only knows an access unit has ended when the next one starts, so
//   every request ends with an access unit delimiter (AUD);
// - a stream with B-frames makes the decoder hold pictures back (reordering: as many as the
//   stream's reorder depth). When pictures are still missing after a short settle time, the
//   request's keyframe is written again, once per missing picture: each extra picture pushes one
//   held picture out. The extra pictures are themselves held and come out later. They are told
//   apart by their content: a keyframe decodes to the same bytes every time, so any picture
//   equal to the request's keyframe picture is one of them (or a picture just like it, which
//   changes nothing about the answer).
// Counting alone cannot work: an H.265 stream that starts at a CRA drops its leading (RASL)
// pictures, so fewer pictures come out than went in.
// Known limit: in an H.265 stream whose keyframes are CRA pictures and that has B-frames, the
// extra CRA after an end of sequence makes ffmpeg drop (not output) the held pictures, so the
// answer can be up to the reorder depth (usually 1-2 frames) older than the newest unit.

import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import type { FrameSplitter, SplitOutput } from '../splitters/frame-splitter';
import { JpegStreamSplitter } from '../splitters/jpeg-stream-splitter';
import type { AnnexBCodec } from '../h26x/nal-units';
import { GrayPicture, PgmSplitter } from './pgm-splitter';

export type DecoderOutput =
  /** A grey picture 1/8 the size of the video: what motion detection compares. */
  | { kind: 'luma' }
  /** A JPEG, scaled down to at most `maxWidth` pixels wide when given. */
  | { kind: 'jpeg'; maxWidth?: number; quality?: number };

export interface DecoderOptions {
  codec: AnnexBCodec;
  output: DecoderOutput;
  ffmpegPath?: string;
  /** Quiet time after the last picture before held pictures are pushed out, ms. */
  settleMs?: number;
  /** A request that yields no picture in this time fails, ms. */
  timeoutMs?: number;
  /** ffmpeg's stderr lines (errors only), for the node's log. */
  onLog?(line: string): void;
}

/**
 * The ffmpeg a node runs: its own setting, else `p2pcamFfmpegPath` from Node-RED's settings.js,
 * else undefined (the `ffmpeg` on the PATH).
 */
export function ffmpegPathFor(nodeSetting: string | undefined, settingsPath: string | undefined): string | undefined {
  return nodeSetting?.trim() || settingsPath || undefined;
}

/** ffmpeg could not be started at all: the user has to install it or fix its path. */
export class FfmpegMissingError extends Error {
  override name = 'FfmpegMissingError';
}

export class DecoderError extends Error {
  override name = 'DecoderError';
}

/**
 * What ends a request: an access unit delimiter, so the reader sees the access unit is complete.
 * H.265 also gets an end-of-sequence NAL first: ffmpeg's HEVC decoder refuses a second picture
 * with the same POC in one sequence, and each request (and each extra keyframe) starts at POC 0.
 */
const REQUEST_END: Record<AnnexBCodec, Buffer> = {
  h264: Buffer.from([0, 0, 0, 1, 0x09, 0xf0]),
  h265: Buffer.from([0, 0, 0, 1, 0x48, 0x01, 0, 0, 0, 1, 0x46, 0x01, 0x50]),
};

/** Extra keyframes written per request at most: the largest reorder depth H.264/H.265 allow. */
const MAX_FLUSH_UNITS = 16;

/** A request may not carry more than this (a GOP of a 4K camera fits easily). */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
const MAX_STDERR_LINE = 300;

type Picture = GrayPicture | Buffer;

interface Request {
  units: Buffer[];
  expected: number;
  /** Pictures of this request seen so far, the keyframe's included. */
  count: number;
  /** The keyframe's picture (first out) and its bytes, the mark of the extra pictures. */
  keyPicture: Picture | null;
  keyBytes: Buffer | null;
  /** The newest picture that is not the keyframe's. */
  latest: Picture | null;
  /** Extra keyframes written to push held pictures out. */
  flushUnits: number;
  /** `count` when the last extra keyframes were written: a round that brings nothing ends it. */
  countAtFlush: number;
  resolve(picture: Picture): void;
  reject(err: Error): void;
  settle: NodeJS.Timeout | null;
  timeout: NodeJS.Timeout | null;
}

export class FfmpegDecoder {
  private child: ChildProcessWithoutNullStreams | null = null;
  private exited: Promise<void> = Promise.resolve();
  private current: Request | null = null;
  private waiting: Request | null = null;
  /** The last request that wrote extra keyframes: its keyframe, and that keyframe's picture. */
  private flushed: { unit: Buffer; bytes: Buffer; picture: Picture } | null = null;
  private closed = false;
  private readonly settleMs: number;
  private readonly timeoutMs: number;
  private pgm = new PgmSplitter();
  private jpeg: FrameSplitter = new JpegStreamSplitter();

  constructor(private readonly options: DecoderOptions) {
    this.settleMs = options.settleMs ?? 150;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  get codec(): AnnexBCodec {
    return this.options.codec;
  }

  /** Process id of the running child, if any (for tests and logs). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The picture of the last unit; `units[0]` must be a keyframe with its parameter sets. */
  decode(units: Buffer[]): Promise<Picture> {
    if (this.closed) return Promise.reject(new DecoderError('decoder is closed'));
    if (units.length === 0) return Promise.reject(new DecoderError('nothing to decode'));
    const bytes = units.reduce((n, u) => n + u.length, 0);
    if (bytes > MAX_REQUEST_BYTES) return Promise.reject(new DecoderError(`${bytes} bytes is more than a decode request may carry`));
    return new Promise<Picture>((resolve, reject) => {
      const request: Request = {
        units, expected: units.length, count: 0, keyPicture: null, keyBytes: null, latest: null, flushUnits: 0, countAtFlush: -1,
        resolve, reject, settle: null, timeout: null,
      };
      // Only the newest waiting request matters: an older one is already out of date.
      if (this.waiting) this.waiting.reject(new DecoderError('superseded by a newer request'));
      this.waiting = request;
      if (!this.current) this.next();
    });
  }

  /** Stops the child; resolves when it has exited. */
  close(): Promise<void> {
    this.closed = true;
    const err = new DecoderError('decoder closed');
    this.waiting?.reject(err);
    this.waiting = null;
    if (this.current) this.finish(this.current, err);
    this.stopChild();
    return this.exited;
  }

  private next(): void {
    const request = this.waiting;
    this.waiting = null;
    if (!request || this.closed) return;
    this.current = request;
    // Re-asked for the same keyframe: the held extra pictures and this keyframe's own picture
    // are the same bytes, so the keyframe counts as seen from the start.
    if (this.flushed && this.flushed.unit.equals(request.units[0])) {
      request.keyBytes = this.flushed.bytes;
      request.keyPicture = this.flushed.picture;
      request.count = 1;
    }
    let child: ChildProcessWithoutNullStreams;
    try {
      child = this.child ?? this.startChild();
    } catch (err) {
      this.finish(request, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    request.timeout = setTimeout(() => this.timedOut(request), this.timeoutMs);
    this.write(child, [...request.units, REQUEST_END[this.options.codec]]);
    this.armSettle(request);
  }

  private write(child: ChildProcessWithoutNullStreams, parts: Buffer[]): void {
    if (child.stdin.writable) child.stdin.write(Buffer.concat(parts));
  }

  private armSettle(request: Request): void {
    if (request.settle) clearTimeout(request.settle);
    request.settle = setTimeout(() => this.settled(request), this.settleMs);
  }

  /** No picture for a while: push held pictures out, or give back what has come. */
  private settled(request: Request): void {
    request.settle = null;
    if (request !== this.current) return;
    const missing = request.expected - request.count;
    // Rounds go on while they bring pictures out, and for the first few extra keyframes anyway
    // (a reorder depth of 2 needs two before anything moves).
    const progressing = request.count > request.countAtFlush || request.flushUnits < 4;
    if (missing > 0 && progressing && request.flushUnits < MAX_FLUSH_UNITS && this.child) {
      request.countAtFlush = request.count;
      const extra = Math.min(missing, MAX_FLUSH_UNITS - request.flushUnits);
      request.flushUnits += extra;
      const parts: Buffer[] = [];
      for (let k = 0; k < extra; k++) parts.push(request.units[0], REQUEST_END[this.options.codec]);
      this.write(this.child, parts);
      this.armSettle(request);
      return;
    }
    if (request.keyPicture) this.finish(request);
  }

  private timedOut(request: Request): void {
    request.timeout = null;
    if (request !== this.current) return;
    if (request.keyPicture) this.finish(request);
    else {
      this.finish(request, new DecoderError(`ffmpeg gave no picture within ${this.timeoutMs} ms`));
      // A decoder that swallowed a request whole is in an unknown state: start afresh.
      this.stopChild();
    }
  }

  private onPicture(picture: Picture): void {
    const request = this.current;
    if (!request) return; // an extra picture pushed out late: nobody's answer
    const bytes = Buffer.isBuffer(picture) ? picture : picture.data;
    if (!request.keyBytes) {
      if (this.flushed && bytes.equals(this.flushed.bytes)) return; // held over from the last request
      request.keyBytes = bytes;
      request.keyPicture = picture;
      request.count = 1;
    } else if (bytes.equals(request.keyBytes)) {
      return; // one of this request's extra pictures
    } else {
      request.latest = picture;
      request.count++;
    }
    if (request.count >= request.expected) this.finish(request);
    else this.armSettle(request);
  }

  private finish(request: Request, err?: Error): void {
    if (request.settle) clearTimeout(request.settle);
    if (request.timeout) clearTimeout(request.timeout);
    request.settle = request.timeout = null;
    if (this.current === request) this.current = null;
    if (request.flushUnits > 0 && request.keyBytes && request.keyPicture) {
      this.flushed = { unit: request.units[0], bytes: request.keyBytes, picture: request.keyPicture };
    }
    const answer = request.latest ?? request.keyPicture;
    if (err || !answer) request.reject(err ?? new DecoderError('no picture'));
    else request.resolve(answer);
    if (!this.closed) setImmediate(() => this.current || this.next());
  }

  private args(): string[] {
    const input = ['-hide_banner', '-nostats', '-loglevel', 'error', '-threads', '1', '-probesize', '32', '-analyzeduration', '0',
      '-f', this.options.codec === 'h264' ? 'h264' : 'hevc', '-i', 'pipe:0', '-an', '-vsync', 'passthrough'];
    const out = this.options.output;
    if (out.kind === 'luma') return [...input, '-vf', 'scale=trunc(iw/8):trunc(ih/8)', '-pix_fmt', 'gray', '-f', 'image2pipe', '-c:v', 'pgm', 'pipe:1'];
    const filters = out.maxWidth && out.maxWidth > 0 ? ['-vf', `scale=w='min(iw,${Math.round(out.maxWidth)})':h=-2`] : [];
    const q = String(Math.min(31, Math.max(2, Math.round(out.quality ?? 3))));
    return [...input, ...filters, '-pix_fmt', 'yuvj420p', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', q, 'pipe:1'];
  }

  private startChild(): ChildProcessWithoutNullStreams {
    const path = this.options.ffmpegPath || 'ffmpeg';
    const child = spawn(path, this.args(), { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    this.flushed = null;
    this.pgm = new PgmSplitter();
    this.jpeg = new JpegStreamSplitter();
    let stderrTail = '';
    this.exited = new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      const failure = err.code === 'ENOENT' || err.code === 'EACCES'
        ? new FfmpegMissingError(`ffmpeg not found at "${path}": install ffmpeg or set its path`)
        : new DecoderError(`ffmpeg failed: ${err.message}`);
      this.childGone(child, failure);
    });
    child.once('exit', (code, signal) => {
      const why = stderrTail.trim() || (signal ? `signal ${signal}` : `code ${code}`);
      this.childGone(child, new DecoderError(`ffmpeg exited (${why.slice(-MAX_STDERR_LINE)})`));
    });
    child.stdin.on('error', () => {
      /* EPIPE when ffmpeg has gone: 'exit' reports it */
    });
    child.stdout.on('data', (chunk: Buffer) => this.onStdout(child, chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderrTail = (stderrTail + text).slice(-MAX_STDERR_LINE);
      for (const line of text.split('\n')) if (line.trim()) this.options.onLog?.(line.slice(0, MAX_STDERR_LINE));
    });
    return child;
  }

  private onStdout(child: ChildProcessWithoutNullStreams, chunk: Buffer): void {
    if (child !== this.child) return;
    if (this.options.output.kind === 'luma') {
      let pictures: GrayPicture[];
      try {
        pictures = this.pgm.push(chunk);
      } catch (err) {
        this.childGone(child, new DecoderError((err as Error).message));
        this.stopChild();
        return;
      }
      for (const p of pictures) this.onPicture(p);
      return;
    }
    const out: SplitOutput = { frame: (f) => this.onPicture(f.payload), drop: () => {} };
    this.jpeg.push(chunk, out);
  }

  /** The child is gone (or unusable): fail the request it held; the next request starts another. */
  private childGone(child: ChildProcessWithoutNullStreams, err: Error): void {
    if (child !== this.child) return;
    this.child = null;
    if (this.current) this.finish(this.current, err);
  }

  private stopChild(): void {
    const child = this.child;
    this.child = null;
    if (!child) return;
    if (this.current) this.finish(this.current, new DecoderError('decoder restarted'));
    try {
      child.stdin.end();
    } catch {
      /* already closed */
    }
    // ffmpeg ends by itself at the end of its input; a hung one is killed.
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('close', () => clearTimeout(kill));
    child.once('error', () => clearTimeout(kill));
    if (child.exitCode !== null || child.signalCode !== null) clearTimeout(kill);
  }
}
