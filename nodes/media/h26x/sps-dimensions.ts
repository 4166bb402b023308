// Picture size from a sequence parameter set, so video frames can carry width and height
// (H.264: ITU-T H.264 §7.3.2.1.1; H.265: ITU-T H.265 §7.3.2.2). Only what precedes the size is
// parsed. Malformed input gives undefined, never an exception.

import { BitReader, unescapeRbsp } from './bit-reader';

export interface Dimensions {
  width: number;
  height: number;
}

const H264_HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** `nal` starts at the H.264 NAL header byte (type 7). */
export function h264SpsDimensions(nal: Buffer): Dimensions | undefined {
  try {
    const r = new BitReader(unescapeRbsp(nal.subarray(1)));
    const profileIdc = r.u(8);
    r.skip(16); // constraint flags, level_idc
    r.ue(); // seq_parameter_set_id
    let chromaFormatIdc = 1;
    let separateColourPlane = false;
    if (H264_HIGH_PROFILES.has(profileIdc)) {
      chromaFormatIdc = r.ue();
      if (chromaFormatIdc === 3) separateColourPlane = r.flag();
      r.ue(); // bit_depth_luma_minus8
      r.ue(); // bit_depth_chroma_minus8
      r.skip(1); // qpprime_y_zero_transform_bypass_flag
      if (r.flag()) skipH264ScalingLists(r, chromaFormatIdc === 3 ? 12 : 8);
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.skip(1);
      r.se();
      r.se();
      const cycle = r.ue();
      if (cycle > 255) return undefined;
      for (let k = 0; k < cycle; k++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.skip(1); // gaps_in_frame_num_value_allowed_flag
    const widthMbs = r.ue() + 1;
    const heightMapUnits = r.ue() + 1;
    const frameMbsOnly = r.flag() ? 1 : 0;
    if (!frameMbsOnly) r.skip(1);
    r.skip(1); // direct_8x8_inference_flag
    let crop = [0, 0, 0, 0];
    if (r.flag()) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
    const mono = chromaFormatIdc === 0 || separateColourPlane;
    const cropX = mono ? 1 : chromaFormatIdc === 3 ? 1 : 2;
    const cropY = (mono ? 1 : chromaFormatIdc === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const width = widthMbs * 16 - cropX * (crop[0] + crop[1]);
    const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (crop[2] + crop[3]);
    return sane(width, height);
  } catch {
    return undefined;
  }
}

function skipH264ScalingLists(r: BitReader, count: number): void {
  for (let i = 0; i < count; i++) {
    if (!r.flag()) continue;
    const size = i < 6 ? 16 : 64;
    let last = 8;
    let next = 8;
    for (let j = 0; j < size; j++) {
      if (next !== 0) next = (last + r.se() + 256) % 256;
      last = next === 0 ? last : next;
    }
  }
}

/** `nal` starts at the two-byte H.265 NAL header (type 33). */
export function h265SpsDimensions(nal: Buffer): Dimensions | undefined {
  try {
    const r = new BitReader(unescapeRbsp(nal.subarray(2)));
    r.skip(4); // sps_video_parameter_set_id
    const maxSubLayersMinus1 = r.u(3);
    r.skip(1); // sps_temporal_id_nesting_flag
    skipProfileTierLevel(r, maxSubLayersMinus1);
    r.ue(); // sps_seq_parameter_set_id
    const chromaFormatIdc = r.ue();
    if (chromaFormatIdc === 3) r.skip(1);
    let width = r.ue();
    let height = r.ue();
    if (r.flag()) {
      const subWidth = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1;
      const subHeight = chromaFormatIdc === 1 ? 2 : 1;
      width -= subWidth * (r.ue() + r.ue());
      height -= subHeight * (r.ue() + r.ue());
    }
    return sane(width, height);
  } catch {
    return undefined;
  }
}

function skipProfileTierLevel(r: BitReader, maxSubLayersMinus1: number): void {
  r.skip(88); // general profile space, tier, idc, compatibility and constraint flags
  r.skip(8); // general_level_idc
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.flag());
    levelPresent.push(r.flag());
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1));
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skip(88);
    if (levelPresent[i]) r.skip(8);
  }
}

function sane(width: number, height: number): Dimensions | undefined {
  return width > 0 && height > 0 && width <= 16384 && height <= 16384 ? { width, height } : undefined;
}
