// Shared pieces of the fuzz tests. Every fuzz test runs a bounded number of cases in CI and
// more with `npm run fuzz` (which sets P2PCAM_FUZZ_ITERATIONS); a failing case prints its seed
// so it can be replayed with P2PCAM_FUZZ_SEED.
import { seededRandom } from '../support/ffmpeg';

export function fuzzIterations(ciDefault: number): number {
  const fromEnv = Number(process.env.P2PCAM_FUZZ_ITERATIONS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? Math.max(fromEnv, ciDefault) : ciDefault;
}

/**
 * The random source of a fuzz test that fixes its own seed: the same cases in CI every time,
 * and other cases under `npm run fuzz --seed N`, which mixes N in.
 */
export function fuzzRandom(testSeed: number): Random {
  const fromEnv = Number(process.env.P2PCAM_FUZZ_SEED);
  return seededRandom(Number.isFinite(fromEnv) && fromEnv > 0 ? (testSeed ^ fromEnv) >>> 0 : testSeed);
}

export function fuzzSeed(): number {
  const fromEnv = Number(process.env.P2PCAM_FUZZ_SEED);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 0x5eed;
}

export type Random = () => number;

export function randomInt(random: Random, below: number): number {
  return Math.floor(random() * below);
}

export function randomBytes(random: Random, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = randomInt(random, 256);
  return b;
}

/** One mutation of the kinds real links and buggy peers produce. */
export function mutate(random: Random, input: Buffer, tokens: Buffer[] = []): Buffer {
  if (input.length === 0) return randomBytes(random, randomInt(random, 64));
  const at = randomInt(random, input.length);
  switch (randomInt(random, 7)) {
    case 0: { // flip bits
      const out = Buffer.from(input);
      for (let k = 0; k < 1 + randomInt(random, 8); k++) out[randomInt(random, out.length)] ^= 1 << randomInt(random, 8);
      return out;
    }
    case 1: // truncate
      return input.subarray(0, at);
    case 2: // drop a run
      return Buffer.concat([input.subarray(0, at), input.subarray(Math.min(input.length, at + 1 + randomInt(random, 512)))]);
    case 3: // insert random bytes
      return Buffer.concat([input.subarray(0, at), randomBytes(random, 1 + randomInt(random, 256)), input.subarray(at)]);
    case 4: // duplicate a run
      return Buffer.concat([input.subarray(0, at), input.subarray(at, at + 1 + randomInt(random, 2048)), input.subarray(at)]);
    case 5: // insert a token the parser treats specially
      return tokens.length ? Buffer.concat([input.subarray(0, at), tokens[randomInt(random, tokens.length)], input.subarray(at)]) : input;
    default: { // overwrite with zeros or FF
      const out = Buffer.from(input);
      out.fill(random() < 0.5 ? 0 : 0xff, at, Math.min(out.length, at + 1 + randomInt(random, 32)));
      return out;
    }
  }
}

/** Cuts a buffer at random places, sometimes into empty pieces. */
export function randomChunks(random: Random, data: Buffer, maxChunk = 4096): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < data.length) {
    const n = random() < 0.05 ? 0 : 1 + randomInt(random, maxChunk);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

export { seededRandom };
