// G.711 over RTP (RFC 3551 §4.5.14): PCMU is static payload type 0, PCMA type 8, both 8000 Hz
// with one byte per sample, so the RTP timestamp advances by the number of bytes sent. A chunk
// of any length is cut into packets of 20 ms (160 samples), the size phones and cameras send and
// every receiver's jitter buffer expects.

import { PacketizeResult, RtpPayload, failure } from './rtp-packet';

export const PCMU_PAYLOAD_TYPE = 0;
export const PCMA_PAYLOAD_TYPE = 8;
const SAMPLES_PER_PACKET = 160;
/** A chunk longer than this (8 s of audio) is surely not G.711 from a camera. */
const MAX_CHUNK_BYTES = 64_000;

export class G711Packetizer {
  readonly clockRate = 8000;
  readonly payloadType: number;

  constructor(readonly codec: 'pcma' | 'pcmu') {
    this.payloadType = codec === 'pcma' ? PCMA_PAYLOAD_TYPE : PCMU_PAYLOAD_TYPE;
  }

  get encodingName(): string {
    return this.codec === 'pcma' ? 'PCMA' : 'PCMU';
  }

  packetize(chunk: Buffer): PacketizeResult {
    if (chunk.length === 0) return failure('empty audio chunk');
    if (chunk.length > MAX_CHUNK_BYTES) return failure('audio chunk too large for G.711');
    const payloads: RtpPayload[] = [];
    for (let at = 0; at < chunk.length; at += SAMPLES_PER_PACKET) {
      // The marker is set only on the first packet after silence (RFC 3551 §4.1); we send none.
      payloads.push({ prefix: EMPTY, body: chunk.subarray(at, at + SAMPLES_PER_PACKET), marker: false, timestampDelta: at });
    }
    return { ok: true, payloads };
  }
}

const EMPTY = Buffer.alloc(0);
