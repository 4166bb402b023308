// The optional DNS responder of the fake cloud: cameras resolve v720.naxclow.com (HTTP),
// v720.p2p.naxclow.com (MQTT) and a few more names under naxclow.com / naxclow.com.cn (spec
// §1.5); for those it answers with the advertised host. It is not a resolver: any other name is
// refused and nothing is ever forwarded, so pointing a whole network at it breaks only what
// asks for names it does not serve. Point only the cameras (or the router's forward for
// naxclow.com) at it.

import * as dgram from 'dgram';
import { DnsQuestion, QClass, QType, Rcode, encodeResponse, ipv4Octets, parseQuery } from './dns-message';
import { bindUdp, closeUdp } from '../core/listening';

/** The zones the camera firmware calls home to (spec §1.5); every name in them is answered. */
export const NAXCLOW_ZONES: readonly string[] = ['naxclow.com', 'naxclow.com.cn'];
/** The names seen from cameras so far (spec §1.5, a9-v720 #16 #51), for the help and the tests. */
export const NAXCLOW_HOSTS: readonly string[] = [
  'v720.naxclow.com', 'v720.p2p.naxclow.com', 'p2p.v720.naxclow.com', 'dl2.naxclow.com',
  'dl2.naxclow.com.cn', 'home.naxclow.com', 'logo.naxclow.com.cn', 'mp4.naxclow.com.cn',
];
/** Short, so that cameras move quickly when the advertised host changes. */
export const ANSWER_TTL_SECONDS = 60;

export function inNaxclowZone(name: string): boolean {
  return NAXCLOW_ZONES.some((zone) => name === zone || name.endsWith(`.${zone}`));
}

/**
 * The response to one datagram, or null when there is nothing to answer (a response, a runt).
 * A and ANY queries for our names get the advertised host; other types for our names get an
 * empty NOERROR (the name exists, it just has no such record); other names are REFUSED.
 */
export function answerDatagram(datagram: Buffer, advertisedHost: string): Buffer | null {
  const parsed = parseQuery(datagram);
  if (parsed.kind === 'ignore') return null;
  if (parsed.kind === 'error') return encodeResponse({ ...parsed, aa: false });
  const { query } = parsed;
  const base = { id: query.id, opcode: query.opcode, rd: query.rd, questionBytes: query.questionBytes };
  if (!servesQuestion(query.question)) return encodeResponse({ ...base, rcode: Rcode.REFUSED, aa: false });
  const wantsA = query.question.qtype === QType.A || query.question.qtype === QType.ANY;
  return encodeResponse({ ...base, rcode: Rcode.NOERROR, aa: true, addresses: wantsA ? [advertisedHost] : [], ttl: ANSWER_TTL_SECONDS });
}

function servesQuestion(question: DnsQuestion): boolean {
  return (question.qclass === QClass.IN || question.qclass === QClass.ANY) && inNaxclowZone(question.name);
}

export interface DnsResponderCounts {
  queries: number;
  answered: number;
  refused: number;
  ignored: number;
}

export class DnsResponder {
  readonly counts: DnsResponderCounts = { queries: 0, answered: 0, refused: 0, ignored: 0 };
  private readonly socket: dgram.Socket;

  /** `advertisedHost` is read per query, so a changed address is served at once. */
  constructor(private readonly advertisedHost: () => string, private readonly log: (text: string) => void = () => {}) {
    this.socket = dgram.createSocket('udp4');
    this.socket.on('message', (datagram, rinfo) => {
      try {
        this.onDatagram(datagram, rinfo.address, rinfo.port);
      } catch (err) {
        this.log(`dns query from ${rinfo.address}: ${(err as Error).message}`);
      }
    });
    this.socket.on('error', (err) => this.log(`dns socket: ${err.message}`));
  }

  /** Binds the UDP port; rejects when the advertised host cannot go in an A record. */
  listen(port: number, host?: string): Promise<number> {
    if (!ipv4Octets(this.advertisedHost())) {
      return Promise.reject(new Error(`the DNS responder needs an IPv4 advertised host, not "${this.advertisedHost()}"`));
    }
    return bindUdp(this.socket, port, host);
  }

  close(): Promise<void> {
    return closeUdp(this.socket);
  }

  private onDatagram(datagram: Buffer, address: string, port: number): void {
    this.counts.queries++;
    const response = answerDatagram(datagram, this.advertisedHost());
    if (!response) {
      this.counts.ignored++;
      return;
    }
    // RCODE is the low nibble of byte 3.
    if ((response[3] & 0x0f) === Rcode.NOERROR) this.counts.answered++;
    else this.counts.refused++;
    this.socket.send(response, port, address, (err) => {
      if (err) this.log(`dns reply to ${address}:${port}: ${err.message}`);
    });
  }
}
