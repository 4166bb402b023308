// DH-HTTP requests over one UDP endpoint (spec §2): each request is resent at 500 ms, doubling,
// until a final reply with its CSeq arrives or the stage's time is up. Provisional replies
// (100 Trying) are reported and waited through. A 401 with a Date header corrects our clock
// offset and the request is signed again, at most three times, as the SDK does.

import { randomInt } from 'crypto';
import { DhMethod, DhReply, WsseCredentials, buildDhRequest, formatCreated, makeWsseToken, parseDhReply } from './dh-http';
import { Address, UdpEndpoint, sameAddress } from './udp-endpoint';
import { buildXmlBody } from './xml-body';

/** One CSeq counter across all sockets, as the PoC keeps it. */
export class CseqCounter {
  private n = 0;
  next(): number {
    this.n = (this.n % 0x7fffffff) + 1;
    return this.n;
  }
}

export class DhTimeoutError extends Error {
  constructor(readonly step: string, ms: number) {
    super(`${step}: no reply within ${Math.round(ms / 100) / 10} s`);
    this.name = 'DhTimeoutError';
  }
}

export interface DhRequestOptions {
  /** Stage name for errors and logs. */
  step: string;
  body?: ReadonlyArray<readonly [string, string]>;
  /** Sources whose reply counts (the relay-channel reply comes from the agent); default: the destination. */
  acceptFrom?: Address[];
  timeoutMs?: number;
  firstResendMs?: number;
  onProvisional?(reply: DhReply): void;
}

export interface DhSigner {
  credentials: WsseCredentials;
  /** Added to our clock when signing; learnt from a 401's Date. */
  clockOffsetMs: number;
  method: 'DH' | 'NF';
}

const MAX_CLOCK_RETRIES = 3;

export class DhHttpClient {
  private readonly pending = new Map<number, { onReply: (reply: DhReply, from: Address) => void; abort: () => void }>();
  private closed = false;

  constructor(private readonly endpoint: UdpEndpoint, private readonly cseq: CseqCounter, private readonly signer: DhSigner) {
    endpoint.onReply = (datagram, from) => {
      const reply = parseDhReply(datagram);
      if (!reply) return;
      this.pending.get(reply.cseq)?.onReply(reply, from);
    };
  }

  async request(to: Address, verb: 'GET' | 'POST', path: string, options: DhRequestOptions): Promise<DhReply> {
    let reply = await this.once(to, verb, path, options);
    for (let i = 0; i < MAX_CLOCK_RETRIES && reply.status === 401; i++) {
      const serverTime = Date.parse(reply.headers.get('date') ?? '');
      if (Number.isNaN(serverTime)) break;
      const offset = serverTime - Date.now();
      if (Math.abs(offset - this.signer.clockOffsetMs) < 2000) break; // our clock was fine: the credentials are wrong
      this.signer.clockOffsetMs = offset;
      reply = await this.once(to, verb, path, options);
    }
    return reply;
  }

  /** Sends one request (with resends) and resolves with its final reply. */
  private once(to: Address, verb: 'GET' | 'POST', path: string, options: DhRequestOptions): Promise<DhReply> {
    const cseq = this.cseq.next();
    const created = formatCreated(new Date(Date.now() + this.signer.clockOffsetMs));
    const wsse = makeWsseToken(this.signer.credentials, String(randomInt(0, 0x7fffffff)), created);
    const method = `${this.signer.method}${verb}` as DhMethod;
    const body = options.body ? buildXmlBody(options.body) : undefined;
    const datagram = buildDhRequest({ method, path, cseq, wsse, body });
    const acceptFrom = options.acceptFrom ?? [to];
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error(`${options.step}: aborted`));
        return;
      }
      let wait = options.firstResendMs ?? 500;
      let resendTimer: NodeJS.Timeout | null = null;
      const finish = (): void => {
        this.pending.delete(cseq);
        clearTimeout(deadline);
        if (resendTimer) clearTimeout(resendTimer);
      };
      const deadline = setTimeout(() => {
        finish();
        reject(new DhTimeoutError(options.step, timeoutMs));
      }, timeoutMs);
      const resend = (): void => {
        this.endpoint.send(datagram, to);
        resendTimer = setTimeout(resend, wait);
        wait = Math.min(wait * 2, timeoutMs);
      };
      const onReply = (reply: DhReply, from: Address): void => {
        if (!acceptFrom.some((a) => sameAddress(a, from))) return;
        if (reply.status < 200) {
          options.onProvisional?.(reply);
          return;
        }
        finish();
        resolve(reply);
      };
      const abort = (): void => {
        finish();
        reject(new Error(`${options.step}: aborted`));
      };
      this.pending.set(cseq, { onReply, abort });
      resend();
    });
  }

  /** Rejects every outstanding request and stops its timers. */
  close(): void {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.abort();
  }
}
