// The frame-info block that avRecvFrameData2 / avRecvAudioData write beside each frame
// (spec §3.3, §3.4). Only the codec (offset 0) and the flags (offset 2) are trusted; the rest of
// the layout is picked from the block's length and the camera's profile. Width and height are
// metadata: a frame is never dropped because they are missing or odd.
import type { FrameCodec } from '../core/frame';

export type FrameInfoProfile = 'auto' | 'xiaomi' | 'tutk' | 'wyze';
export const FRAME_INFO_PROFILES: readonly FrameInfoProfile[] = ['auto', 'xiaomi', 'tutk', 'wyze'];

/** The layout the fields were read with. */
export type FrameInfoLayout = 'none' | 'tutk16' | 'tutk24' | 'xiaomi64' | 'wyze';

export interface ParsedFrameInfo {
  layout: FrameInfoLayout;
  /** u16 at offset 0; -1 when the block is shorter than 2 bytes. */
  codecId: number;
  /** What the codec id names, if it is one this collection emits. */
  codec?: FrameCodec;
  /** u8 at offset 2: 1 = I frame for video; rate/bits/stereo for audio. */
  flags: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  /** Camera clock, as metadata only (frames are stamped with the host clock). */
  cameraTimeMs?: number;
  frameNo?: number;
}

const VIDEO_CODECS: Record<number, FrameCodec> = {
  0x4b: 'h264', // Wyze's H.264
  0x4e: 'h264',
  0x4f: 'jpeg',
  0x50: 'h265',
  0x7b: 'h265', // Wyze's H.265
};

const AUDIO_CODECS: Record<number, FrameCodec> = {
  0x86: 'aac',
  0x87: 'aac',
  0x88: 'aac',
  0x89: 'pcmu',
  0x8a: 'pcma',
  0x8c: 'pcm_s16le',
  0x90: 'aac',
  0x92: 'opus',
  0xe1: 'opus',
};

const SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
/** Beyond this a width or height is noise, not a picture size. */
const MAX_DIMENSION = 16384;

export function codecOfId(codecId: number): FrameCodec | undefined {
  return VIDEO_CODECS[codecId] ?? AUDIO_CODECS[codecId];
}

export function isAudioCodecId(codecId: number): boolean {
  return codecId in AUDIO_CODECS || (codecId >= 0x86 && codecId <= 0x92);
}

function layoutFor(length: number, profile: FrameInfoProfile): FrameInfoLayout {
  if (length < 2) return 'none';
  if (profile === 'wyze') return length >= 24 ? 'wyze' : length >= 16 ? 'tutk16' : 'none';
  if (length >= 24) {
    if (profile === 'auto' && (length === 40 || length === 48)) return 'wyze';
    return length >= 64 && profile !== 'tutk' ? 'xiaomi64' : 'tutk24';
  }
  return length >= 16 ? 'tutk16' : 'none';
}

function dimension(value: number): number | undefined {
  return value > 0 && value <= MAX_DIMENSION ? value : undefined;
}

/**
 * Reads a frame-info block. `length` is what the library reported (outInfoLen), clamped to the
 * buffer; any length, including 0 or garbage, gives a result and never throws.
 */
export function parseFrameInfo(info: Buffer, length: number, profile: FrameInfoProfile = 'auto'): ParsedFrameInfo {
  const len = Math.max(0, Math.min(Number.isInteger(length) ? length : 0, info.length));
  const layout = layoutFor(len, profile);
  if (layout === 'none') return { layout, codecId: len >= 2 ? info.readUInt16LE(0) : -1, flags: 0 };
  const codecId = info.readUInt16LE(0);
  const flags = len >= 3 ? info[2] : 0;
  const out: ParsedFrameInfo = { layout, codecId, flags };
  const codec = codecOfId(codecId);
  if (codec) out.codec = codec;
  if (isAudioCodecId(codecId)) {
    const rateIndex = flags >> 2;
    if (rateIndex < SAMPLE_RATES.length) out.sampleRate = SAMPLE_RATES[rateIndex];
    out.channels = (flags & 1) === 1 ? 2 : 1;
  }
  switch (layout) {
    case 'tutk16':
      out.cameraTimeMs = info.readUInt32LE(12);
      break;
    case 'tutk24':
      out.cameraTimeMs = info.readUInt32LE(12);
      readSize(out, info);
      break;
    case 'xiaomi64':
      out.cameraTimeMs = info.readUInt32LE(12) * 1000 + (info.readUInt32LE(8) % 1000);
      readSize(out, info);
      break;
    case 'wyze':
      out.cameraTimeMs = info.readUInt32LE(12) * 1000 + (info.readUInt32LE(8) % 1000);
      out.frameNo = info.readUInt32LE(20);
      break;
  }
  return out;
}

function readSize(out: ParsedFrameInfo, info: Buffer): void {
  if (isAudioCodecId(out.codecId)) return;
  const width = dimension(info.readUInt32LE(16));
  const height = dimension(info.readUInt32LE(20));
  if (width !== undefined && height !== undefined) {
    out.width = width;
    out.height = height;
  }
}

/**
 * Keyframe test for a video access unit: the I-frame flag when the camera sets it, otherwise the
 * NAL types (H.264 IDR 5 or SPS 7; H.265 IRAP 16–21 or VPS 32), for cameras whose flags lie.
 */
export function isKeyframe(payload: Buffer, codec: FrameCodec, flags: number): boolean {
  if (codec === 'jpeg') return true;
  if ((flags & 0xff) === 1) return true;
  return codec === 'h265' ? hasNalType(payload, isH265KeyNal, 2) : hasNalType(payload, isH264KeyNal, 1);
}

function isH264KeyNal(header: number): boolean {
  const type = header & 0x1f;
  return type === 5 || type === 7;
}

function isH265KeyNal(header: number): boolean {
  const type = (header >> 1) & 0x3f;
  return (type >= 16 && type <= 21) || type === 32;
}

/** Scans the NAL headers after each start code, without reading past the end. */
function hasNalType(payload: Buffer, isKey: (header: number) => boolean, headerBytes: number): boolean {
  // The parameter sets and the IDR slice sit at the front of an access unit; a bounded scan keeps
  // the cost independent of the frame size.
  const limit = Math.min(payload.length - headerBytes, 4096);
  for (let i = 0; i + 2 < limit; i++) {
    if (payload[i] === 0 && payload[i + 1] === 0 && payload[i + 2] === 1) {
      if (i + 3 < payload.length && isKey(payload[i + 3])) return true;
      i += 2;
    }
  }
  return false;
}
