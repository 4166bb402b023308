// The binary channel from a camera's child process to Node-RED: one 20-byte header then the
// frame's bytes, on an extra stdio pipe. No JSON per frame: the header is fixed binary and the
// payload is copied once (out of the library's reusable buffer) on the child side.
//
//   0 u8  magic 0xF7          8 u16 width (0 = unknown)     16 u8 channels (0 = unknown)
//   1 u8  kind (1 video, 2 audio)  10 u16 height               17..19 reserved (0)
//   2 u8  codec index          12 u32 sample rate (0 = unknown)
//   3 u8  flags: bit 0 keyframe
//   4 u32 payload length (LE)
import type { FrameCodec, FrameFields } from '../core/frame';

export const PIPE_MAGIC = 0xf7;
export const PIPE_HEADER_BYTES = 20;
/** A frame larger than this is a broken child, not a picture. */
export const PIPE_MAX_PAYLOAD = 16 * 1024 * 1024;

const CODECS: readonly FrameCodec[] = ['h264', 'h265', 'jpeg', 'pcma', 'pcmu', 'pcm_s16le', 'aac', 'opus'];
const AUDIO = new Set<FrameCodec>(['pcma', 'pcmu', 'pcm_s16le', 'aac', 'opus']);

export interface PipeFrame {
  fields: FrameFields;
  payload: Buffer;
}

/** Header and payload in one Buffer (one copy of the payload), ready for one write. */
export function encodePipeFrame(payload: Uint8Array, fields: FrameFields): Buffer {
  const codec = CODECS.indexOf(fields.codec);
  if (codec < 0) throw new Error(`codec ${fields.codec} cannot travel on the frame pipe`);
  if (payload.length > PIPE_MAX_PAYLOAD) throw new Error(`frame of ${payload.length} bytes exceeds the pipe's ${PIPE_MAX_PAYLOAD}`);
  const out = Buffer.allocUnsafe(PIPE_HEADER_BYTES + payload.length);
  out[0] = PIPE_MAGIC;
  out[1] = AUDIO.has(fields.codec) ? 2 : 1;
  out[2] = codec;
  out[3] = fields.keyframe ? 1 : 0;
  out.writeUInt32LE(payload.length, 4);
  out.writeUInt16LE(clampU16(fields.width), 8);
  out.writeUInt16LE(clampU16(fields.height), 10);
  out.writeUInt32LE(Math.max(0, Math.min(fields.sampleRate ?? 0, 0xffffffff)) >>> 0, 12);
  out[16] = Math.max(0, Math.min(fields.channels ?? 0, 255));
  out[17] = out[18] = out[19] = 0;
  out.set(payload, PIPE_HEADER_BYTES);
  return out;
}

function clampU16(value: number | undefined): number {
  return value === undefined || !(value > 0) ? 0 : Math.min(Math.floor(value), 0xffff);
}

/**
 * Reassembles frames from pipe chunks cut anywhere. A malformed header means the child is not
 * speaking this protocol any more: `push` throws and the host kills the child.
 */
export class PipeFrameDecoder {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private need = PIPE_HEADER_BYTES;
  private header: Buffer | null = null;

  constructor(private readonly maxPayload = PIPE_MAX_PAYLOAD) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): PipeFrame[] {
    const frames: PipeFrame[] = [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    while (this.buffered >= this.need) {
      const bytes = this.take(this.need);
      if (this.header === null) {
        const length = parseHeader(bytes, this.maxPayload);
        this.header = bytes;
        this.need = length;
        if (length > 0) continue;
      }
      frames.push(toFrame(this.header, this.need === 0 ? Buffer.alloc(0) : bytes));
      this.header = null;
      this.need = PIPE_HEADER_BYTES;
    }
    return frames;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0];
        const part = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, part);
        filled += part;
        if (part === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(part);
      }
    }
    this.buffered -= n;
    return out;
  }
}

function parseHeader(h: Buffer, maxPayload: number): number {
  if (h[0] !== PIPE_MAGIC) throw new Error(`frame pipe out of step (byte 0x${h[0].toString(16)} where the magic belongs)`);
  if (h[1] !== 1 && h[1] !== 2) throw new Error(`frame pipe: unknown kind ${h[1]}`);
  if (h[2] >= CODECS.length) throw new Error(`frame pipe: unknown codec index ${h[2]}`);
  const length = h.readUInt32LE(4);
  if (length > maxPayload) throw new Error(`frame pipe: frame of ${length} bytes exceeds the cap of ${maxPayload}`);
  return length;
}

function toFrame(h: Buffer, payload: Buffer): PipeFrame {
  const fields: FrameFields = { codec: CODECS[h[2]], keyframe: (h[3] & 1) === 1 };
  const width = h.readUInt16LE(8);
  const height = h.readUInt16LE(10);
  if (width > 0 && height > 0) {
    fields.width = width;
    fields.height = height;
  }
  const sampleRate = h.readUInt32LE(12);
  if (sampleRate > 0) fields.sampleRate = sampleRate;
  if (h[16] > 0) fields.channels = h[16];
  // A small frame cut out of a large pipe chunk would keep the whole chunk alive as long as a flow
  // holds the frame: copy it out then. A frame that is most of its chunk is passed as it is.
  const own = payload.byteLength * 2 >= payload.buffer.byteLength ? payload : Buffer.from(payload);
  return { fields, payload: own };
}
