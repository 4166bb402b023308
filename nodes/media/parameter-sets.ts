// Whether an Annex-B access unit carries what a decoder needs to start from it: the frame
// contract puts SPS and PPS (and VPS for H.265) in front of every keyframe, and a keyframe that
// lacks them cannot be decoded on its own.

export type AnnexBCodec = 'h264' | 'h265';

/** NAL unit types of an Annex-B buffer, in order (at most `limit` of them). */
export function nalTypes(au: Buffer, codec: AnnexBCodec, limit = 64): number[] {
  const types: number[] = [];
  let i = 0;
  while (types.length < limit) {
    const start = au.indexOf(START_CODE, i);
    if (start < 0 || start + 3 >= au.length) break;
    const header = au[start + 3];
    types.push(codec === 'h264' ? header & 0x1f : (header >> 1) & 0x3f);
    i = start + 3;
  }
  return types;
}

const START_CODE = Buffer.from([0, 0, 1]);

const H264_SPS = 7;
const H264_PPS = 8;
const H265_VPS = 32;
const H265_SPS = 33;
const H265_PPS = 34;

/** The parameter sets a keyframe of `codec` lacks (empty when it has them all). */
export function missingParameterSets(au: Buffer, codec: AnnexBCodec): string[] {
  const types = new Set(nalTypes(au, codec));
  const need: [number, string][] = codec === 'h264'
    ? [[H264_SPS, 'SPS'], [H264_PPS, 'PPS']]
    : [[H265_VPS, 'VPS'], [H265_SPS, 'SPS'], [H265_PPS, 'PPS']];
  return need.filter(([type]) => !types.has(type)).map(([, name]) => name);
}
