// Fuzzing the miIO codec: random and mutated packets (around the spec's V2/V4 vectors) through the
// header parser, the checksum and decryption, and the JSON reader. Invariants: only MiioError is
// ever thrown, and whatever decodes re-encodes to the same bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MiioError, decodeMiioHeader, decodeMiioPacket, encodeMiioPacket, parseMiioJson, parseToken } from '../../nodes/xiaomi/miio-packet';
import { fuzzIterations, fuzzSeed, mutate, randomBytes, randomInt, seededRandom } from '../fuzz/fuzz-support';

const TOKEN = parseToken('00112233445566778899aabbccddeeff');
const SEEDS = [
  Buffer.from('21310030000000000123456700000000dbcfd26369cf65a172b5737cc131f6de754865dce4359d961e1bfee48e12817e', 'hex'),
  encodeMiioPacket(TOKEN, 0x0001e240, 0x5f5e1000, Buffer.from('{"id":1,"method":"get_ipcprop","params":["all"]}')),
  encodeMiioPacket(TOKEN, 1, 2, Buffer.from('{"id":7,"result":{"p2p_id":"x"}}\0')),
  Buffer.concat([Buffer.from([0x21, 0x31, 0x00, 0x20]), Buffer.alloc(28, 0xff)]),
];
const TOKENS = [Buffer.from([0x21, 0x31]), Buffer.from([0x00, 0x20]), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0x00, 0x00])];

describe('miIO codec fuzz', () => {
  const iterations = fuzzIterations(20_000);
  it(`decodes ${iterations} random and mutated packets with only MiioError`, () => {
    const seed = fuzzSeed();
    let decoded = 0;
    for (let n = 0; n < iterations; n++) {
      const random = seededRandom(seed + n);
      let packet = random() < 0.2 ? randomBytes(random, randomInt(random, 200)) : SEEDS[randomInt(random, SEEDS.length)];
      for (let m = randomInt(random, 3); m > 0; m--) packet = mutate(random, packet, TOKENS);
      // Mutants keep a valid checksum now and then, so that decryption and JSON get fuzzed too.
      if (random() < 0.3 && packet.length > 32 && (packet.length - 32) % 16 === 0) {
        try {
          const h = decodeMiioHeader(packet);
          packet = encodeMiioPacket(TOKEN, h.did, h.stamp, randomBytes(random, randomInt(random, 64)));
        } catch (err) {
          if (!(err instanceof MiioError)) throw err;
        }
      }
      try {
        const { header, plaintext } = decodeMiioPacket(random() < 0.9 ? TOKEN : randomBytes(random, 16), packet);
        assert.ok(header.length >= 32 && header.length <= packet.length);
        if (plaintext.length > 0) {
          decoded++;
          assert.ok(encodeMiioPacket(TOKEN, header.did, header.stamp, plaintext).equals(packet.subarray(0, header.length)), `case ${n}: re-encodes to the same bytes`);
          try {
            parseMiioJson(plaintext);
          } catch (err) {
            if (!(err instanceof MiioError)) throw err;
          }
        }
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        if (!(err instanceof MiioError)) throw new Error(`case ${n} (seed ${seed + n}) threw ${(err as Error)?.stack ?? err} for ${packet.toString('hex')}`);
      }
    }
    assert.ok(decoded > iterations / 20, `a share of the cases got through to decryption (${decoded})`);
  });
});
