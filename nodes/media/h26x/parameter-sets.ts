// Whether an Annex-B access unit carries what a decoder needs to start from it: the frame
// contract puts SPS and PPS (and VPS for H.265) in front of every keyframe, and a keyframe that
// lacks them cannot be decoded on its own.

import { AnnexBCodec, PARAMETER_SETS, h264NalType, h265NalType, nextNalStart } from './nal-units';

/** NAL unit types of an Annex-B buffer, in order (at most `limit` of them). */
export function nalTypes(au: Buffer, codec: AnnexBCodec, limit = 64): number[] {
  const typeOf = codec === 'h264' ? h264NalType : h265NalType;
  const types: number[] = [];
  for (let at = nextNalStart(au, 0); at >= 0 && at < au.length && types.length < limit; at = nextNalStart(au, at)) {
    types.push(typeOf(au[at]));
  }
  return types;
}

/** The parameter sets a keyframe of `codec` lacks (empty when it has them all). */
export function missingParameterSets(au: Buffer, codec: AnnexBCodec): string[] {
  const types = new Set(nalTypes(au, codec));
  return PARAMETER_SETS[codec].filter(({ type }) => !types.has(type)).map(({ name }) => name);
}

/** Why a keyframe of `codec` cannot be decoded on its own, or null when it can. */
export function keyframeWithoutParameterSets(au: Buffer, codec: AnnexBCodec): string | null {
  const missing = missingParameterSets(au, codec);
  return missing.length > 0 ? `${codec} keyframe without ${missing.join('/')}: it cannot be decoded on its own` : null;
}
