// The inverted-STUN hole punch on S_dev (spec §5, "robust algorithm"): Binding Requests to
// every candidate address of the device every 400 ms; the device's own requests are answered;
// the first response carrying our transaction id locks the device's address.

import { randomBytes } from 'crypto';
import { STUN_BINDING_REQUEST, STUN_BINDING_RESPONSE, STUN_MAGIC_COOKIE, decodeInvertedStun, encodeInvertedStun } from './inverted-stun';
import { Address, UdpEndpoint, sameAddress } from './udp-endpoint';

export class StunTimeoutError extends Error {
  constructor(ms: number) {
    super(`no inverted-STUN answer from the device within ${Math.round(ms / 1000)} s`);
    this.name = 'StunTimeoutError';
  }
}

export interface PunchOptions {
  endpoint: UdpEndpoint;
  candidates: Address[];
  /** Our 8-byte Identify, the one sent in p2p-channel. */
  identify: Buffer;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Resolves with the address the device answered from. */
export function punch(options: PunchOptions): Promise<Address> {
  const { endpoint, candidates, identify } = options;
  const txid = randomBytes(12);
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const done = (err: Error | null, address?: Address): void => {
      clearTimeout(deadline);
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      endpoint.onStun = null;
      if (err) reject(err);
      else resolve(address as Address);
    };
    const onAbort = (): void => done(new Error('aborted'));
    const deadline = setTimeout(() => done(new StunTimeoutError(options.timeoutMs)), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort);
    endpoint.onStun = (datagram, from) => {
      if (!candidates.some((c) => sameAddress(c, from))) return;
      const msg = decodeInvertedStun(datagram);
      if (!msg) return;
      if (msg.type === STUN_BINDING_REQUEST) {
        endpoint.send(encodeInvertedStun({ type: STUN_BINDING_RESPONSE, cookie: STUN_MAGIC_COOKIE, txid: msg.txid, identify, address: from }), from);
      } else if (msg.type === STUN_BINDING_RESPONSE && msg.txid.equals(txid)) {
        done(null, from);
      }
    };
    const send = (): void => {
      for (const c of candidates) endpoint.send(encodeInvertedStun({ type: STUN_BINDING_REQUEST, cookie: STUN_MAGIC_COOKIE, txid, identify, address: c }), c);
      timer = setTimeout(send, options.intervalMs ?? 400);
    };
    send();
  });
}
