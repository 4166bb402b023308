// What H.264 over RTP (RFC 6184, packetization-mode 1) and H.265 over RTP (RFC 7798, without
// DONL) share: each NAL unit of the access unit goes in one packet as it is when it fits, and
// in fragmentation units when it does not; the marker bit is set on the last packet of the
// access unit. The newest parameter sets are remembered for the SDP, and put back in front of a
// keyframe that came without them, so a client that starts at that keyframe can always decode
// it. The header bits each RFC defines come from its NalPayloadFormat.

import { ParameterSetKind, splitAnnexB } from '../h26x/nal-units';
import { PacketizeResult, RtpPayload, failure, fragment } from './rtp-packet';

export interface NalPayloadFormat {
  /** 'H.264' or 'H.265', as error messages name it. */
  name: string;
  /** Bytes of the NAL unit header: 1 for H.264, 2 for H.265. */
  headerBytes: number;
  nalType(header0: number): number;
  /** The parameter sets, in the order a decoder needs them. */
  parameterSets: readonly ParameterSetKind[];
  isKeyframe(type: number): boolean;
  /** False for types that cannot travel as they are (the payload format's own, or unspecified). */
  isSendable(type: number): boolean;
  /** The bytes in front of a fragmentation unit's FU header (FU indicator, payload header). */
  fuPayloadHeader(nal: Buffer): number[];
}

const EMPTY = Buffer.alloc(0);

export class NalPacketizer {
  readonly clockRate = 90_000;
  /** The newest copy of each parameter set, by NAL type. */
  private readonly parameterSets = new Map<number, Buffer>();

  constructor(private readonly format: NalPayloadFormat, readonly payloadType: number, private readonly maxPayload: number) {}

  packetize(au: Buffer): PacketizeResult {
    const { name, parameterSets } = this.format;
    const units = splitAnnexB(au);
    if (!units) return failure(`${name} frame does not start with a start code (not Annex-B)`);
    let keyframe = false;
    const present = new Set<number>();
    let sendable: Buffer[] = [];
    for (const nal of units) {
      if (nal.length < this.format.headerBytes) return failure(`${name} NAL unit shorter than its header (corrupt frame)`);
      if (nal[0] & 0x80) return failure(`${name} NAL unit with forbidden_zero_bit set (corrupt frame)`);
      const type = this.format.nalType(nal[0]);
      if (!this.format.isSendable(type)) continue;
      if (this.format.isKeyframe(type)) keyframe = true;
      present.add(type);
      sendable.push(nal);
    }
    if (sendable.length === 0) return failure(`${name} frame holds no NAL units`);
    const known = parameterSets.every(({ type }) => present.has(type) || this.parameterSets.has(type));
    if (keyframe && !known) return failure(`${name} keyframe without ${parameterSets.map((p) => p.name).join('/')} (none seen yet)`);
    for (const nal of sendable) this.remember(nal);
    if (keyframe && !parameterSets.every(({ type }) => present.has(type))) {
      const rest = sendable.filter((nal) => !this.isParameterSet(nal));
      sendable = [...parameterSets.map(({ type }) => this.parameterSets.get(type) as Buffer), ...rest];
    }
    return { ok: true, payloads: this.payloadsOf(sendable) };
  }

  /** The newest parameter set of NAL type `type`, or null before one was seen. */
  parameterSet(type: number): Buffer | null {
    return this.parameterSets.get(type) ?? null;
  }

  private isParameterSet(nal: Buffer): boolean {
    const type = this.format.nalType(nal[0]);
    return this.format.parameterSets.some((p) => p.type === type);
  }

  private remember(nal: Buffer): void {
    // A copy: the frame's buffer may be reused by its producer after this message.
    if (this.isParameterSet(nal)) this.parameterSets.set(this.format.nalType(nal[0]), Buffer.from(nal));
  }

  private payloadsOf(units: Buffer[]): RtpPayload[] {
    const out: RtpPayload[] = [];
    for (const nal of units) {
      if (nal.length <= this.maxPayload) {
        out.push({ prefix: EMPTY, body: nal, marker: false });
        continue;
      }
      const payloadHeader = this.format.fuPayloadHeader(nal);
      const type = this.format.nalType(nal[0]);
      // The FU header: S (start) and E (end) bits, then the fragmented unit's type (both RFCs).
      const fragments = fragment(nal.subarray(this.format.headerBytes), payloadHeader.length + 1, this.maxPayload, (first, last) =>
        Buffer.from([...payloadHeader, (first ? 0x80 : 0) | (last ? 0x40 : 0) | type]));
      out.push(...fragments);
    }
    out[out.length - 1].marker = true;
    return out;
  }
}
