// Cuts a TCP byte stream into Naxclow packets. TCP gives no message boundaries: one read may
// hold half a packet or several (the likely cause of a9-v720#54's JSON failures), so the framer
// reads the 20-byte header, waits for exactly payloadLen more bytes, and keeps the rest.

import { HEADER_LENGTH, NaxclowPacket, decodePacketAt } from './naxclow-header';

/** The app's length-field decoder refuses packets over 8092 bytes in total (spec §1.1). */
export const DEFAULT_MAX_PACKET_BYTES = 8092;

export interface FramerResult {
  packets: NaxclowPacket[];
  /**
   * Set when the stream cannot be trusted any more (a length over the cap). There is no way to
   * find the next header in a corrupt stream, so the connection should be closed.
   */
  error?: string;
}

export class NaxclowFramer {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;

  constructor(private readonly maxPacketBytes = DEFAULT_MAX_PACKET_BYTES) {}

  /** Bytes held while waiting for the rest of a packet; never more than the cap. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): FramerResult {
    if (this.broken) return { packets: [], error: 'stream already broken' };
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: NaxclowPacket[] = [];
    let offset = 0;
    while (data.length - offset >= 4) {
      const payloadLen = data.readUInt32LE(offset);
      if (payloadLen > this.maxPacketBytes - HEADER_LENGTH) {
        this.broken = true;
        this.pending = Buffer.alloc(0);
        return { packets, error: `packet of ${payloadLen + HEADER_LENGTH} bytes is over the ${this.maxPacketBytes}-byte limit` };
      }
      if (data.length - offset < HEADER_LENGTH + payloadLen) break;
      const packet = decodePacketAt(data, offset) as NaxclowPacket;
      // Copy the payload out so that the (possibly large) read buffer is not kept alive by it.
      packet.payload = Buffer.from(packet.payload);
      packet.forwardId = Buffer.from(packet.forwardId);
      packets.push(packet);
      offset += HEADER_LENGTH + payloadLen;
    }
    this.pending = offset === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(offset));
    return { packets };
  }

  reset(): void {
    this.pending = Buffer.alloc(0);
    this.broken = false;
  }
}
