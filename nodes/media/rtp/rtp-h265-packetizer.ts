// H.265 over RTP, RFC 7798 without DONL (sprop-max-don-diff = 0): a NAL unit that fits goes in
// one packet as it is (§4.4.1); a larger one is cut into fragmentation units (§4.4.3): a
// two-byte payload header of type 49 that keeps the NAL's F, LayerId and TID, then a one-byte
// FU header with S, E and the NAL type. The newest VPS, SPS and PPS go in the SDP
// (sprop-vps/-sps/-pps, §7.1) and in front of a keyframe that came without them. What this
// shares with H.264 is in rtp-nal-packetizer.

import { H265_PPS, H265_SPS, H265_VPS, PARAMETER_SETS, h265NalType, isH265Irap } from '../h26x/nal-units';
import { NalPacketizer, NalPayloadFormat } from './rtp-nal-packetizer';
import { MAX_RTP_PAYLOAD_BYTES } from './rtp-packet';

const FU = 49;
/** 48 (AP), 49 (FU), 50 (PACI) are the payload formats' own types; 51..63 are unspecified. */
const FIRST_RTP_RESERVED = 48;

export const H265_PAYLOAD_TYPE = 96;

const H265_FORMAT: NalPayloadFormat = {
  name: 'H.265',
  headerBytes: 2,
  nalType: h265NalType,
  parameterSets: PARAMETER_SETS.h265,
  isKeyframe: isH265Irap,
  isSendable: (type) => type < FIRST_RTP_RESERVED,
  // Payload header: the NAL's F bit and LayerId/TID, with type FU (§4.4.3).
  fuPayloadHeader: (nal) => [(nal[0] & 0x81) | (FU << 1), nal[1]],
};

export class H265Packetizer extends NalPacketizer {
  constructor(payloadType = H265_PAYLOAD_TYPE, maxPayload = MAX_RTP_PAYLOAD_BYTES) {
    super(H265_FORMAT, payloadType, maxPayload);
  }

  get vps(): Buffer | null {
    return this.parameterSet(H265_VPS);
  }

  get sps(): Buffer | null {
    return this.parameterSet(H265_SPS);
  }

  get pps(): Buffer | null {
    return this.parameterSet(H265_PPS);
  }

  /** sprop-vps, sprop-sps and sprop-pps for the SDP, once all three were seen. */
  fmtp(): string {
    const { vps, sps, pps } = this;
    if (!vps || !sps || !pps) return '';
    return `sprop-vps=${vps.toString('base64')};sprop-sps=${sps.toString('base64')};sprop-pps=${pps.toString('base64')}`;
  }
}
