// The frame message every media-emitting node sends (CONVENTIONS.md, "The frame message").
// Kept free of Node-RED so protocol code and simulators can build frames too.

export type FrameSource = 'xiaomi' | 'amba' | 'v720' | 'dahua' | 'assembler';
export type FrameKind = 'video' | 'audio';
export type VideoCodec = 'jpeg' | 'h264' | 'h265';
export type AudioCodec = 'pcma' | 'pcmu' | 'pcm_s16le' | 'aac' | 'opus';
export type FrameCodec = VideoCodec | AudioCodec;

export interface FrameInfo {
  camera: string;
  source: FrameSource;
  kind: FrameKind;
  codec: FrameCodec;
  /** Always true for JPEG and audio. */
  keyframe: boolean;
  /** Per-stream counter: starts at 0, +1 per emitted frame of this kind. */
  seq: number;
  /** Host clock (ms since the epoch) when the frame was complete. */
  timestamp: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

/** A type alias, not an interface, so it is assignable to Node-RED's open message type. */
export type FrameMessage = {
  topic: string;
  payload: Buffer;
  frame: FrameInfo;
};

/** What a producer knows about a frame; the stamper adds camera, source, seq and timestamp. */
export interface FrameFields {
  codec: FrameCodec;
  keyframe?: boolean;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

const AUDIO_CODECS: ReadonlySet<FrameCodec> = new Set<FrameCodec>(['pcma', 'pcmu', 'pcm_s16le', 'aac', 'opus']);

export function kindOfCodec(codec: FrameCodec): FrameKind {
  return AUDIO_CODECS.has(codec) ? 'audio' : 'video';
}

/**
 * Numbers frames per kind and stamps the contract fields, so every source counts the same way.
 * One stamper per camera stream; `reset()` when the stream restarts from scratch.
 */
export class FrameStamper {
  private readonly seq: Record<FrameKind, number> = { video: 0, audio: 0 };

  constructor(
    private camera: string,
    private readonly source: FrameSource,
    private readonly now: () => number = Date.now,
  ) {}

  setCamera(camera: string): void {
    this.camera = camera;
  }

  stamp(payload: Buffer, fields: FrameFields): FrameMessage {
    const kind = kindOfCodec(fields.codec);
    const keyframe = kind === 'audio' || fields.codec === 'jpeg' ? true : fields.keyframe === true;
    const frame: FrameInfo = {
      camera: this.camera,
      source: this.source,
      kind,
      codec: fields.codec,
      keyframe,
      seq: this.seq[kind]++,
      timestamp: this.now(),
    };
    if (fields.width !== undefined) frame.width = fields.width;
    if (fields.height !== undefined) frame.height = fields.height;
    if (fields.sampleRate !== undefined) frame.sampleRate = fields.sampleRate;
    if (fields.channels !== undefined) frame.channels = fields.channels;
    return { topic: this.camera, payload, frame };
  }

  reset(): void {
    this.seq.video = 0;
    this.seq.audio = 0;
  }
}

/** True when `value` looks like a frame message a media node can take. */
export function isFrameMessage(value: unknown): value is FrameMessage {
  if (typeof value !== 'object' || value === null) return false;
  const msg = value as Partial<FrameMessage>;
  return Buffer.isBuffer(msg.payload) && typeof msg.frame === 'object' && msg.frame !== null
    && typeof msg.frame.codec === 'string' && typeof msg.frame.kind === 'string';
}
