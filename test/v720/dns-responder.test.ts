// The fake cloud's DNS responder: real query bytes (captured from dig 9.18 on loopback, with its
// EDNS OPT record and cookie, and with +noedns and mixed letter case), a response checked byte
// for byte against RFC 1035 §4.1, dig itself asking the running responder, and 20,000 fuzzed
// datagrams (P2PCAM_FUZZ_ITERATIONS raises it) that never throw and never get an oversized or
// recursive answer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { FakeCloud } from '../../nodes/v720/fake-cloud';
import { DNS_HEADER_BYTES, MAX_UDP_RESPONSE_BYTES, QType, Rcode, decodeResponse, encodeQuery, parseQuery, readName } from '../../nodes/v720/dns-message';
import { NAXCLOW_HOSTS, answerDatagram } from '../../nodes/v720/dns-responder';
import { fuzzIterations, fuzzSeed, mutate, randomBytes, randomInt, seededRandom } from '../fuzz/fuzz-support';
import { requireTool } from '../support/ffmpeg';
import { hex } from './spec-vectors';

/** Queries as dig 9.18.49 sent them to a UDP socket on 127.0.0.1 (`dig @127.0.0.1 -p N <name> <type>`). */
const DIG = {
  aEdns: hex('e1ce01200001000000000001' + '0476373230076e6178636c6f7703636f6d00' + '00010001' + '00002904d000000000000c000a00089de64753030ab83e'),
  aaaaEdns: hex('084801200001000000000001' + '047637323003703270076e6178636c6f7703636f6d00' + '001c0001' + '00002904d000000000000c000a0008c1b0d87e011ad628'),
  otherNoEdns: hex('5b5b01200001000000000000' + '076578616d706c6503636f6d00' + '00010001'), // example.com, +noedns +nocookie
  mixedCase: hex('74480120000100000000000003444c32074e6178436c6f7703636f6d02434e0000010001'), // DL2.NaxClow.com.CN
};
const HOST = '192.168.1.2';

describe('v720 DNS responder', () => {
  it('reads dig\'s queries: id, RD, the one question, lower-cased; the EDNS record is left alone', () => {
    const a = parseQuery(DIG.aEdns);
    assert.equal(a.kind, 'query');
    if (a.kind !== 'query') return;
    assert.deepEqual({ id: a.query.id, rd: a.query.rd, opcode: a.query.opcode, question: a.query.question }, { id: 0xe1ce, rd: true, opcode: 0, question: { name: 'v720.naxclow.com', qtype: QType.A, qclass: 1 } });
    assert.equal(a.query.questionBytes.length, 18 + 4);
    const mixed = parseQuery(DIG.mixedCase);
    assert.ok(mixed.kind === 'query' && mixed.query.question.name === 'dl2.naxclow.com.cn');
  });

  it('answers an A query for v720.naxclow.com with exactly the RFC 1035 bytes', () => {
    const response = answerDatagram(DIG.aEdns, HOST)!;
    const expected = hex('e1ce 8500 0001 0001 0000 0000' + // id, QR AA RD NOERROR, 1 question, 1 answer
      '0476373230076e6178636c6f7703636f6d00 0001 0001' + // the question, as asked
      'c00c 0001 0001 0000003c 0004 c0a80102'); // pointer to the name, A, IN, TTL 60, 192.168.1.2
    assert.equal(response.toString('hex'), expected.toString('hex'));
  });

  it('keeps the letter case of the question (0x20 randomisation), answers AAAA with no record, refuses other names', () => {
    const mixed = answerDatagram(DIG.mixedCase, HOST)!;
    assert.ok(mixed.subarray(DNS_HEADER_BYTES, DIG.mixedCase.length).equals(DIG.mixedCase.subarray(DNS_HEADER_BYTES)), 'question echoed byte for byte');
    assert.deepEqual(decodeResponse(mixed), { id: 0x7448, rcode: Rcode.NOERROR, aa: true, ra: false, addresses: [HOST] });
    assert.deepEqual(decodeResponse(answerDatagram(DIG.aaaaEdns, HOST)!), { id: 0x0848, rcode: Rcode.NOERROR, aa: true, ra: false, addresses: [] });
    assert.deepEqual(decodeResponse(answerDatagram(DIG.otherNoEdns, HOST)!), { id: 0x5b5b, rcode: Rcode.REFUSED, aa: false, ra: false, addresses: [] });
  });

  it('every Naxclow name the spec lists resolves; look-alikes do not', () => {
    for (const name of [...NAXCLOW_HOSTS, 'naxclow.com', 'any.thing.naxclow.com.cn']) {
      assert.deepEqual(decodeResponse(answerDatagram(encodeQuery(1, name), HOST)!)?.addresses, [HOST], name);
    }
    for (const name of ['naxclow.com.evil.org', 'notnaxclow.com', 'naxclow.co', 'glbs.xcthings.com', '']) {
      assert.equal(decodeResponse(answerDatagram(encodeQuery(2, name), HOST)!)?.rcode, Rcode.REFUSED, name || '(root)');
    }
  });

  it('never answers a response; odd queries get FORMERR or NOTIMP with their id', () => {
    const asResponse = Buffer.from(DIG.aEdns);
    asResponse[2] |= 0x80;
    assert.equal(answerDatagram(asResponse, HOST), null, 'a response is never answered (no loops between responders)');
    assert.equal(answerDatagram(DIG.aEdns.subarray(0, 11), HOST), null, 'too short to have an id');
    const twoQuestions = Buffer.from(DIG.otherNoEdns);
    twoQuestions.writeUInt16BE(2, 4);
    assert.equal(decodeResponse(answerDatagram(twoQuestions, HOST)!)?.rcode, Rcode.FORMERR);
    const notify = Buffer.from(DIG.otherNoEdns);
    notify[2] = (notify[2] & 0x87) | (4 << 3); // opcode NOTIFY
    const refused = answerDatagram(notify, HOST)!;
    assert.equal(decodeResponse(refused)?.rcode, Rcode.NOTIMP);
    assert.equal(refused.readUInt16BE(0), 0x5b5b);
    assert.equal(decodeResponse(answerDatagram(DIG.aEdns.subarray(0, 20), HOST)!)?.rcode, Rcode.FORMERR, 'truncated name');
  });

  it('follows backward compression pointers and refuses forward, header and looping ones', () => {
    // The question name as a pointer to a copy of "naxclow.com" … but a question has nothing before it,
    // so any pointer in it points at the header or forward: refused.
    const pointerToHeader = Buffer.concat([hex('0001 0100 0001 0000 0000 0000'), hex('0476373230 c000'), hex('00010001')]);
    assert.equal(readName(pointerToHeader, DNS_HEADER_BYTES), null);
    const loop = Buffer.concat([hex('0001 0100 0001 0000 0000 0000'), hex('01 61 c00c'), hex('00010001')]);
    assert.equal(readName(loop, DNS_HEADER_BYTES), null);
    // A backward pointer inside a larger message (an answer naming the question) is followed.
    const response = answerDatagram(encodeQuery(9, 'v720.naxclow.com'), HOST)!;
    const answerName = readName(response, DNS_HEADER_BYTES + 22);
    assert.deepEqual(answerName, { text: 'v720.naxclow.com', end: DNS_HEADER_BYTES + 24 });
  });

  describe('running in the fake cloud', () => {
    let cloud: FakeCloud;
    before(async () => {
      cloud = new FakeCloud({ bindHost: '127.0.0.1', advertisedHost: '127.0.0.1', httpPort: null, tcpPort: 0, mqtt: { mode: 'none' }, dns: { port: 0 } });
      await cloud.start();
    });
    after(async () => {
      await cloud.close();
    });

    const dig = (...args: string[]) => new Promise<string>((resolve, reject) => {
      execFile(requireTool('dig'), [`@127.0.0.1`, '-p', String(cloud.ports.dns), '+tries=3', '+time=5', ...args], (err, stdout) => (err && !stdout ? reject(err) : resolve(stdout)));
    });

    it('dig gets the advertised host for the camera names, REFUSED for others, and no recursion', async () => {
      assert.equal((await dig('+short', 'v720.naxclow.com', 'A')).trim(), '127.0.0.1');
      assert.equal((await dig('+short', 'v720.p2p.naxclow.com')).trim(), '127.0.0.1');
      const full = await dig('v720.naxclow.com', 'A');
      assert.match(full, /status: NOERROR/);
      assert.match(full, /flags: qr aa rd;/, 'authoritative, recursion desired but not available');
      assert.match(full, /v720\.naxclow\.com\.\s+60\s+IN\s+A\s+127\.0\.0\.1/);
      const other = await dig('example.com', 'A');
      assert.match(other, /status: REFUSED/);
      assert.ok(cloud.dnsCounts!.answered >= 3 && cloud.dnsCounts!.refused >= 1);
    });

    it('a raw UDP query over loopback gets its answer', async () => {
      const socket = dgram.createSocket('udp4');
      try {
        const reply = await new Promise<Buffer>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no DNS reply')), 10_000);
          socket.on('message', (m) => {
            clearTimeout(timer);
            resolve(m);
          });
          socket.send(encodeQuery(0x1234, 'dl2.naxclow.com'), cloud.ports.dns, '127.0.0.1');
        });
        assert.deepEqual(decodeResponse(reply), { id: 0x1234, rcode: Rcode.NOERROR, aa: true, ra: false, addresses: ['127.0.0.1'] });
      } finally {
        socket.close();
      }
    });
  });

  it('refuses to start with an advertised host that is not an IPv4 address', async () => {
    const cloud = new FakeCloud({ bindHost: '127.0.0.1', advertisedHost: 'nas.local', httpPort: null, tcpPort: 0, mqtt: { mode: 'none' }, dns: { port: 0 } });
    await assert.rejects(cloud.start(), /needs an IPv4 advertised host, not "nas.local"/);
  });

  const ITERATIONS = fuzzIterations(20_000);
  it(`fuzz: ${ITERATIONS} mutated queries never throw, never grow past 512 bytes, never set RA`, () => {
    const seed = fuzzSeed();
    const samples = [...Object.values(DIG), ...NAXCLOW_HOSTS.map((h, i) => encodeQuery(i, h, i % 2 ? QType.ANY : QType.A))];
    const tokens = [hex('c00c'), hex('c000'), hex('3f'), hex('00'), hex('ff'), hex('c0'), hex('00010001')];
    let answered = 0;
    for (let n = 0; n < ITERATIONS; n++) {
      const random = seededRandom(seed + n);
      let datagram = samples[randomInt(random, samples.length)];
      for (let m = 1 + randomInt(random, 4); m > 0; m--) datagram = mutate(random, datagram, tokens);
      if (random() < 0.05) datagram = randomBytes(random, randomInt(random, 600));
      try {
        const response = answerDatagram(datagram, HOST);
        const parsed = parseQuery(datagram);
        if (parsed.kind === 'ignore') {
          assert.equal(response, null);
          continue;
        }
        assert.ok(response && response.length <= MAX_UDP_RESPONSE_BYTES && response.length <= datagram.length + 16);
        const decoded = decodeResponse(response);
        assert.ok(decoded, 'every response decodes');
        assert.equal(decoded.ra, false);
        assert.equal(decoded.id, datagram.readUInt16BE(0));
        if (decoded.addresses.length > 0) {
          assert.ok(parsed.kind === 'query' && /(^|\.)naxclow\.com(\.cn)?$/.test(parsed.query.question.name));
          assert.deepEqual(decoded.addresses, [HOST]);
          answered++;
        }
      } catch (err) {
        throw new Error(`case ${n} (P2PCAM_FUZZ_SEED=${seed + n}): ${(err as Error).stack}`);
      }
    }
    assert.ok(answered > 0, 'some mutated queries still ask for a Naxclow name');
  });
});
