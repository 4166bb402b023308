// H.264 / H.265 NAL units: what their headers say (ITU-T H.264 §7.3.1 and Table 7-1, ITU-T H.265
// §7.3.1.2 and Table 7-1), and how an Annex-B access unit (a frame message's payload) splits
// into them. The frame splitter, the keyframe checks and the RTP packetizers all read these.

export type AnnexBCodec = 'h264' | 'h265';

/** nal_unit_type of H.264: the low five bits of the one-byte header. */
export function h264NalType(header0: number): number {
  return header0 & 0x1f;
}

/** nal_unit_type of H.265: the six bits after forbidden_zero_bit in the two-byte header. */
export function h265NalType(header0: number): number {
  return (header0 >> 1) & 0x3f;
}

export const H264_IDR = 5;
export const H264_SPS = 7;
export const H264_PPS = 8;
export const H265_VPS = 32;
export const H265_SPS = 33;
export const H265_PPS = 34;

/** Coded slices (types 1..5): the units that make up an H.264 picture. */
export function isH264Vcl(type: number): boolean {
  return type >= 1 && type <= 5;
}

/** Types below 32 are H.265 coded slice segments. */
export function isH265Vcl(type: number): boolean {
  return type < 32;
}

/** H.265 IRAP pictures (BLA, IDR, CRA: types 16..23): where decoding can start. */
export function isH265Irap(type: number): boolean {
  return type >= 16 && type <= 23;
}

export interface ParameterSetKind {
  type: number;
  name: string;
}

/** The parameter sets a decoder needs before a keyframe, in the order they are sent. */
export const PARAMETER_SETS: Record<AnnexBCodec, readonly ParameterSetKind[]> = {
  h264: [{ type: H264_SPS, name: 'SPS' }, { type: H264_PPS, name: 'PPS' }],
  h265: [{ type: H265_VPS, name: 'VPS' }, { type: H265_SPS, name: 'SPS' }, { type: H265_PPS, name: 'PPS' }],
};

/** The three-byte Annex-B start code; a four-byte one is a zero_byte and this. */
export const START_CODE = Buffer.from([0, 0, 1]);

/**
 * Where the NAL unit after the next start code at or after `from` begins (its header byte), or
 * -1. A four-byte start code (00 00 00 01) is found by its last three bytes.
 */
export function nextNalStart(buf: Buffer, from: number): number {
  const at = buf.indexOf(START_CODE, from);
  return at < 0 ? -1 : at + 3;
}

/** NAL units of `au` in order, without start codes; null when `au` does not begin with a start code. */
export function splitAnnexB(au: Buffer): Buffer[] | null {
  const first = startCodeAt(au, 0);
  if (first === 0) return null;
  const units: Buffer[] = [];
  let nalStart = first;
  for (let next = nextNalStart(au, nalStart); next >= 0; next = nextNalStart(au, nalStart)) {
    pushTrimmed(units, au.subarray(nalStart, next - START_CODE.length));
    nalStart = next;
  }
  pushTrimmed(units, au.subarray(nalStart));
  return units;
}

/** Length of the start code at `at` (3 or 4), or 0. */
function startCodeAt(buf: Buffer, at: number): number {
  if (buf.length >= at + 3 && buf[at] === 0 && buf[at + 1] === 0 && buf[at + 2] === 1) return 3;
  if (buf.length >= at + 4 && buf[at] === 0 && buf[at + 1] === 0 && buf[at + 2] === 0 && buf[at + 3] === 1) return 4;
  return 0;
}

/** Trailing zero bytes belong to the next start code (zero_byte) or are trailing_zero_8bits. */
function pushTrimmed(units: Buffer[], nal: Buffer): void {
  let end = nal.length;
  while (end > 0 && nal[end - 1] === 0) end--;
  if (end > 0) units.push(nal.subarray(0, end));
}

/** Joins NAL units back into Annex-B with four-byte start codes (tests and decoders). */
export function joinAnnexB(units: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const nal of units) parts.push(Buffer.from([0, 0, 0, 1]), nal);
  return Buffer.concat(parts);
}
