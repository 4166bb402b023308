// Fuzzing of the 7878 framer, seeded from the spec's vectors: 20,000 cases in CI, more with
// P2PCAM_FUZZ_ITERATIONS. Two families alternate:
// - well-formed streams (vectors joined by NULs, whitespace and brace-free junk, cut at random):
//   exactly the vectors' objects must come out, in order;
// - mutated streams (bytes flipped, inserted, deleted, duplicated, truncated; random caps): no
//   exception, the held bytes never exceed the cap, only objects or errors come out;
// - and the same mutated streams (uncapped) give the same events whether they arrive whole, cut at
//   random or byte by byte: an object inside one chunk is decoded differently (a slice of the
//   chunk's text when it is ASCII, UTF-8 on its own otherwise) from one put together from pieces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FramerEvent, JsonFramer } from '../../nodes/amba/json-framer';
import { CAMERA_TEXTS, MISSING_BRACE } from './vectors';
import { fuzzIterations, fuzzRandom } from '../fuzz/fuzz-support';

const ITERATIONS = fuzzIterations(20_000);
const SEPARATORS = ['', '\u0000', ' ', '\r\n', '\t', 'junk', '\u0000\u0000\u0000', ']"x'];
const HOSTILE = [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x5c, 0x3a, 0x2c, 0x00, 0xff, 0xc3, 0xe6, 0xf0];

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];

function cutRandomly(r: Rand, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  const maxPiece = 1 + Math.floor(r() * (r() < 0.3 ? 8 : 400));
  while (i < data.length) {
    const n = 1 + Math.floor(r() * maxPiece);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

function wellFormed(r: Rand): { stream: Buffer; expected: unknown[] } {
  const texts = Array.from({ length: 1 + Math.floor(r() * 6) }, () => pick(r, CAMERA_TEXTS));
  const expected = texts.flatMap((t) => new JsonFramer().push(Buffer.from(t)).map((e) => (e.kind === 'object' ? e.value : e)));
  const stream = texts.map((t) => pick(r, SEPARATORS) + t).join('') + pick(r, SEPARATORS);
  return { stream: Buffer.from(stream), expected };
}

function mutate(r: Rand, data: Buffer): Buffer {
  let bytes = Buffer.from(data);
  const rounds = 1 + Math.floor(r() * 6);
  for (let k = 0; k < rounds && bytes.length > 0; k++) {
    const at = Math.floor(r() * bytes.length);
    switch (Math.floor(r() * 6)) {
      case 0:
        bytes[at] = Math.floor(r() * 256);
        break;
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([pick(r, HOSTILE)]), bytes.subarray(at)]);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + Math.floor(r() * 20))]);
        break;
      case 3:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + 50), bytes.subarray(at)]);
        break;
      case 4:
        bytes = bytes.subarray(0, at);
        break;
      default:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(MISSING_BRACE), bytes.subarray(at)]);
    }
  }
  return bytes;
}

function checkEvents(events: FramerEvent[]): void {
  for (const e of events) {
    if (e.kind === 'object') assert.ok(e.value !== null && typeof e.value === 'object' && !Array.isArray(e.value));
    else assert.ok(['parse', 'oversize', 'not-object'].includes(e.reason) && e.message.length > 0);
  }
}

describe('JsonFramer fuzz', () => {
  it(`finds exactly the objects of ${ITERATIONS} well-formed streams cut at random`, () => {
    const r = fuzzRandom(0x7878);
    for (let n = 0; n < ITERATIONS; n++) {
      const { stream, expected } = wellFormed(r);
      const f = new JsonFramer();
      const got = cutRandomly(r, stream).flatMap((c) => f.push(c));
      assert.deepEqual(got.map((e) => (e.kind === 'object' ? e.value : e)), expected, `case ${n}: ${stream.toString('latin1')}`);
      assert.equal(f.bufferedBytes, 0);
    }
  });

  it(`survives ${ITERATIONS} mutated streams with memory capped`, () => {
    const r = fuzzRandom(0x8787);
    let objects = 0;
    let errors = 0;
    for (let n = 0; n < ITERATIONS; n++) {
      const cap = r() < 0.3 ? 16 + Math.floor(r() * 300) : undefined;
      const f = new JsonFramer({ maxFrameBytes: cap });
      const stream = mutate(r, wellFormed(r).stream);
      for (const chunk of cutRandomly(r, stream)) {
        const events = f.push(chunk);
        checkEvents(events);
        objects += events.filter((e) => e.kind === 'object').length;
        errors += events.filter((e) => e.kind === 'error').length;
        assert.ok(f.bufferedBytes <= f.maxFrameBytes, `case ${n}: holds ${f.bufferedBytes} > ${f.maxFrameBytes}`);
      }
      checkEvents(f.closeDangling());
      // Whatever state the noise left, a reset framer reads a clean object.
      f.reset();
      assert.equal(f.push(Buffer.from('{"rval":0,"msg_id":13}')).length, 1);
    }
    assert.ok(objects > ITERATIONS / 2 && errors > 0, `the mutations exercise both paths (${objects} objects, ${errors} errors)`);
  });

  it(`gives the same events for ${ITERATIONS} mutated streams however they are cut`, () => {
    const r = fuzzRandom(0x1285);
    const feed = (chunks: Buffer[]): FramerEvent[] => {
      const f = new JsonFramer();
      return [...chunks.flatMap((c) => f.push(c)), ...f.closeDangling()];
    };
    let nonAscii = 0;
    for (let n = 0; n < ITERATIONS; n++) {
      const stream = mutate(r, wellFormed(r).stream);
      if (!stream.every((b) => b < 0x80)) nonAscii++;
      const whole = feed([stream]);
      assert.deepEqual(feed(cutRandomly(r, stream)), whole, `case ${n} cut at random: ${stream.toString('latin1')}`);
      // Byte by byte for every fourth case: the slowest way, and the one that never decodes in place.
      if (n % 4 === 0) assert.deepEqual(feed(Array.from(stream, (b) => Buffer.of(b))), whole, `case ${n} byte by byte: ${stream.toString('latin1')}`);
    }
    assert.ok(nonAscii > ITERATIONS / 10, `streams with bytes outside ASCII are exercised (${nonAscii})`);
  });
});
