// Reads the bit-level syntax of H.264/H.265 parameter sets: fixed-width fields and Exp-Golomb
// codes, over an RBSP whose emulation-prevention bytes (00 00 03) have been removed.
// Every read is bounds-checked: a truncated or hostile SPS throws a RangeError, never reads past.

export class BitReader {
  private bit = 0;

  constructor(private readonly data: Buffer) {}

  u(bits: number): number {
    let value = 0;
    for (let k = 0; k < bits; k++) {
      const byte = this.bit >> 3;
      if (byte >= this.data.length) throw new RangeError('bitstream ended early');
      value = value * 2 + ((this.data[byte] >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return value;
  }

  flag(): boolean {
    return this.u(1) === 1;
  }

  skip(bits: number): void {
    if (this.bit + bits > this.data.length * 8) throw new RangeError('bitstream ended early');
    this.bit += bits;
  }

  /** Unsigned Exp-Golomb, ue(v). */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new RangeError('Exp-Golomb code too long');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** Signed Exp-Golomb, se(v). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** Removes emulation-prevention bytes: 00 00 03 xx becomes 00 00 xx. */
export function unescapeRbsp(nal: Buffer): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let n = 0;
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[n++] = b;
  }
  return out.subarray(0, n);
}
