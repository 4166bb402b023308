// Dotted IPv4 addresses to and from the four bytes PTCP and STUN carry.

export function isIpv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function writeIpv4(buf: Buffer, at: number, host: string): void {
  if (!isIpv4(host)) throw new RangeError(`not an IPv4 address: ${host}`);
  host.split('.').forEach((o, i) => (buf[at + i] = Number(o)));
}

export function readIpv4(buf: Buffer, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}
