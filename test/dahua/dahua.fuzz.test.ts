// Every Dahua parser against mutated and random input: nothing throws, and what is accepted is
// consistent. 20,000 cases per parser in CI; raise with P2PCAM_FUZZ_ITERATIONS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDhReply, buildDhRequest, makeWsseToken, parseDhReply, parseDhRequest, parseWsse } from '../../nodes/dahua/dh-http';
import { decodeLocalAddrList, encryptInfoBlob, parseDeviceInfo, parseIdentify } from '../../nodes/dahua/device-auth';
import { decodeInvertedStun, encodeInvertedStun } from '../../nodes/dahua/inverted-stun';
import { decodeBody, decodePtcp, encodeBody, encodePtcp } from '../../nodes/dahua/ptcp-packet';
import { buildXmlBody, parseXmlBody } from '../../nodes/dahua/xml-body';
import { fuzzIterations, fuzzRandom } from '../fuzz/fuzz-support';

const ITERATIONS = fuzzIterations(20_000);
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A mutation of one of the seeds: bit flips, byte changes, cuts, splices, or pure noise. */
function mutator(seeds: Buffer[], seed: number): () => Buffer {
  const random = fuzzRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  return () => {
    const kind = int(6);
    if (kind === 0) return Buffer.from(Array.from({ length: int(200) }, () => int(256)));
    const buf = Buffer.from(seeds[int(seeds.length)]);
    if (kind === 1 && buf.length > 0) return buf.subarray(0, int(buf.length));
    if (kind === 2) {
      const extra = Buffer.from(Array.from({ length: 1 + int(20) }, () => int(256)));
      const at = int(buf.length + 1);
      return Buffer.concat([buf.subarray(0, at), extra, buf.subarray(at)]);
    }
    const flips = 1 + int(4);
    for (let i = 0; i < flips && buf.length > 0; i++) {
      const at = int(buf.length);
      if (kind === 3) buf[at] ^= 1 << int(8);
      else if (kind === 4) buf[at] = [0, 0xff, 0x3c, 0x3e, 0x0d, 0x0a, 0x3a, 0x22][int(8)];
      else buf[at] = int(256);
    }
    return buf;
  };
}

function fuzz(seeds: Buffer[], seed: number, check: (input: Buffer) => void): void {
  const next = mutator(seeds, seed);
  for (let i = 0; i < ITERATIONS; i++) {
    const input = next();
    try {
      check(input);
    } catch (err) {
      throw new Error(`case ${i} (seed ${seed}) input ${input.toString('hex')}: ${(err as Error).message}`);
    }
  }
}

describe(`Dahua parsers survive ${ITERATIONS} fuzz cases each`, () => {
  const wsse = makeWsseToken({ user: 'P2PClient', key: 'YXQ3Mahe-5H-R1Z_' }, '126839946', '2024-06-07T02:31:50Z');

  it('DH-HTTP replies', () => {
    const seeds = [
      buildDhReply({ status: 200, reason: 'OK', cseq: 1, date: '2024-06-07T02:31:52Z' }),
      buildDhReply({ status: 200, reason: 'OK', cseq: 2, body: '<body><DS>1.2.3.4:8802</DS><US>1.2.3.4:8803</US></body>' }),
      buildDhReply({ status: 100, reason: 'Trying', cseq: 5, body: '<body></body>' }),
      buildDhReply({ status: 403, reason: 'Forbidden', cseq: 5, body: '<?xml version="1.0" encoding="UTF-8"?><body><ErrCode>4</ErrCode><Error>DevPwd_InvalidSalt</Error></body>' }),
    ];
    let accepted = 0;
    fuzz(seeds, 11, (input) => {
      const reply = parseDhReply(input);
      if (reply) {
        accepted++;
        assert.ok(reply.status >= 0 && reply.status <= 999);
        assert.ok(Number.isInteger(reply.cseq) && reply.cseq >= 0 && reply.cseq <= 0xffffffff);
        assert.ok(Buffer.byteLength(reply.body) <= input.length * 3);
      }
    });
    assert.ok(accepted > ITERATIONS / 20, `too few accepted (${accepted}): the mutator is not exercising the parser`);
  });

  it('DH-HTTP requests and the WSSE header', () => {
    const seeds = [
      buildDhRequest({ method: 'DHGET', path: '/probe/p2psrv', cseq: 1, wsse }),
      buildDhRequest({ method: 'DHPOST', path: '/device/SN/p2p-channel', cseq: 5, wsse, body: buildXmlBody([['Identify', '4a 16 eb e 33 41 6 df'], ['IpEncrpt', 'true']]) }),
    ];
    let accepted = 0;
    fuzz(seeds, 12, (input) => {
      const req = parseDhRequest(input);
      if (req) {
        accepted++;
        assert.ok(req.path.startsWith('/'));
        const token = parseWsse(req.headers.get('x-wsse') ?? '');
        if (token) assert.equal(typeof token.passwordDigest, 'string');
      }
    });
    assert.ok(accepted > ITERATIONS / 20, `too few accepted (${accepted})`);
  });

  it('XML bodies, Identify, LocalAddr lists and the Info blob', () => {
    const seeds = [
      Buffer.from('<?xml version="1.0" encoding="UTF-8"?><body><Agent>1.2.3.4:31407</Agent><Token>AB-cd</Token></body>'),
      Buffer.from('<body><Identify>a8 16 f4 f1 d8 4c 9f 8f</Identify><LocalAddr>63.87.143.254,63.87.254.173:40000</LocalAddr><X/></body>'),
      Buffer.from(encryptInfoBlob('{"httpport":80,"randsalt":"5daf91fc5cfc1be8e081cfb08f792726","rtspport":554}')),
    ];
    let accepted = 0;
    fuzz(seeds, 13, (input) => {
      const text = input.toString('latin1');
      const fields = parseXmlBody(text);
      if (fields) {
        accepted++;
        const keys = Object.keys(fields);
        assert.ok(keys.length <= 64);
        // what parses must survive a rebuild unchanged
        assert.deepEqual({ ...parseXmlBody(buildXmlBody(keys.map((k) => [k, fields[k]] as const))) }, { ...fields });
      }
      const id = parseIdentify(text);
      if (id) assert.equal(id.length, 8);
      const list = decodeLocalAddrList(text, true);
      if (list) assert.ok(list.port >= 1 && list.port <= 65535);
      const info = parseDeviceInfo(text);
      if (info) assert.equal(typeof info.randsalt, 'string');
    });
    assert.ok(accepted > 0);
  });

  it('inverted STUN', () => {
    const seeds = [
      hex('fffeffe7 deed5bbd b303ef13412b12aef9bab266 7fd5fff7 2b619857d42b81e1 fffbfff7 fffe a8132102d265'),
      hex('fefeffe7 deed5bbd 57e7f5473dbf3e88d5f0d444 7fd6fff7 57e90b0e27b36070 fffbfff7 fffe 17ad446ea23f'),
      hex('fefefff3 deed5bbd 57e7f5473dbf3e88d5f0d444 7fd6fff7 57e90b0e27b36070'),
    ];
    let accepted = 0;
    fuzz(seeds, 14, (input) => {
      const msg = decodeInvertedStun(input);
      if (msg) {
        accepted++;
        assert.equal(msg.txid.length, 12);
        const again = decodeInvertedStun(encodeInvertedStun(msg));
        assert.deepEqual(again, msg);
      }
    });
    assert.ok(accepted > ITERATIONS / 20, `too few accepted (${accepted})`);
  });

  it('PTCP headers and bodies', () => {
    const seeds = [
      hex('50544350 00000000 00000004 0002ffff 3d9c86ea 00000000 00030100'),
      hex('50544350 00000004 00000010 0000fff3 3d9c8794 00000001 18000000 00000000 00000000 dc739b7f'),
      hex('50544350 00000020 00000014 0000fffd 00000003 3d9c89ce 11000000 fb1e1b58 00000000 0000022a 7f000001'),
      hex('50544350 00000014 00000034 0000ffcf 3d9c8a0a 00000003 12000000 fb1e1b58 00000000 434f4e4e'),
      encodePtcp({ sent: 0x34, recv: 0x24, pid: 0xfffc, lmid: 4, rmid: 0x3d9c8a0a }, encodeBody({ type: 'data', realm: 0xfb1e1b58, payload: Buffer.from('OPTIONS rtsp://x RTSP/1.0\r\n\r\n') })),
      hex('50544350 00000557 00000701 0000f902 3d9c8d5c 0000000c 13000000 00000000 00000000'),
    ];
    let structured = 0;
    fuzz(seeds, 15, (input) => {
      const pkt = decodePtcp(input);
      if (!pkt) return;
      assert.ok(encodePtcp(pkt, pkt.body).equals(input));
      if (pkt.body.length === 0) return;
      const body = decodeBody(pkt.body);
      if (body.type !== 'unknown') {
        structured++;
        assert.ok(encodeBody(body).equals(pkt.body), `${body.type} re-encodes to the same bytes`);
      }
      if (body.type === 'data') assert.equal(body.payload.length, pkt.body.length - 12);
    });
    assert.ok(structured > ITERATIONS / 20, `too few structured bodies (${structured})`);
  });
});
