// Cuts an H.264 or H.265 Annex-B byte stream into access units (one picture each).
// An access unit ends where the next one begins (H.264 §7.4.1.2.3, H.265 §7.4.2.4.4): at an
// AUD, a parameter set, a prefix SEI and the like, or at a slice that is the first of its
// picture, once the current unit holds a picture's slices. Start codes are found by searching
// for the 01 byte natively and looking back for its two zeros, across chunk boundaries too.
// The last access unit of a stream is only known to be whole at the end: see flush().

import type { VideoCodec } from '../../core/frame';
import { ChunkStore } from './chunk-store';
import { DEFAULT_MAX_FRAME_BYTES, FrameSplitter, SplitOutput } from './frame-splitter';
import { AnnexBCodec, H264_IDR, H264_SPS, H265_SPS, START_CODE, h264NalType, h265NalType, isH264Vcl, isH265Irap, isH265Vcl } from '../h26x/nal-units';
import { Dimensions, h264SpsDimensions, h265SpsDimensions } from '../h26x/sps-dimensions';

interface NalClass {
  vcl: boolean;
  /** A slice that begins a new picture. */
  firstSlice: boolean;
  /** A non-VCL NAL that can only stand at the start of an access unit. */
  opensUnit: boolean;
  keyframe: boolean;
  sps: boolean;
}

interface NalSyntax {
  codec: VideoCodec;
  /**
   * Whether the zero_byte of a four-byte start code goes with the unit it opens. Both ways are
   * valid Annex-B; we follow ffmpeg's parsers (H.264: yes, H.265: it stays as a trailing zero of
   * the previous unit) so our frames are byte for byte the packets ffmpeg-based tools produce.
   */
  zeroByteOpensUnit: boolean;
  /** Bytes from the NAL header on needed to classify the unit, given its first byte. */
  bytesNeeded(b0: number): number;
  classify(b0: number, b1: number, b2: number): NalClass;
  spsDimensions(nal: Buffer): Dimensions | undefined;
}

const H264: NalSyntax = {
  codec: 'h264',
  zeroByteOpensUnit: true,
  bytesNeeded: (b0) => (isH264Vcl(h264NalType(b0)) ? 2 : 1),
  classify(b0, b1) {
    const type = h264NalType(b0);
    const vcl = isH264Vcl(type);
    return {
      vcl,
      // first_mb_in_slice is ue(v); its first bit is 1 exactly when it is 0.
      firstSlice: vcl && (b1 & 0x80) !== 0,
      // SEI, SPS, PPS, AUD (6..9) and types 14..18 (§7.4.1.2.3).
      opensUnit: (type >= 6 && type <= 9) || (type >= 14 && type <= 18),
      keyframe: type === H264_IDR,
      sps: type === H264_SPS,
    };
  },
  spsDimensions: h264SpsDimensions,
};

const H265: NalSyntax = {
  codec: 'h265',
  zeroByteOpensUnit: false,
  bytesNeeded: (b0) => (isH265Vcl(h265NalType(b0)) ? 3 : 2),
  classify(b0, _b1, b2) {
    const type = h265NalType(b0);
    const vcl = isH265Vcl(type);
    return {
      vcl,
      firstSlice: vcl && (b2 & 0x80) !== 0, // first_slice_segment_in_pic_flag
      opensUnit: (type >= 32 && type <= 35) || type === 39 || (type >= 41 && type <= 44) || (type >= 48 && type <= 55),
      keyframe: isH265Irap(type),
      sps: type === H265_SPS,
    };
  },
  spsDimensions: h265SpsDimensions,
};

export class AnnexBSplitter implements FrameSplitter {
  private readonly syntax: NalSyntax;
  private readonly store = new ChunkStore();
  /** Start of the access unit being gathered; -1 before the first one. */
  private unitStart = -1;
  private unitHasPicture = false;
  private unitKeyframe = false;
  /** NAL header offsets of the SPS in the current unit (parsed once the unit is whole). */
  private unitSps = -1;
  /** A start code whose NAL header has not fully arrived yet. */
  private pending: { codeStart: number; nalAt: number } | null = null;
  /** After an oversize unit: bytes are thrown away until the next unit begins. */
  private discarding = false;
  private garbageFrom = 0;
  private dimensions: Dimensions | undefined;

  constructor(codec: AnnexBCodec, private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.syntax = codec === 'h264' ? H264 : H265;
  }

  get pendingBytes(): number {
    return this.unitStart < 0 ? 0 : this.store.end - this.unitStart;
  }

  push(chunk: Buffer, out: SplitOutput): void {
    const base = this.store.end;
    this.store.append(chunk);
    if (this.pending && !this.tryNal(this.pending.codeStart, this.pending.nalAt, out)) return;
    // A start code that began in the previous chunk: its 01 is one of this chunk's first two bytes.
    for (let j = 0; j < 2 && j < chunk.length; j++) {
      const at = base + j;
      if (chunk[j] === 1 && at - 2 >= this.store.start && this.zeroAt(chunk, base, at - 1) && this.zeroAt(chunk, base, at - 2)) {
        if (!this.tryNal(this.codeStart(chunk, base, at), at + 1, out)) return this.afterChunk(out);
      }
    }
    // The rest natively: emulation prevention guarantees every 00 00 01 is a start code.
    let i = 0;
    for (;;) {
      const j = chunk.indexOf(START_CODE, i);
      if (j < 0) break;
      i = j + 3;
      const at = base + j + 2;
      if (!this.tryNal(this.codeStart(chunk, base, at), at + 1, out)) break;
    }
    this.afterChunk(out);
  }

  flush(out: SplitOutput): void {
    const end = this.pending ? this.pending.codeStart : this.store.end;
    if (this.unitStart >= 0 || this.discarding) this.closeUnit(end, out);
    else this.reportGarbage(end, out);
    if (this.store.end > end) out.drop(this.store.end - end, 'truncated');
    this.reset();
  }

  reset(): void {
    this.store.clear();
    this.unitStart = -1;
    this.unitHasPicture = false;
    this.unitKeyframe = false;
    this.unitSps = -1;
    this.pending = null;
    this.discarding = false;
    this.garbageFrom = this.store.end;
  }

  /** Where the start code whose 01 byte is at `at` begins: one zero further back if it has four bytes. */
  private codeStart(chunk: Buffer, base: number, at: number): number {
    return at - 3 >= this.store.start && this.zeroAt(chunk, base, at - 3) ? at - 3 : at - 2;
  }

  private zeroAt(chunk: Buffer, base: number, at: number): boolean {
    return at >= base ? chunk[at - base] === 0 : this.store.byteAt(at) === 0;
  }

  /** Classifies the NAL at `nalAt`; false when its header has not arrived yet. */
  private tryNal(codeStart: number, nalAt: number, out: SplitOutput): boolean {
    const end = this.store.end;
    if (nalAt >= end || nalAt + this.syntax.bytesNeeded(this.store.byteAt(nalAt)) > end) {
      this.pending = { codeStart, nalAt };
      return false;
    }
    this.pending = null;
    const byte = (at: number): number => (at < end ? this.store.byteAt(at) : 0);
    const nal = this.syntax.classify(byte(nalAt), byte(nalAt + 1), byte(nalAt + 2));
    const opens = nal.opensUnit || nal.firstSlice;
    if (this.unitStart < 0 && !this.discarding) {
      if (!opens) return true;
      this.reportGarbage(codeStart, out);
      this.openUnit(codeStart);
    } else if (opens && (this.unitHasPicture || this.discarding)) {
      const split = this.syntax.zeroByteOpensUnit ? codeStart : nalAt - 3;
      this.closeUnit(split, out);
      this.openUnit(split);
    }
    if (nal.vcl) this.unitHasPicture = true;
    if (nal.keyframe) this.unitKeyframe = true;
    if (nal.sps) this.unitSps = nalAt;
    return true;
  }

  private openUnit(at: number): void {
    this.unitStart = at;
    this.unitHasPicture = false;
    this.unitKeyframe = false;
    this.unitSps = -1;
    this.discarding = false;
  }

  private closeUnit(end: number, out: SplitOutput): void {
    const start = this.unitStart;
    const length = end - start;
    if (this.discarding) {
      if (end > this.garbageFrom) out.drop(end - this.garbageFrom, 'oversize');
    } else if (length > this.maxFrameBytes) {
      out.drop(length, 'oversize');
    } else if (!this.unitHasPicture) {
      out.drop(length, 'truncated');
    } else {
      const payload = this.store.copy(start, end);
      if (this.unitSps >= 0) {
        const spsAt = this.unitSps - start;
        const spsEnd = payload.indexOf(START_CODE, spsAt);
        this.dimensions = this.syntax.spsDimensions(payload.subarray(spsAt, spsEnd < 0 ? payload.length : spsEnd)) ?? this.dimensions;
      }
      out.frame({
        payload,
        codec: this.syntax.codec,
        keyframe: this.unitKeyframe,
        width: this.dimensions?.width,
        height: this.dimensions?.height,
      });
    }
    this.unitStart = -1;
    this.garbageFrom = end;
    this.store.discardBefore(end);
  }

  private reportGarbage(upTo: number, out: SplitOutput): void {
    if (upTo > this.garbageFrom) out.drop(upTo - this.garbageFrom, 'garbage');
    this.garbageFrom = upTo;
  }

  private afterChunk(out: SplitOutput): void {
    // Keep three bytes back at most: enough to recognise a start code split across chunks.
    const keepFrom = this.pending ? this.pending.codeStart : this.store.end - 3;
    if (this.unitStart < 0) {
      if (!this.discarding) this.reportGarbage(Math.max(keepFrom, this.garbageFrom), out);
      this.store.discardBefore(keepFrom);
    } else if (keepFrom - this.unitStart > this.maxFrameBytes) {
      out.drop(keepFrom - this.unitStart, 'oversize');
      this.unitStart = -1;
      this.discarding = true;
      this.garbageFrom = keepFrom;
      this.store.discardBefore(keepFrom);
    }
  }
}
