// H.264 over RTP, RFC 6184 in packetization-mode 1 (non-interleaved): a NAL unit that fits goes
// in one packet as it is (§5.6); a larger one is cut into FU-A fragments (§5.8). The marker bit
// is set on the last packet of the access unit. The newest SPS and PPS are remembered for the
// SDP's sprop-parameter-sets (§8.1), and put back in front of a keyframe that came without them,
// so a client that starts at that keyframe can always decode it.

import { splitAnnexB } from './nal-units';
import { MAX_RTP_PAYLOAD_BYTES, PacketizeResult, RtpPayload, failure, fragment } from './rtp-packet';

const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const FU_A = 28;
/** Types 24..31 are STAP/MTAP/FU or undefined in RTP: a NAL with one of them cannot be sent as is. */
const FIRST_RTP_RESERVED = 24;

export const H264_PAYLOAD_TYPE = 96;

export class H264Packetizer {
  readonly clockRate = 90_000;
  sps: Buffer | null = null;
  pps: Buffer | null = null;

  constructor(readonly payloadType = H264_PAYLOAD_TYPE, private readonly maxPayload = MAX_RTP_PAYLOAD_BYTES) {}

  packetize(au: Buffer): PacketizeResult {
    const units = splitAnnexB(au);
    if (!units) return failure('H.264 frame does not start with a start code (not Annex-B)');
    let hasIdr = false;
    let hasSps = false;
    let hasPps = false;
    let sendable: Buffer[] = [];
    for (const nal of units) {
      const type = nal[0] & 0x1f;
      if (nal[0] & 0x80) return failure('H.264 NAL unit with forbidden_zero_bit set (corrupt frame)');
      if (type === 0 || type >= FIRST_RTP_RESERVED) continue;
      if (type === NAL_IDR) hasIdr = true;
      else if (type === NAL_SPS) hasSps = true;
      else if (type === NAL_PPS) hasPps = true;
      sendable.push(nal);
    }
    if (sendable.length === 0) return failure('H.264 frame holds no NAL units');
    if (hasIdr && !(hasSps || this.sps) || hasIdr && !(hasPps || this.pps)) return failure('H.264 keyframe without SPS/PPS (none seen yet)');
    for (const nal of sendable) this.remember(nal);
    if (hasIdr && !(hasSps && hasPps)) {
      const rest = sendable.filter((nal) => !isParameterSet(nal[0] & 0x1f));
      sendable = [this.sps!, this.pps!, ...rest];
    }
    return { ok: true, payloads: this.payloadsOf(sendable) };
  }

  /** `profile-level-id` and `sprop-parameter-sets` for the SDP, once an SPS and a PPS were seen. */
  fmtp(): string {
    const parts = ['packetization-mode=1'];
    if (this.sps && this.sps.length >= 4) parts.push(`profile-level-id=${this.sps.subarray(1, 4).toString('hex').toUpperCase()}`);
    if (this.sps && this.pps) parts.push(`sprop-parameter-sets=${this.sps.toString('base64')},${this.pps.toString('base64')}`);
    return parts.join(';');
  }

  private remember(nal: Buffer): void {
    const type = nal[0] & 0x1f;
    // Copies: the frame's buffer may be reused by its producer after this message.
    if (type === NAL_SPS) this.sps = Buffer.from(nal);
    else if (type === NAL_PPS) this.pps = Buffer.from(nal);
  }

  private payloadsOf(units: Buffer[]): RtpPayload[] {
    const out: RtpPayload[] = [];
    for (const nal of units) {
      if (nal.length <= this.maxPayload) {
        out.push({ prefix: EMPTY, body: nal, marker: false });
        continue;
      }
      const indicator = (nal[0] & 0xe0) | FU_A;
      const type = nal[0] & 0x1f;
      const fragments = fragment(nal.subarray(1), 2, this.maxPayload, (first, last) =>
        Buffer.from([indicator, (first ? 0x80 : 0) | (last ? 0x40 : 0) | type]));
      out.push(...fragments);
    }
    out[out.length - 1].marker = true;
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

function isParameterSet(type: number): boolean {
  return type === NAL_SPS || type === NAL_PPS;
}
