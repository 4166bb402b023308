// Inverted STUN (T4) and the captured PTCP packets (T5), decoded and re-encoded byte for byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STUN_BINDING_REQUEST, STUN_BINDING_RESPONSE, STUN_MAGIC_COOKIE, decodeInvertedStun, encodeInvertedStun } from '../../nodes/dahua/inverted-stun';
import { PtcpBody, decodeBody, decodePtcp, encodeBody, encodeBodyBehindHeader, encodePtcp, writePtcpHeader } from '../../nodes/dahua/ptcp-packet';
import { seqAdd, seqDiff, seqLt, seqMax } from '../../nodes/dahua/serial-number';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('inverted STUN (T4)', () => {
  const vectors = [
    {
      name: 'KBiVMS request',
      wire: 'fffeffe7 deed5bbd b303ef13412b12aef9bab266 7fd5fff7 2b619857d42b81e1 fffbfff7 fffe a8132102d265',
      type: STUN_BINDING_REQUEST,
      cookie: STUN_MAGIC_COOKIE,
      txid: '4cfc10ecbed4ed5106454d99',
      identify: 'd49e67a82bd47e1e',
      address: { host: '222.253.45.154', port: 22508 },
    },
    {
      name: 'KBiVMS response',
      wire: 'fefeffe7 deed5bbd d3fa95ab9298c8e06b6e844e 7fd6fff7 2b619857d42b81e1 fffbfff7 fffe a8133f57fe37',
      type: STUN_BINDING_RESPONSE,
      cookie: STUN_MAGIC_COOKIE,
      txid: '2c056a546d67371f94917bb1',
      identify: 'd49e67a82bd47e1e',
      address: { host: '192.168.1.200', port: 22508 },
    },
    {
      name: 'PoC request (random cookie)',
      wire: 'fffeffe7 501a377c 57e7f5473dbf3e88d5f0d444 7fd5fff7 b5e914f1ccbef920 fffbfff7 fffe a34d3688360f',
      type: STUN_BINDING_REQUEST,
      cookie: 0xafe5c883,
      txid: 'a8180ab8c240c1772a0f2bbb',
      identify: '4a16eb0e334106df',
      address: { host: '201.119.201.240', port: 23730 },
    },
    {
      name: 'device response',
      wire: 'fefeffe7 deed5bbd 57e7f5473dbf3e88d5f0d444 7fd6fff7 57e90b0e27b36070 fffbfff7 fffe 17ad446ea23f',
      type: STUN_BINDING_RESPONSE,
      cookie: STUN_MAGIC_COOKIE,
      txid: 'a8180ab8c240c1772a0f2bbb',
      identify: 'a816f4f1d84c9f8f',
      address: { host: '187.145.93.192', port: 59474 },
    },
    {
      name: 'device confirm',
      wire: 'fefefff3 deed5bbd 57e7f5473dbf3e88d5f0d444 7fd6fff7 57e90b0e27b36070',
      type: STUN_BINDING_RESPONSE,
      cookie: STUN_MAGIC_COOKIE,
      txid: 'a8180ab8c240c1772a0f2bbb',
      identify: 'a816f4f1d84c9f8f',
      address: undefined,
    },
  ];
  for (const v of vectors) {
    it(`decodes and re-encodes the ${v.name}`, () => {
      const msg = decodeInvertedStun(hex(v.wire));
      assert.ok(msg, 'decodes');
      assert.equal(msg.type, v.type);
      assert.equal(msg.cookie, v.cookie);
      assert.equal(msg.txid.toString('hex'), v.txid);
      assert.equal(msg.identify?.toString('hex'), v.identify);
      assert.deepEqual(msg.address, v.address);
      assert.equal(encodeInvertedStun(msg).toString('hex'), hex(v.wire).toString('hex'));
    });
  }
  it('reads the PoC reply whose address was left un-inverted as the garbage it is, without failing', () => {
    const msg = decodeInvertedStun(hex('fefeffe7 deed5bbd 57e7f5473dbf3e88d5f0d444 7fd6fff7 57e90b0e27b36070 fffbfff7 fffe 5cb2c0a80140'));
    assert.deepEqual(msg?.address, { host: '63.87.254.191', port: 0xa34d });
  });
  it('refuses truncated attributes and a declared length beyond the datagram', () => {
    assert.equal(decodeInvertedStun(hex('fefeffe7 deed5bbd 57e7f5473dbf3e88d5f0d444 7fd6fff7 57e9')), null);
    assert.equal(decodeInvertedStun(hex('fefeff00 deed5bbd 57e7f5473dbf3e88d5f0d444')), null);
  });
});

interface Captured {
  n: number;
  header: string;
  body: string;
  expect: PtcpBody | null;
}

const T5: Captured[] = [
  { n: 1, header: '50544350 00000000 00000000 0002ffff 00000000 00000000', body: '00030100', expect: { type: 'syn' } },
  { n: 2, header: '50544350 00000000 00000004 0002ffff 3d9c86ea 00000000', body: '00030100', expect: { type: 'syn' } },
  { n: 3, header: '50544350 00000004 00000004 0000ffff 00000001 3d9c86ea', body: '17000000 00000000 00000000', expect: { type: 'sign-request' } },
  { n: 4, header: '50544350 00000004 00000010 0000fff3 3d9c8794 00000001', body: '18000000 00000000 00000000 dc739b7f', expect: { type: 'sign-reply', sign: hex('dc739b7f') } },
  { n: 5, header: '50544350 00000010 00000014 0000fffe 00000002 3d9c8794', body: '', expect: null },
  { n: 8, header: '50544350 00000004 00000004 0000ffff 00000001 3d9c891a', body: '19000000 00000000 00000000 dc739b7f', expect: { type: 'auth', sign: hex('dc739b7f') } },
  { n: 9, header: '50544350 00000004 00000014 0000ffef 3d9c8974 00000001', body: '', expect: null },
  { n: 10, header: '50544350 00000004 00000014 0000ffef 3d9c8974 00000001', body: '1a000000 00000000 00000000 a115bfff', expect: { type: 'auth-reply', token: hex('a115bfff') } },
  { n: 11, header: '50544350 00000014 00000014 0000fffe 00000002 3d9c8974', body: '1b000000 00000000 00000000', expect: { type: 'auth-done' } },
  { n: 13, header: '50544350 00000020 00000014 0000fffd 00000003 3d9c89ce', body: '11000000 fb1e1b58 00000000 0000022a 7f000001', expect: { type: 'bind', realm: 0xfb1e1b58, port: 554, ip: '127.0.0.1' } },
  {
    n: 15,
    header: '50544350 00000014 00000034 0000ffcf 3d9c8a0a 00000003',
    body: '12000000 fb1e1b58 00000000 434f4e4e',
    expect: { type: 'status', realm: 0xfb1e1b58, status: 'CONN', text: Buffer.from('CONN') },
  },
  { n: 18, header: '50544350 00000557 00000701 0000f902 3d9c8d5c 0000000c', body: '13000000 00000000 00000000', expect: { type: 'heartbeat' } },
  { n: 19, header: '50544350 00000701 00000563 0000fff7 0000000e 3d9c8d5c', body: '', expect: null },
  {
    n: 99,
    header: '50544350 00000701 00000563 0000fff6 0000000f 3d9c8d5c',
    body: '12000000 fb1e1b58 00000000 44495343',
    expect: { type: 'status', realm: 0xfb1e1b58, status: 'DISC', text: Buffer.from('DISC') },
  },
];

describe('PTCP packets (T5)', () => {
  for (const c of T5) {
    it(`decodes and re-encodes packet #${c.n}`, () => {
      const wire = hex(c.header + c.body);
      const pkt = decodePtcp(wire);
      assert.ok(pkt);
      const h = hex(c.header);
      assert.deepEqual([pkt.sent, pkt.recv, pkt.pid, pkt.lmid, pkt.rmid], [4, 8, 12, 16, 20].map((o) => h.readUInt32BE(o)));
      if (c.expect === null) assert.equal(pkt.body.length, 0, 'a pure ACK');
      else {
        const body = decodeBody(pkt.body);
        assert.deepEqual(body, c.expect);
        assert.equal(encodePtcp(pkt, encodeBody(body)).toString('hex'), wire.toString('hex'));
        // the session's path: the body encoded once into its datagram, the header filled in when it leaves
        const inPlace = writePtcpHeader(encodeBodyBehindHeader(body), pkt.sent, pkt.recv, pkt.pid, pkt.lmid, pkt.rmid);
        assert.equal(inPlace.toString('hex'), wire.toString('hex'));
      }
      assert.equal(encodePtcp(pkt, pkt.body).toString('hex'), wire.toString('hex'));
    });
  }

  it('decodes the captured 148-byte DATA (#16) carrying the RTSP OPTIONS', () => {
    const rtsp = 'OPTIONS rtsp://127.0.0.1:554/cam/realmonitor?channel=6&subtype=0 RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf61.1.100\r\n\r\n';
    assert.equal(rtsp.length, 112);
    const wire = Buffer.concat([hex('50544350 00000034 00000024 0000fffc 00000004 3d9c8a0a 10000070 fb1e1b58 00000000'), Buffer.from(rtsp)]);
    assert.equal(wire.length, 148);
    const pkt = decodePtcp(wire);
    assert.ok(pkt);
    const body = decodeBody(pkt.body);
    assert.equal(body.type, 'data');
    assert.equal(body.type === 'data' && body.realm, 0xfb1e1b58);
    assert.equal(body.type === 'data' && body.payload.toString(), rtsp);
    assert.ok(encodePtcp(pkt, encodeBody(body)).equals(wire));
    assert.ok(writePtcpHeader(encodeBodyBehindHeader(body), pkt.sent, pkt.recv, pkt.pid, pkt.lmid, pkt.rmid).equals(wire));
  });

  it('returns DATA whose 24-bit length disagrees with the datagram as unknown, not as data', () => {
    const body = decodeBody(hex('10000071 fb1e1b58 00000000 41424344'));
    assert.equal(body.type, 'unknown');
  });

  it('keeps 0x12 bodies that are not CONN/DISC opaque, and a new type as unknown', () => {
    const other = decodeBody(hex('12000000 00000001 00000000 01020304'));
    assert.equal(other.type === 'status' && other.status, 'other');
    const seenByPabloromeo = decodeBody(hex('12000b34 00000001 00000000 01020304'));
    assert.equal(seenByPabloromeo.type, 'unknown');
    const unknown = decodeBody(hex('14000000 00000000 00000000'));
    assert.deepEqual(unknown.type === 'unknown' && [unknown.code, unknown.why], [0x14, 'type 0x14']);
  });
});

describe('serial-number arithmetic', () => {
  it('orders offsets across the 2^32 wrap', () => {
    assert.ok(seqLt(0xfffffff0, 0x10));
    assert.ok(!seqLt(0x10, 0xfffffff0));
    assert.equal(seqDiff(0x10, 0xfffffff0), 0x20);
    assert.equal(seqAdd(0xfffffffc, 8), 4);
    assert.equal(seqMax(0xfffffff0, 0x10), 0x10);
  });
});
