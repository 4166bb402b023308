// The PTCP session: the captured exchanges replayed byte for byte (both roles), then the
// reliability rules over in-process links that lose, duplicate and reorder datagrams.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { FaultInjector } from '../../sim/dahua/fault-injector';
import { PtcpBody, decodeBody, decodePtcp, encodeBody, encodePtcp } from '../../nodes/dahua/ptcp-packet';
import { PtcpSession, PtcpSessionOptions } from '../../nodes/dahua/ptcp-session';
import { seededRandom } from '../support/ffmpeg';
import { waitFor } from '../support/node-red';
import { fuzzIterations, fuzzRandom } from '../fuzz/fuzz-support';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const REALM = 0xfb1e1b58;
const OPTIONS_REQUEST = 'OPTIONS rtsp://127.0.0.1:554/cam/realmonitor?channel=6&subtype=0 RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf61.1.100\r\n\r\n';

describe('PTCP session replays the captured log (T5)', () => {
  it('as the client towards the relay agent: SYN, sign request, ACK (#1–#5)', async () => {
    const out: Buffer[] = [];
    let sign: Buffer | null = null;
    const s = new PtcpSession({
      role: 'client',
      send: (d) => out.push(d),
      onOpen: () => s.sendBody({ type: 'sign-request' }),
      onBody: (b) => {
        if (b.type === 'sign-reply') sign = b.sign;
      },
      heartbeatMs: 0,
    });
    s.start();
    assert.equal(out.shift()?.toString('hex'), hex('50544350 00000000 00000000 0002ffff 00000000 00000000 00030100').toString('hex'));
    s.receive(hex('50544350 00000000 00000004 0002ffff 3d9c86ea 00000000 00030100'));
    assert.equal(out.shift()?.toString('hex'), hex('50544350 00000004 00000004 0000ffff 00000001 3d9c86ea 17000000 00000000 00000000').toString('hex'));
    s.receive(hex('50544350 00000004 00000010 0000fff3 3d9c8794 00000001 18000000 00000000 00000000 dc739b7f'));
    await immediate();
    assert.deepEqual(sign, hex('dc739b7f'));
    assert.equal(out.shift()?.toString('hex'), hex('50544350 00000010 00000014 0000fffe 00000002 3d9c8794').toString('hex'));
    assert.equal(out.length, 0);
    s.close();
  });

  it('as the client towards the device: SYN, AUTH, AUTH done, BIND, DATA (#6–#17)', async () => {
    const out: Buffer[] = [];
    const s = new PtcpSession({
      role: 'client',
      send: (d) => out.push(d),
      onOpen: () => s.sendBody({ type: 'auth', sign: hex('dc739b7f') }),
      onBody: (b) => {
        if (b.type === 'auth-reply') s.sendBody({ type: 'auth-done' });
        if (b.type === 'status' && b.status === 'CONN') s.sendBody({ type: 'data', realm: REALM, payload: Buffer.from(OPTIONS_REQUEST) });
      },
      heartbeatMs: 0,
    });
    const expectOut = async (wire: string): Promise<void> => {
      await immediate();
      assert.equal(out.shift()?.toString('hex'), hex(wire).toString('hex'));
      assert.equal(out.length, 0, 'nothing else sent');
    };
    s.start();
    await expectOut('50544350 00000000 00000000 0002ffff 00000000 00000000 00030100');
    s.receive(hex('50544350 00000000 00000004 0002ffff 3d9c891a 00000000 00030100'));
    await expectOut('50544350 00000004 00000004 0000ffff 00000001 3d9c891a 19000000 00000000 00000000 dc739b7f');
    s.receive(hex('50544350 00000004 00000014 0000ffef 3d9c8974 00000001'));
    s.receive(hex('50544350 00000004 00000014 0000ffef 3d9c8974 00000001 1a000000 00000000 00000000 a115bfff'));
    await expectOut('50544350 00000014 00000014 0000fffe 00000002 3d9c8974 1b000000 00000000 00000000');
    s.receive(hex('50544350 00000014 00000020 0000ffe3 3d9c89ce 00000002'));
    s.sendBody({ type: 'bind', realm: REALM, port: 554, ip: '127.0.0.1' });
    await expectOut('50544350 00000020 00000014 0000fffd 00000003 3d9c89ce 11000000 fb1e1b58 00000000 0000022a 7f000001');
    s.receive(hex('50544350 00000014 00000034 0000ffcf 3d9c8a0a 00000003'));
    s.receive(hex('50544350 00000014 00000034 0000ffcf 3d9c8a0a 00000003 12000000 fb1e1b58 00000000 434f4e4e'));
    await immediate();
    const data = out.shift();
    assert.ok(data);
    assert.equal(data.length, 148);
    assert.equal(data.subarray(0, 36).toString('hex'), hex('50544350 00000034 00000024 0000fffc 00000004 3d9c8a0a 10000070 fb1e1b58 00000000').toString('hex'));
    assert.equal(data.subarray(36).toString(), OPTIONS_REQUEST);
    s.receive(hex('50544350 00000024 000000b0 0000ff53 3d9c8a96 00000004'));
    assert.equal(s.bytesInFlight, 0, 'the device ACK (#17) covers the DATA');
    await immediate();
    assert.equal(out.length, 0, 'a pure ACK is never acked');
    s.close();
  });

  it('as the device: SYN reply, separate ACK then AUTH reply, ACK, ACK then CONN (#7–#15)', async () => {
    let clock = 0;
    const out: Buffer[] = [];
    const s = new PtcpSession({
      role: 'device',
      now: () => clock,
      lmidBase: 0x3d9c891a,
      send: (d) => out.push(d),
      onBody: (b) => {
        if (b.type === 'auth') s.sendBody({ type: 'auth-reply', token: hex('a115bfff') });
        if (b.type === 'bind') s.sendBody({ type: 'status', realm: b.realm, status: 'CONN' });
      },
      heartbeatMs: 0,
    });
    s.start();
    const step = (at: number, input: string, ...expected: string[]): void => {
      clock = at - 0x3d9c891a;
      s.receive(hex(input));
      assert.deepEqual(
        out.splice(0).map((d) => d.toString('hex')),
        expected.map((e) => hex(e).toString('hex')),
      );
    };
    step(0x3d9c891a, '50544350 00000000 00000000 0002ffff 00000000 00000000 00030100', '50544350 00000000 00000004 0002ffff 3d9c891a 00000000 00030100');
    step(
      0x3d9c8974,
      '50544350 00000004 00000004 0000ffff 00000001 3d9c891a 19000000 00000000 00000000 dc739b7f',
      '50544350 00000004 00000014 0000ffef 3d9c8974 00000001',
      '50544350 00000004 00000014 0000ffef 3d9c8974 00000001 1a000000 00000000 00000000 a115bfff',
    );
    step(0x3d9c89ce, '50544350 00000014 00000014 0000fffe 00000002 3d9c8974 1b000000 00000000 00000000', '50544350 00000014 00000020 0000ffe3 3d9c89ce 00000002');
    step(
      0x3d9c8a0a,
      '50544350 00000020 00000014 0000fffd 00000003 3d9c89ce 11000000 fb1e1b58 00000000 0000022a 7f000001',
      '50544350 00000014 00000034 0000ffcf 3d9c8a0a 00000003',
      '50544350 00000014 00000034 0000ffcf 3d9c8a0a 00000003 12000000 fb1e1b58 00000000 434f4e4e',
    );
    s.close();
  });
});

/** A client/device pair joined by two fault injectors; datagrams always cross asynchronously. */
function linkedPair(faults: { loss?: number; duplicate?: number; reorder?: number }, seed: number, extra: Partial<PtcpSessionOptions> = {}) {
  const random = seededRandom(seed);
  const got = { client: [] as PtcpBody[], device: [] as PtcpBody[] };
  let client!: PtcpSession;
  let device!: PtcpSession;
  const toDevice = new FaultInjector((d) => setImmediate(() => device.receive(d)), { ...faults, random });
  const toClient = new FaultInjector((d) => setImmediate(() => client.receive(d)), { ...faults, random });
  const common = { heartbeatMs: 0, minRtoMs: 50, initialRtoMs: 100, ...extra };
  client = new PtcpSession({ role: 'client', send: (d) => toDevice.pass(d), onBody: (b) => got.client.push(b), ...common });
  device = new PtcpSession({ role: 'device', send: (d) => toClient.pass(d), onBody: (b) => got.device.push(b), ...common });
  device.start();
  client.start();
  const close = (): void => {
    client.close();
    device.close();
    toDevice.close();
    toClient.close();
  };
  return { client, device, got, toDevice, toClient, close };
}

function payloadOf(bodies: PtcpBody[]): Buffer {
  return Buffer.concat(bodies.filter((b) => b.type === 'data').map((b) => (b.type === 'data' ? b.payload : Buffer.alloc(0))));
}

function pattern(bytes: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Writes `data` as DATA bodies of at most 1280 bytes, respecting the session's back-pressure. */
async function pushData(s: PtcpSession, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; at += 1280) {
    if (!s.writable) await waitFor(() => s.writable, 60_000, 'session writable');
    s.sendBody({ type: 'data', realm: 1, payload: data.subarray(at, at + 1280) });
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('PTCP session reliability', () => {
  it('moves 2 MB each way intact through 3 % loss, duplication and reordering', async () => {
    const link = linkedPair({ loss: 0.03, duplicate: 0.03, reorder: 0.03 }, 7);
    try {
      await waitFor(() => link.client.state === 'open' && link.device.state === 'open', 20_000, 'open');
      const up = pattern(2 * 1024 * 1024, 1);
      const down = pattern(2 * 1024 * 1024 + 77, 2);
      await Promise.all([pushData(link.client, up), pushData(link.device, down)]);
      await waitFor(() => payloadOf(link.got.device).length >= up.length && payloadOf(link.got.client).length >= down.length, 120_000, 'all data');
      assert.equal(sha(payloadOf(link.got.device)), sha(up));
      assert.equal(sha(payloadOf(link.got.client)), sha(down));
      const c = link.client.stats;
      const d = link.device.stats;
      assert.ok(c.retransmissions > 0 && d.retransmissions > 0, 'losses were repaired by retransmission');
      assert.ok(c.duplicates > 0 && d.duplicates > 0, 'duplicates were seen and dropped');
      assert.ok(c.outOfOrder > 0 && d.outOfOrder > 0, 'early packets were buffered');
      assert.ok(link.toDevice.stats.dropped > 0 && link.toClient.stats.duplicated > 0 && link.toClient.stats.reordered > 0);
    } finally {
      link.close();
    }
  });

  it('crosses the 2^32 wrap of sent/recv', async () => {
    const link = linkedPair({ loss: 0.02, reorder: 0.02 }, 9, { firstOffset: 0xffffffff - 300_000 });
    try {
      await waitFor(() => link.client.state === 'open' && link.device.state === 'open', 20_000, 'open');
      const up = pattern(700_000, 3);
      await pushData(link.client, up);
      await waitFor(() => payloadOf(link.got.device).length >= up.length, 60_000, 'all data');
      assert.equal(sha(payloadOf(link.got.device)), sha(up));
    } finally {
      link.close();
    }
  });

  it('delivers a retransmitted DATA once and acks both copies with the same recv (T5 #20)', async () => {
    const out: Buffer[] = [];
    const got: PtcpBody[] = [];
    const s = new PtcpSession({ role: 'client', send: (d) => out.push(d), onBody: (b) => got.push(b), heartbeatMs: 0 });
    s.start();
    s.receive(encodePtcp({ sent: 0, recv: 4, pid: 0x2ffff, lmid: 100, rmid: 0 }, encodeBody({ type: 'syn' })));
    await immediate();
    out.length = 0;
    const dataPacket = encodePtcp({ sent: 4, recv: 4, pid: 0xffff, lmid: 101, rmid: 0 }, encodeBody({ type: 'data', realm: REALM, payload: Buffer.alloc(101, 0x41) }));
    const recvOfAcks: number[] = [];
    for (let i = 0; i < 2; i++) {
      s.receive(dataPacket);
      await immediate();
      for (const d of out.splice(0)) recvOfAcks.push(decodePtcp(d)!.recv);
    }
    assert.equal(got.length, 1);
    assert.deepEqual(recvOfAcks, [4 + 113, 4 + 113]);
    assert.equal(s.stats.duplicates, 1);
    s.close();
  });

  it('acks an unknown body type, keeps going, and never delivers it', async () => {
    const out: Buffer[] = [];
    const got: PtcpBody[] = [];
    const oddities: string[] = [];
    const s = new PtcpSession({ role: 'client', send: (d) => out.push(d), onBody: (b) => got.push(b), onOddity: (w) => oddities.push(w), heartbeatMs: 0 });
    s.start();
    s.receive(encodePtcp({ sent: 0, recv: 4, pid: 0x2ffff, lmid: 1, rmid: 0 }, encodeBody({ type: 'syn' })));
    s.receive(encodePtcp({ sent: 4, recv: 4, pid: 0xffff, lmid: 2, rmid: 0 }, hex('14000000 00000000 00000000')));
    s.receive(encodePtcp({ sent: 16, recv: 4, pid: 0xffff, lmid: 3, rmid: 0 }, encodeBody({ type: 'heartbeat' })));
    s.receive(Buffer.from('PTC')); // not even a header
    await immediate();
    assert.deepEqual(got, [{ type: 'heartbeat' }]);
    assert.equal(s.stats.unknownBodies, 1);
    assert.equal(s.stats.malformed, 1);
    assert.equal(decodePtcp(out[out.length - 1])!.recv, 28, 'recv covers the unknown body');
    assert.ok(oddities.some((o) => o.includes('0x14')));
    assert.equal(s.state, 'open');
    s.close();
  });

  it('keeps out-of-order data within its bound and caps bytes in flight', async () => {
    const out: Buffer[] = [];
    const s = new PtcpSession({ role: 'client', send: (d) => out.push(d), heartbeatMs: 0, maxOutOfOrderBytes: 10_000, maxInFlightBytes: 8000, initialRtoMs: 60_000 });
    s.start();
    s.receive(encodePtcp({ sent: 0, recv: 4, pid: 0x2ffff, lmid: 1, rmid: 0 }, encodeBody({ type: 'syn' })));
    // a gap at 4, then 40 packets of 1292 bytes beyond it
    for (let i = 1; i <= 40; i++) {
      s.receive(encodePtcp({ sent: 4 + i * 1292, recv: 4, pid: 0, lmid: 1, rmid: 0 }, encodeBody({ type: 'data', realm: 1, payload: Buffer.alloc(1280) })));
    }
    assert.ok(s.stats.outOfOrderDropped > 0, 'packets beyond the bound are dropped');
    assert.equal(s.stats.outOfOrder, 40);
    for (let i = 0; i < 20; i++) s.sendBody({ type: 'data', realm: 1, payload: Buffer.alloc(1280) });
    assert.ok(s.bytesInFlight <= 8000, `in flight ${s.bytesInFlight}`);
    assert.ok(s.queuedBytes > 0, 'the rest waits in the queue');
    s.close();
  });

  it('declares a silent peer dead and reports why', async () => {
    let reason: string | null = null;
    const s = new PtcpSession({ role: 'client', send: () => {}, onDead: (r) => (reason = r), initialRtoMs: 50, deadAfterMs: 400, heartbeatMs: 0 });
    s.start();
    await waitFor(() => reason !== null, 20_000, 'dead');
    assert.match(reason ?? '', /no acknowledgement/);
    assert.equal(s.state, 'closed');
    assert.ok(s.stats.retransmissions >= 1, 'the SYN was resent before giving up');
  });

  it('sends heartbeats both ways and answers each with an ACK', async () => {
    const link = linkedPair({}, 5, { heartbeatMs: 300 });
    try {
      await waitFor(() => link.got.client.some((b) => b.type === 'heartbeat') && link.got.device.some((b) => b.type === 'heartbeat'), 20_000, 'heartbeats');
      await waitFor(() => link.client.bytesInFlight === 0 && link.device.bytesInFlight === 0, 20_000, 'acked');
    } finally {
      link.close();
    }
  });

  it('fuzz: survives a stream of mutated datagrams after the handshake', async () => {
    const random = fuzzRandom(77);
    const s = new PtcpSession({ role: 'client', send: () => {}, heartbeatMs: 0 });
    s.start();
    s.receive(encodePtcp({ sent: 0, recv: 4, pid: 0x2ffff, lmid: 1, rmid: 0 }, encodeBody({ type: 'syn' })));
    const iterations = fuzzIterations(20_000);
    for (let i = 0; i < iterations; i++) {
      const body = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
      if (body.length > 0 && random() < 0.5) body[0] = 0x10 + Math.floor(random() * 12);
      const sent = random() < 0.5 ? 4 + Math.floor(random() * 100) : Math.floor(random() * 2 ** 32);
      s.receive(encodePtcp({ sent, recv: Math.floor(random() * 2 ** 32), pid: 0, lmid: i, rmid: 0 }, body));
    }
    assert.notEqual(s.state, 'closed');
    s.close();
    assert.equal(decodeBody(Buffer.alloc(0)).type, 'unknown');
  });
});
