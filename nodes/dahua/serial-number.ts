// Serial-number arithmetic (RFC 1982 style) for PTCP's u32 byte offsets. `sent` and `recv`
// wrap after 4 GiB, about 35 minutes at 2 MB/s, so a plain `<` would stall a long session.

/** a − b as a signed 32-bit distance: negative when a is before b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

export function seqLte(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b : a;
}
