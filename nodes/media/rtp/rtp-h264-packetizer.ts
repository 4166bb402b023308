// H.264 over RTP, RFC 6184 in packetization-mode 1 (non-interleaved): a NAL unit that fits goes
// in one packet as it is (§5.6); a larger one is cut into FU-A fragments (§5.8). The newest SPS
// and PPS go in the SDP's sprop-parameter-sets (§8.1) and in front of a keyframe that came
// without them. What this shares with H.265 is in rtp-nal-packetizer.

import { H264_IDR, H264_PPS, H264_SPS, PARAMETER_SETS, h264NalType } from '../h26x/nal-units';
import { NalPacketizer, NalPayloadFormat } from './rtp-nal-packetizer';
import { MAX_RTP_PAYLOAD_BYTES } from './rtp-packet';

const FU_A = 28;
/** Types 24..31 are STAP/MTAP/FU or undefined in RTP: a NAL with one of them cannot be sent as is. */
const FIRST_RTP_RESERVED = 24;

export const H264_PAYLOAD_TYPE = 96;

const H264_FORMAT: NalPayloadFormat = {
  name: 'H.264',
  headerBytes: 1,
  nalType: h264NalType,
  parameterSets: PARAMETER_SETS.h264,
  isKeyframe: (type) => type === H264_IDR,
  // Type 0 is unspecified (H.264 §7.4.1): nothing a receiver can use.
  isSendable: (type) => type !== 0 && type < FIRST_RTP_RESERVED,
  // FU indicator: the NAL's F and NRI bits with type FU-A (§5.8).
  fuPayloadHeader: (nal) => [(nal[0] & 0xe0) | FU_A],
};

export class H264Packetizer extends NalPacketizer {
  constructor(payloadType = H264_PAYLOAD_TYPE, maxPayload = MAX_RTP_PAYLOAD_BYTES) {
    super(H264_FORMAT, payloadType, maxPayload);
  }

  get sps(): Buffer | null {
    return this.parameterSet(H264_SPS);
  }

  get pps(): Buffer | null {
    return this.parameterSet(H264_PPS);
  }

  /** `profile-level-id` and `sprop-parameter-sets` for the SDP, once an SPS and a PPS were seen. */
  fmtp(): string {
    const { sps, pps } = this;
    const parts = ['packetization-mode=1'];
    if (sps && sps.length >= 4) parts.push(`profile-level-id=${sps.subarray(1, 4).toString('hex').toUpperCase()}`);
    if (sps && pps) parts.push(`sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`);
    return parts.join(';');
  }
}
