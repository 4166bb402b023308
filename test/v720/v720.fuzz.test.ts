// Fuzzing every V720 parser: the header, the TCP framer, the JSON reader, the HTTP bootstrap
// request parser, the UDP media channel, the AP-mode catalogue reader and the AP client's
// reading of a camera's TCP stream, 20,000 cases each in CI (P2PCAM_FUZZ_ITERATIONS
// raises it). Invariants: nothing throws, buffers stay capped, and a datagram from an address
// that is not a camera's bound peer never reaches that camera.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cmd, HEADER_LENGTH, MsgFlag, NaxclowPacket, decodeDatagram, decodePacketAt, encodeJson, encodePacket } from '../../nodes/v720/naxclow-header';
import { parseJsonObject, parseMessage } from '../../nodes/v720/naxclow-json';
import { NaxclowFramer } from '../../nodes/v720/tcp-framer';
import { MAX_URL_LENGTH, parseBootstrapRequest } from '../../nodes/v720/bootstrap-api';
import { MediaChannel } from '../../nodes/v720/media-channel';
import { JpegReassembler, fragmentJpeg } from '../../nodes/v720/jpeg-reassembler';
import { ApClient } from '../../nodes/v720/ap-client';
import { catalogueXml, parseCatalogue } from '../../nodes/v720/ap-sdcard';
import { fuzzIterations, fuzzSeed, mutate, randomBytes, randomChunks, randomInt, seededRandom } from '../fuzz/fuzz-support';
import { V } from './spec-vectors';

const ITERATIONS = fuzzIterations(20_000);
const SAMPLES = Object.values(V);
const TOKENS = [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0x14, 0, 0, 0]), Buffer.from('{"code":'), Buffer.from('}'), Buffer.from([0]), V.heartbeatApp, Buffer.from('"content":{"code":4}')];

function sample(random: () => number): Buffer {
  let data: Buffer = SAMPLES[randomInt(random, SAMPLES.length)];
  if (random() < 0.3) data = Buffer.concat([data, SAMPLES[randomInt(random, SAMPLES.length)]]);
  for (let m = randomInt(random, 4); m > 0; m--) data = mutate(random, data, TOKENS);
  return random() < 0.05 ? randomBytes(random, randomInt(random, 64)) : data;
}

function eachCase(name: string, body: (random: () => number) => void): void {
  it(`${name}: ${ITERATIONS} cases`, () => {
    const seed = fuzzSeed();
    for (let n = 0; n < ITERATIONS; n++) {
      try {
        body(seededRandom(seed + n));
      } catch (err) {
        throw new Error(`case ${n} (P2PCAM_FUZZ_SEED=${seed + n}): ${(err as Error).stack}`);
      }
    }
  });
}

describe('v720 parsers fuzz', () => {
  eachCase('header decode', (random) => {
    const data = sample(random);
    const p = decodePacketAt(data, 0);
    if (p) {
      assert.ok(p.payload.length <= data.length - HEADER_LENGTH);
      assert.equal(p.payload.length, data.readUInt32LE(0));
    } else assert.ok(data.length < HEADER_LENGTH || data.readUInt32LE(0) > data.length - HEADER_LENGTH);
    const d = decodeDatagram(data);
    if (d) assert.ok(encodePacket(d).equals(data), 'a datagram that decodes re-encodes to the same bytes');
  });

  eachCase('TCP framer', (random) => {
    const max = 256 + randomInt(random, 8000);
    const framer = new NaxclowFramer(max);
    const stream = Buffer.concat(Array.from({ length: 1 + randomInt(random, 6) }, () => sample(random)));
    for (const chunk of randomChunks(random, stream, 300)) {
      const r = framer.push(chunk);
      for (const p of r.packets) assert.ok(p.payload.length + HEADER_LENGTH <= max);
      assert.ok(framer.pendingBytes < max, `pending ${framer.pendingBytes} under the cap`);
      if (r.error) break;
    }
  });

  eachCase('JSON reader', (random) => {
    const data = random() < 0.5 ? sample(random).subarray(HEADER_LENGTH) : mutate(random, Buffer.from('{"code": 301, "target": "x", "content": {"code": 4, "IrLed": 0}}'), TOKENS);
    const m = parseMessage(data);
    if (m) assert.ok(Number.isInteger(m.code));
    const o = parseJsonObject(data);
    if (o) assert.equal(typeof o, 'object');
  });

  eachCase('HTTP bootstrap request parser', (random) => {
    const base = V.httpConfCheck.toString('latin1').split(' ')[1];
    let url = mutate(random, Buffer.from(base, 'latin1'), [Buffer.from('%'), Buffer.from('&'), Buffer.from('='), Buffer.from('?'), Buffer.from('%zz'), Buffer.from('devicesCode=')]).toString('latin1');
    if (random() < 0.05) url = url.repeat(1 + randomInt(random, 40));
    const method = ['POST', 'GET', 'PUT', undefined][randomInt(random, 4)];
    const r = parseBootstrapRequest(method, url, { version: random() < 0.5 ? '202212011602' : randomBytes(random, 8).toString('latin1') });
    if (r.ok) {
      assert.ok(url.length <= MAX_URL_LENGTH);
      if (r.request.deviceId !== undefined) assert.match(r.request.deviceId, /^[A-Za-z0-9]{1,32}$/);
      if (r.request.firmware !== undefined) assert.match(r.request.firmware, /^[A-Za-z0-9._-]{1,32}$/);
    } else assert.ok([400, 404, 405, 414].includes(r.status));
  });

  eachCase('AP memory-card catalogue', (random) => {
    const xml = catalogueXml(20230124, [{ date: 20230124, hour: 2, minute: 5 }, { date: 20230124, hour: 23, minute: 59 }]);
    const text = mutate(random, Buffer.from(xml), [Buffer.from('minBin="18446744073709551615"'), Buffer.from('<option hours="99" minBin="1"/>'), Buffer.from('"'), Buffer.from('<')]).toString('latin1');
    const c = parseCatalogue(random() < 0.02 ? text.repeat(200) : text);
    if (c) for (const r of c.recordings) assert.ok(r.hour >= 0 && r.hour <= 23 && r.minute >= 0 && r.minute <= 59 && /^\d{12}$/.test(r.name));
  });

  it(`AP client reading a camera's TCP stream: ${ITERATIONS} streams never throw and stay capped`, async () => {
    const seed = fuzzSeed();
    const random = seededRandom(seed);
    let frames = 0;
    let client: ApClient = null as unknown as ApClient;
    const fresh = () => {
      client = new ApClient({ host: '127.0.0.1', maxDownloadBytes: 4096 });
      client.on('video', () => frames++);
    };
    fresh();
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(2500, 5), Buffer.from([0xff, 0xd9])]);
    const pool = [...SAMPLES, ...fragmentJpeg(jpeg).map((f, i) => encodePacket({ cmd: Cmd.JPEG, msgFlag: f.msgFlag, pkgId: 9 + i, payload: f.payload })),
      encodePacket({ cmd: Cmd.XML, payload: Buffer.from(catalogueXml(20230124, [{ date: 20230124, hour: 1, minute: 1 }])) }),
      encodePacket({ cmd: Cmd.AVI, msgFlag: MsgFlag.FINISH, payload: Buffer.alloc(900, 1) }), encodeJson({ code: 502, content: { code: 3 } }), encodeJson({ code: 411, status: 200 })];
    for (let n = 0; n < ITERATIONS; n++) {
      let packet = pool[randomInt(random, pool.length)];
      if (random() < 0.3) packet = mutate(random, packet, TOKENS);
      const c = client as unknown as { onData(chunk: Buffer): void; framer: NaxclowFramer; inbox: unknown[]; closed: boolean };
      try {
        c.onData(packet);
      } catch (err) {
        throw new Error(`case ${n} (P2PCAM_FUZZ_SEED=${seed}): ${(err as Error).stack}`);
      }
      assert.ok(c.framer.pendingBytes < 8092 && c.inbox.length <= 16);
      if (c.closed) fresh(); // a broken stream closes the link, as it should; go on with a new one
    }
    assert.ok(frames > 0, 'whole frames still came through');
    await client.close();
  });

  it(`UDP media channel: ${ITERATIONS} datagrams from strangers and the bound peer`, async () => {
    const seed = fuzzSeed();
    const random = seededRandom(seed);
    const reached: { uid: string; packet: NaxclowPacket }[] = [];
    const probes: string[] = [];
    const channel = new MediaChannel({ probe: (uid) => void probes.push(uid), packet: (uid, packet) => void reached.push({ uid, packet }) });
    const sent: Buffer[] = [];
    (channel as unknown as { send(peer: unknown, packet: Buffer): void }).send = (_peer, packet) => void sent.push(packet);
    const camPeer = { address: '127.0.0.2', port: 40000 };
    channel.bindPeer('CAM1', camPeer);
    const reassembler = new JpegReassembler({ maxBytes: 256 * 1024 });
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(3000, 7), Buffer.from([0xff, 0xd9])]);
    const media = fragmentJpeg(jpeg).map((f, i) => encodePacket({ cmd: Cmd.JPEG, msgFlag: f.msgFlag, pkgId: 100 + i, payload: f.payload }));
    const pool = [...SAMPLES, ...media, encodeJson({ code: 51, devTarget: 'CAM1', status: 200 }), encodeJson({ code: 20 }),
      encodePacket({ cmd: Cmd.G711, msgFlag: MsgFlag.FINISH, payload: Buffer.alloc(320, 0xd5) })];
    let fromPeer = 0;
    for (let n = 0; n < ITERATIONS; n++) {
      let datagram = pool[randomInt(random, pool.length)];
      if (random() < 0.5) datagram = mutate(random, datagram, TOKENS);
      const stranger = random() < 0.7;
      const peer = stranger ? { address: random() < 0.5 ? '127.0.0.2' : '127.0.0.9', port: random() < 0.5 ? 40001 : 40000 + randomInt(random, 3) + 1 } : camPeer;
      const before = reached.length;
      channel.onDatagram(datagram, peer);
      if (stranger) assert.equal(reached.length, before, 'a stranger\'s datagram never reaches the camera');
      else fromPeer++;
      for (const r of reached.slice(before)) reassembler.push({ pkgId: r.packet.pkgId, msgFlag: r.packet.msgFlag, payload: r.packet.payload });
      assert.ok(reassembler.heldBytes <= 256 * 1024);
    }
    assert.ok(reached.length > 0 && reached.length <= fromPeer);
    assert.ok(channel.counts.strangers > 0 && channel.counts.malformed > 0);
    assert.ok(sent.every((p) => decodeDatagram(p) !== null), 'replies (21, 100) are well-formed');
    await channel.close();
  });
});
