// H.265 over RTP, RFC 7798 without DONL (sprop-max-don-diff = 0): a NAL unit that fits goes in
// one packet as it is (§4.4.1); a larger one is cut into fragmentation units (§4.4.3): a
// two-byte payload header of type 49 that keeps the NAL's F, LayerId and TID, then a one-byte
// FU header with S, E and the NAL type. The marker bit ends the access unit (§4.1). The newest
// VPS, SPS and PPS go in the SDP (sprop-vps/-sps/-pps, §7.1) and in front of a keyframe that came
// without them.

import { splitAnnexB } from './nal-units';
import { MAX_RTP_PAYLOAD_BYTES, PacketizeResult, RtpPayload, failure, fragment } from './rtp-packet';

const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;
const FU = 49;
/** 48 (AP), 49 (FU), 50 (PACI) are the payload formats' own types; 51..63 are unspecified. */
const FIRST_RTP_RESERVED = 48;

export const H265_PAYLOAD_TYPE = 96;

function nalType(nal: Buffer): number {
  return (nal[0] >> 1) & 0x3f;
}

/** IRAP pictures (BLA, IDR, CRA): where decoding can start. */
function isIrap(type: number): boolean {
  return type >= 16 && type <= 23;
}

export class H265Packetizer {
  readonly clockRate = 90_000;
  vps: Buffer | null = null;
  sps: Buffer | null = null;
  pps: Buffer | null = null;

  constructor(readonly payloadType = H265_PAYLOAD_TYPE, private readonly maxPayload = MAX_RTP_PAYLOAD_BYTES) {}

  packetize(au: Buffer): PacketizeResult {
    const units = splitAnnexB(au);
    if (!units) return failure('H.265 frame does not start with a start code (not Annex-B)');
    let irap = false;
    const present = new Set<number>();
    let sendable: Buffer[] = [];
    for (const nal of units) {
      if (nal.length < 2) return failure('H.265 NAL unit shorter than its header (corrupt frame)');
      if (nal[0] & 0x80) return failure('H.265 NAL unit with forbidden_zero_bit set (corrupt frame)');
      const type = nalType(nal);
      if (type >= FIRST_RTP_RESERVED) continue;
      if (isIrap(type)) irap = true;
      present.add(type);
      sendable.push(nal);
    }
    if (sendable.length === 0) return failure('H.265 frame holds no NAL units');
    const complete = present.has(NAL_VPS) && present.has(NAL_SPS) && present.has(NAL_PPS);
    const known = (type: number): boolean => present.has(type) || this.stored(type) !== null;
    if (irap && !(known(NAL_VPS) && known(NAL_SPS) && known(NAL_PPS))) return failure('H.265 keyframe without VPS/SPS/PPS (none seen yet)');
    for (const nal of sendable) this.remember(nal);
    if (irap && !complete) {
      const rest = sendable.filter((nal) => !isParameterSet(nalType(nal)));
      sendable = [this.vps!, this.sps!, this.pps!, ...rest];
    }
    return { ok: true, payloads: this.payloadsOf(sendable) };
  }

  /** sprop-vps, sprop-sps and sprop-pps for the SDP, once all three were seen. */
  fmtp(): string {
    if (!this.vps || !this.sps || !this.pps) return '';
    return `sprop-vps=${this.vps.toString('base64')};sprop-sps=${this.sps.toString('base64')};sprop-pps=${this.pps.toString('base64')}`;
  }

  private stored(type: number): Buffer | null {
    return type === NAL_VPS ? this.vps : type === NAL_SPS ? this.sps : type === NAL_PPS ? this.pps : null;
  }

  private remember(nal: Buffer): void {
    const type = nalType(nal);
    if (type === NAL_VPS) this.vps = Buffer.from(nal);
    else if (type === NAL_SPS) this.sps = Buffer.from(nal);
    else if (type === NAL_PPS) this.pps = Buffer.from(nal);
  }

  private payloadsOf(units: Buffer[]): RtpPayload[] {
    const out: RtpPayload[] = [];
    for (const nal of units) {
      if (nal.length <= this.maxPayload) {
        out.push({ prefix: EMPTY, body: nal, marker: false });
        continue;
      }
      const header0 = (nal[0] & 0x81) | (FU << 1);
      const header1 = nal[1];
      const type = nalType(nal);
      const fragments = fragment(nal.subarray(2), 3, this.maxPayload, (first, last) =>
        Buffer.from([header0, header1, (first ? 0x80 : 0) | (last ? 0x40 : 0) | type]));
      out.push(...fragments);
    }
    out[out.length - 1].marker = true;
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

function isParameterSet(type: number): boolean {
  return type === NAL_VPS || type === NAL_SPS || type === NAL_PPS;
}
