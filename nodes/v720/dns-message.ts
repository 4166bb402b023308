// Just enough of a DNS message (RFC 1035 §4) to answer a camera's "where is v720.naxclow.com?":
// read the header and the one question of a query, and write a response that repeats the
// question with zero or one A record. Everything comes off the network, so every length and
// every compression pointer is checked before it is followed; nothing here throws on bad input.

export const DNS_HEADER_BYTES = 12;
/** RFC 1035 §2.3.4: a name is at most 255 octets, a label at most 63. */
const MAX_NAME_BYTES = 255;
const MAX_LABEL_BYTES = 63;
/** A UDP response never grows past the classic 512-byte limit (RFC 1035 §4.2.1). */
export const MAX_UDP_RESPONSE_BYTES = 512;

export const QType = { A: 1, AAAA: 28, ANY: 255 } as const;
export const QClass = { IN: 1, ANY: 255 } as const;
export const Opcode = { QUERY: 0 } as const;
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface DnsQuestion {
  /** Lower-cased, dot-separated, without the trailing dot ("" for the root). */
  name: string;
  qtype: number;
  qclass: number;
}

export interface DnsQuery {
  id: number;
  opcode: number;
  /** Recursion desired: echoed in the response (we never recurse, so RA stays 0). */
  rd: boolean;
  question: DnsQuestion;
  /** The question as it came (12 … end), repeated byte for byte in the response, letter case included. */
  questionBytes: Buffer;
}

/**
 * What a datagram is: a query we can answer, a query we must refuse with an error code (`id`
 * and `opcode` known, question maybe not), or nothing to answer at all (a response, or too
 * short to carry an id) — answering those could start a loop between two responders.
 */
export type ParsedDatagram =
  | { kind: 'query'; query: DnsQuery }
  | { kind: 'error'; id: number; opcode: number; rd: boolean; rcode: number; questionBytes?: Buffer }
  | { kind: 'ignore' };

export function parseQuery(datagram: Buffer): ParsedDatagram {
  if (datagram.length < DNS_HEADER_BYTES) return { kind: 'ignore' };
  const id = datagram.readUInt16BE(0);
  const flags = datagram.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'ignore' }; // QR set: a response, never answered
  const opcode = (flags >> 11) & 0x0f;
  const rd = (flags & 0x0100) !== 0;
  const error = (rcode: number, questionBytes?: Buffer): ParsedDatagram => ({ kind: 'error', id, opcode, rd, rcode, questionBytes });
  if (opcode !== Opcode.QUERY) return error(Rcode.NOTIMP);
  if (datagram.readUInt16BE(4) !== 1) return error(Rcode.FORMERR); // QDCOUNT: exactly one question
  const name = readName(datagram, DNS_HEADER_BYTES);
  if (!name) return error(Rcode.FORMERR);
  if (name.end + 4 > datagram.length) return error(Rcode.FORMERR);
  const question: DnsQuestion = { name: name.text, qtype: datagram.readUInt16BE(name.end), qclass: datagram.readUInt16BE(name.end + 2) };
  const questionBytes = datagram.subarray(DNS_HEADER_BYTES, name.end + 4);
  // The answer, authority and additional sections (e.g. dig's EDNS OPT record) are not needed.
  return { kind: 'query', query: { id, opcode, rd, question, questionBytes } };
}

/**
 * Reads a domain name at `offset`. Compression pointers (RFC 1035 §4.1.4) must point backwards,
 * into the question itself (never into the header), so that the question bytes can be copied
 * into the response unchanged and still mean the same name. Each pointer must land before the
 * labels that led to it, so a chain of pointers only goes backwards and cannot loop.
 */
export function readName(buf: Buffer, offset: number): { text: string; end: number } | null {
  const labels: string[] = [];
  let at = offset;
  let end = -1; // where the name ends in the message: after the first pointer, or the root label
  let bytes = 1; // the root label's length octet
  let segment = offset; // where the labels being read began: each pointer must go before it
  for (let hops = 0; hops <= MAX_NAME_BYTES; hops++) {
    if (at >= buf.length) return null;
    const len = buf[at];
    if (len === 0) {
      if (end < 0) end = at + 1;
      return { text: labels.join('.'), end };
    }
    const type = len & 0xc0;
    if (type === 0xc0) {
      if (at + 1 >= buf.length) return null;
      const target = ((len & 0x3f) << 8) | buf[at + 1];
      if (target < DNS_HEADER_BYTES || target >= segment) return null;
      if (end < 0) end = at + 2;
      at = segment = target;
      continue;
    }
    if (type !== 0) return null; // 0x40 / 0x80: extended label types, not used in queries
    if (len > MAX_LABEL_BYTES || at + 1 + len > buf.length) return null;
    bytes += len + 1;
    if (bytes > MAX_NAME_BYTES) return null;
    labels.push(buf.toString('latin1', at + 1, at + 1 + len).toLowerCase());
    at += 1 + len;
  }
  return null;
}

export interface DnsResponse {
  id: number;
  opcode: number;
  rd: boolean;
  rcode: number;
  /** Authoritative answer: set for the names we serve. */
  aa: boolean;
  questionBytes?: Buffer;
  /** IPv4 addresses for A records answering the question's name. */
  addresses?: readonly string[];
  ttl?: number;
}

/** Writes a response; A records name the question through a pointer to offset 12. */
export function encodeResponse(response: DnsResponse): Buffer {
  const question = response.questionBytes ?? Buffer.alloc(0);
  const addresses = question.length > 0 ? response.addresses ?? [] : [];
  const out = Buffer.alloc(DNS_HEADER_BYTES + question.length + addresses.length * 16);
  out.writeUInt16BE(response.id & 0xffff, 0);
  let flags = 0x8000 | ((response.opcode & 0x0f) << 11) | (response.rcode & 0x0f);
  if (response.aa) flags |= 0x0400;
  if (response.rd) flags |= 0x0100;
  out.writeUInt16BE(flags, 2);
  out.writeUInt16BE(question.length > 0 ? 1 : 0, 4);
  out.writeUInt16BE(addresses.length, 6);
  question.copy(out, DNS_HEADER_BYTES);
  let at = DNS_HEADER_BYTES + question.length;
  for (const address of addresses) {
    out.writeUInt16BE(0xc000 | DNS_HEADER_BYTES, at);
    out.writeUInt16BE(QType.A, at + 2);
    out.writeUInt16BE(QClass.IN, at + 4);
    out.writeUInt32BE((response.ttl ?? 60) >>> 0, at + 6);
    out.writeUInt16BE(4, at + 10);
    const octets = ipv4Octets(address);
    if (!octets) throw new Error(`"${address}" is not an IPv4 address`);
    octets.forEach((o, i) => (out[at + 12 + i] = o));
    at += 16;
  }
  return out;
}

/** "192.168.1.2" as four octets, or null when it is not a dotted-quad IPv4 address. */
export function ipv4Octets(address: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** A query for `name`, as a resolver sends it (for the simulator and the tests). */
export function encodeQuery(id: number, name: string, qtype: number = QType.A, rd = true): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0).map((l) => Buffer.from(l, 'latin1'));
  const nameBytes = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
  const out = Buffer.alloc(DNS_HEADER_BYTES + nameBytes.length + 4);
  out.writeUInt16BE(id & 0xffff, 0);
  out.writeUInt16BE(rd ? 0x0100 : 0, 2);
  out.writeUInt16BE(1, 4);
  nameBytes.copy(out, DNS_HEADER_BYTES);
  out.writeUInt16BE(qtype, DNS_HEADER_BYTES + nameBytes.length);
  out.writeUInt16BE(QClass.IN, DNS_HEADER_BYTES + nameBytes.length + 2);
  return out;
}

/** The parts of a response a resolver looks at (for the simulator and the tests). */
export function decodeResponse(datagram: Buffer): { id: number; rcode: number; aa: boolean; ra: boolean; addresses: string[] } | null {
  if (datagram.length < DNS_HEADER_BYTES) return null;
  const flags = datagram.readUInt16BE(2);
  if (!(flags & 0x8000)) return null;
  const qdcount = datagram.readUInt16BE(4);
  const ancount = datagram.readUInt16BE(6);
  let at = DNS_HEADER_BYTES;
  for (let i = 0; i < qdcount; i++) {
    const name = readName(datagram, at);
    if (!name || name.end + 4 > datagram.length) return null;
    at = name.end + 4;
  }
  const addresses: string[] = [];
  for (let i = 0; i < ancount; i++) {
    const name = readName(datagram, at);
    if (!name || name.end + 10 > datagram.length) return null;
    const type = datagram.readUInt16BE(name.end);
    const rdlength = datagram.readUInt16BE(name.end + 8);
    const rdata = name.end + 10;
    if (rdata + rdlength > datagram.length) return null;
    if (type === QType.A && rdlength === 4) addresses.push([...datagram.subarray(rdata, rdata + 4)].join('.'));
    at = rdata + rdlength;
  }
  return { id: datagram.readUInt16BE(0), rcode: flags & 0x0f, aa: (flags & 0x0400) !== 0, ra: (flags & 0x0080) !== 0, addresses };
}
