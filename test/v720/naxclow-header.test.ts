// The header codec, the JSON reader and the TCP framer against the spec's captured and
// synthesized byte vectors (spec §7).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cmd, FORWARD_ID_DEVICE, MsgFlag, decodeConfirm, decodeDatagram, decodePacketAt, encodeBare, encodeConfirm, encodeJson, encodePacket } from '../../nodes/v720/naxclow-header';
import { contentOf, parseMessage } from '../../nodes/v720/naxclow-json';
import { NaxclowFramer } from '../../nodes/v720/tcp-framer';
import { CAPTURED_UID, CLI_TARGET, V } from './spec-vectors';

describe('naxclow header codec', () => {
  it('decodes the captured registration (code 100) and heartbeat', () => {
    const reg = decodeDatagram(V.register100)!;
    assert.equal(V.register100.length, 107);
    assert.deepEqual({ cmd: reg.cmd, msgFlag: reg.msgFlag, dealFlag: reg.dealFlag, pkgId: reg.pkgId }, { cmd: 0, msgFlag: 0, dealFlag: 0, pkgId: 0 });
    assert.ok(reg.forwardId.equals(FORWARD_ID_DEVICE));
    assert.deepEqual(parseMessage(reg.payload), { code: 100, uid: CAPTURED_UID, token: '91edf41f', domain: 'v720.naxclow.com' });
    const hb = decodeDatagram(V.heartbeatCamera)!;
    assert.equal(hb.cmd, Cmd.HEARTBEAT);
    assert.equal(hb.payload.length, 0);
    assert.ok(encodeBare(Cmd.HEARTBEAT, { forwardId: FORWARD_ID_DEVICE }).equals(V.heartbeatCamera));
  });

  it('encodes the 101 replies of the real cloud and of the fake byte for byte', () => {
    const real = encodePacket({ cmd: 0, msgFlag: MsgFlag.FINISH, forwardId: Buffer.alloc(8, 0xff), payload: Buffer.from('{"code":101,"status":200}') });
    assert.ok(real.equals(V.reply101Real));
    const fake = encodePacket({ cmd: 0, payload: Buffer.from('{"code": 101, "status": 200}') });
    assert.ok(fake.equals(V.reply101Fake));
    assert.deepEqual(parseMessage(decodeDatagram(V.reply101Real)!.payload), { code: 101, status: 200 });
  });

  it('encodes the synthesized signalling vectors', () => {
    assert.ok(encodeBare(Cmd.HEARTBEAT).equals(V.heartbeatApp));
    assert.ok(encodeJson({ code: 20 }).equals(V.code20));
    assert.ok(encodeJson({ code: 50 }).equals(V.code50));
    assert.ok(encodeJson({ code: 53, status: 1 }).equals(V.code53));
    assert.ok(encodeJson({ code: 21, ip: '192.168.1.50', port: 40001 }).equals(V.code21));
    assert.ok(encodeJson({ code: 51, devTarget: CAPTURED_UID, status: 200 }).equals(V.code51));
    assert.ok(encodeJson({ code: 301, target: CLI_TARGET, content: { code: 3 } }).equals(V.forward3));
    assert.ok(encodeJson({ code: 301, target: CLI_TARGET, content: { code: 0 } }).equals(V.forward0));
    assert.ok(encodeJson({ code: 301, target: CLI_TARGET, content: { code: 298 } }).equals(V.forward298));
    assert.ok(encodeBare(Cmd.LIVE_MOTION).equals(V.apHello));
    assert.ok(encodeJson({ code: 502, content: { code: 3, devTarget: 'deadbeef' } }).equals(V.ap502start));
    assert.deepEqual(contentOf(parseMessage(decodeDatagram(V.forward298)!.payload)!), { code: 298 });
  });

  it('encodes and decodes 605 confirms', () => {
    assert.ok(encodeConfirm([]).equals(V.confirmEmpty));
    assert.ok(encodeConfirm([2802, 2803, 2804]).equals(V.confirm3));
    const ids = Array.from({ length: 26 }, (_, i) => 2802 + i);
    const full = encodeConfirm(ids);
    assert.ok(full.subarray(0, 20).equals(V.confirm605Prefix));
    assert.deepEqual(decodeConfirm(decodeDatagram(full)!.payload), ids);
    assert.deepEqual(decodeConfirm(Buffer.from([1, 0, 0, 0, 9])), [1], 'a trailing partial id is ignored');
  });

  it('reads the captured JPEG fragment headers', () => {
    const body = decodePacketAt(Buffer.concat([V.jpegBodyHeader, Buffer.alloc(1004)]))!;
    assert.deepEqual([body.cmd, body.msgFlag, body.pkgId, body.payload.length], [Cmd.JPEG, MsgFlag.BODY, 2803, 1004]);
    const end = decodePacketAt(Buffer.concat([V.jpegEndHeader, Buffer.alloc(680)]))!;
    assert.deepEqual([end.cmd, end.msgFlag, end.pkgId, end.payload.length], [Cmd.JPEG, MsgFlag.END, 2827, 680]);
    assert.equal(25 * 1004 + 680, 25780, 'frame 2802…2827 adds up to the captured total');
  });

  it('refuses datagrams whose announced length does not match their size', () => {
    assert.equal(decodeDatagram(V.code20.subarray(0, 25)), null);
    assert.equal(decodeDatagram(Buffer.concat([V.code20, Buffer.from([0])])), null);
    assert.equal(decodeDatagram(Buffer.alloc(19)), null);
  });

  it('reads spaced and NUL-padded JSON, and refuses what is not an object with a code', () => {
    assert.deepEqual(parseMessage(Buffer.from('\0\0{"code": "12" , "status":200}\0')), { code: 12, status: 200 });
    for (const bad of ['', '[]', '{"code":1.5}', '{"nocode":1}', 'null', '{"code":', '\0\0\0', '{"code":"abc"}']) {
      assert.equal(parseMessage(Buffer.from(bad)), null, bad);
    }
    assert.equal(parseMessage(Buffer.alloc(20_000, 0x20)), null, 'oversized payloads are not parsed');
  });
});

describe('naxclow TCP framer', () => {
  const stream = Buffer.concat([V.register100, V.heartbeatCamera, V.forward3, V.heartbeatCamera, V.code51]);

  it('cuts packets split and merged across reads at every possible place', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (const b of [a, Math.min(stream.length, a + 1), Math.min(stream.length, a + 57)]) {
        const framer = new NaxclowFramer();
        const got = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)].flatMap((c) => framer.push(c).packets);
        assert.deepEqual(got.map((p) => p.cmd), [0, 100, 0, 100, 0], `cut at ${a}/${b}`);
        assert.deepEqual(parseMessage(got[2].payload), { code: 301, target: CLI_TARGET, content: { code: 3 } });
        assert.equal(framer.pendingBytes, 0);
      }
    }
  });

  it('one byte per read', () => {
    const framer = new NaxclowFramer();
    const got = [...stream].flatMap((byte) => framer.push(Buffer.from([byte])).packets);
    assert.equal(got.length, 5);
    assert.ok(encodePacket(got[4]).equals(V.code51));
  });

  it('reports a length over the cap as a broken stream and holds nothing', () => {
    const framer = new NaxclowFramer(8092);
    const big = Buffer.alloc(20);
    big.writeUInt32LE(8073, 0);
    const r = framer.push(Buffer.concat([V.heartbeatCamera, big]));
    assert.equal(r.packets.length, 1);
    assert.match(r.error!, /over the 8092-byte limit/);
    assert.equal(framer.pendingBytes, 0);
    assert.match(framer.push(V.heartbeatCamera).error!, /broken/);
    const ok = new NaxclowFramer(8092);
    const max = encodePacket({ cmd: 1, payload: Buffer.alloc(8072) });
    assert.equal(ok.push(max).packets.length, 1, 'exactly 8092 bytes is allowed');
  });
});
