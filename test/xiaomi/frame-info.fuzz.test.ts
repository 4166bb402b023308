// Fuzzing the frame-info parser and the keyframe test: random and mutated info blocks of every
// size, with any reported length and profile, and random access units. Invariants: nothing
// throws, the codec agrees with the id, a size is either whole and plausible or absent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FRAME_INFO_PROFILES, codecOfId, isKeyframe, parseFrameInfo } from '../../nodes/xiaomi/frame-info';
import { fuzzIterations, fuzzSeed, mutate, randomBytes, randomInt, seededRandom } from '../fuzz/fuzz-support';

const LAYOUTS = new Set(['none', 'tutk16', 'tutk24', 'xiaomi64', 'wyze']);
const RATES = new Set([8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]);
const SEEDS = [
  Buffer.from('4e000100010000000000000000000000400000003000000000', 'hex'),
  Buffer.from('8a00020001000000000000000000000000', 'hex'),
  Buffer.concat([Buffer.from('500001000101000000000000', 'hex'), Buffer.alloc(52)]),
];
const NAL = [[0, 0, 1, 0x65], [0, 0, 0, 1, 0x67], [0, 0, 1, 0x40, 0x01], [0, 0, 1], [0, 0]].map((b) => Buffer.from(b));

describe('frame info fuzz', () => {
  const iterations = fuzzIterations(20_000);
  it(`parses ${iterations} random and mutated blocks without throwing`, () => {
    const seed = fuzzSeed();
    for (let n = 0; n < iterations; n++) {
      const random = seededRandom(seed + n);
      let info = random() < 0.3 ? randomBytes(random, randomInt(random, 80)) : SEEDS[randomInt(random, SEEDS.length)];
      for (let m = randomInt(random, 3); m > 0; m--) info = mutate(random, info);
      const lengths = [info.length, randomInt(random, 100) - 10, 16, 24, 40, 48, 64, random() * 70];
      const length = lengths[randomInt(random, lengths.length)];
      const profile = FRAME_INFO_PROFILES[randomInt(random, FRAME_INFO_PROFILES.length)];
      try {
        const parsed = parseFrameInfo(info, length, profile);
        assert.ok(LAYOUTS.has(parsed.layout));
        if (parsed.layout !== 'none') assert.equal(parsed.codec, codecOfId(parsed.codecId));
        assert.equal(parsed.width === undefined, parsed.height === undefined, 'width and height come together');
        if (parsed.width !== undefined) assert.ok(parsed.width >= 1 && parsed.width <= 16384 && parsed.height! >= 1 && parsed.height! <= 16384);
        if (parsed.sampleRate !== undefined) assert.ok(RATES.has(parsed.sampleRate));
        assert.ok(parsed.flags >= 0 && parsed.flags <= 255);
        let unit = randomBytes(random, randomInt(random, 64));
        for (let m = randomInt(random, 4); m > 0; m--) unit = mutate(random, unit, NAL);
        const codec = (['h264', 'h265', 'jpeg'] as const)[randomInt(random, 3)];
        assert.equal(typeof isKeyframe(unit, codec, parsed.flags), 'boolean');
      } catch (err) {
        throw new Error(`case ${n} (replay with P2PCAM_FUZZ_SEED=${seed + n} and 1 iteration): ${(err as Error).message}\ninfo ${info.toString('hex')} length ${length} profile ${profile}`);
      }
    }
  });
});
