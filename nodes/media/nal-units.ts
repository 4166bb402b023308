// Splits one Annex-B access unit (a frame message's payload) into its NAL units, without the
// start codes, for RTP packetization (RTP carries NAL units, never start codes).

/** NAL units of `au` in order; null when `au` does not begin with a start code. */
export function splitAnnexB(au: Buffer): Buffer[] | null {
  const first = startCodeAt(au, 0);
  if (first === 0) return null;
  const units: Buffer[] = [];
  let nalStart = first;
  let search = first;
  for (;;) {
    const one = au.indexOf(1, search);
    if (one < 0) break;
    search = one + 1;
    if (one < nalStart + 2 || au[one - 1] !== 0 || au[one - 2] !== 0) continue;
    pushTrimmed(units, au.subarray(nalStart, one - 2));
    nalStart = one + 1;
  }
  pushTrimmed(units, au.subarray(nalStart));
  return units;
}

/** Length of the start code at `at` (3 or 4), or 0. */
function startCodeAt(buf: Buffer, at: number): number {
  if (buf.length >= at + 3 && buf[at] === 0 && buf[at + 1] === 0 && buf[at + 2] === 1) return 3;
  if (buf.length >= at + 4 && buf[at] === 0 && buf[at + 1] === 0 && buf[at + 2] === 0 && buf[at + 3] === 1) return 4;
  return 0;
}

/** Trailing zero bytes belong to the next start code (zero_byte) or are trailing_zero_8bits. */
function pushTrimmed(units: Buffer[], nal: Buffer): void {
  let end = nal.length;
  while (end > 0 && nal[end - 1] === 0) end--;
  if (end > 0) units.push(nal.subarray(0, end));
}

/** Joins NAL units back into Annex-B with four-byte start codes (tests and decoders). */
export function joinAnnexB(units: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const nal of units) parts.push(Buffer.from([0, 0, 0, 1]), nal);
  return Buffer.concat(parts);
}
