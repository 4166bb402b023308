// The streams a media engine follows, one per camera, for motion detection and snapshots alike.
// Each may own a long-running ffmpeg decoder child, so the table is bounded: beyond its size the
// camera seen least recently is dropped and its decoder closed, and a flow that names cameras
// from message topics cannot grow it (or the number of children) without end.

import type { FfmpegDecoder } from '../decode/ffmpeg-decoder';

/** What the table needs of a stream's state. */
export interface CameraStream {
  decoder: FfmpegDecoder | null;
  /** Host clock when a frame of the camera was last taken in: the eviction order. */
  lastSeen: number;
}

export const DEFAULT_MAX_STREAMS = 16;

export class PerCameraStreams<S extends CameraStream> {
  private readonly streams = new Map<string, S>();

  constructor(private readonly create: () => S, private readonly maxStreams = DEFAULT_MAX_STREAMS) {}

  /** The stream of `camera`, made on first sight, marked as seen now. */
  touch(camera: string): S {
    let s = this.streams.get(camera);
    if (!s) {
      s = this.create();
      this.streams.set(camera, s);
      this.evictBeyond(this.maxStreams);
    }
    s.lastSeen = Date.now();
    return s;
  }

  /** The stream of `camera` if it is followed; does not count as seeing it. */
  get(camera: string): S | undefined {
    return this.streams.get(camera);
  }

  entries(): IterableIterator<[string, S]> {
    return this.streams.entries();
  }

  cameras(): string[] {
    return [...this.streams.keys()];
  }

  /** Decoder children running now (for status and tests). */
  get decoderPids(): number[] {
    return [...this.streams.values()].map((s) => s.decoder?.pid).filter((p): p is number => p !== undefined);
  }

  /** Forgets every stream and stops every decoder child; resolves when they have exited. */
  async close(): Promise<void> {
    const decoders = [...this.streams.values()].map((s) => s.decoder).filter((d): d is FfmpegDecoder => d !== null);
    this.streams.clear();
    await Promise.all(decoders.map((d) => d.close()));
  }

  private evictBeyond(max: number): void {
    while (this.streams.size > max) {
      let oldest: [string, S] | null = null;
      for (const entry of this.streams) if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
      if (!oldest) return;
      this.streams.delete(oldest[0]);
      void oldest[1].decoder?.close();
    }
  }
}
