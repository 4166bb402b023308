// JPEG reassembly from UDP fragments: ordered by pkgId, repeats dropped, the 5-byte tail
// checked, frames with a hole thrown away, memory capped; then 20,000 fuzzed cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jpegJs = require('jpeg-js');
import { MsgFlag } from '../../nodes/v720/naxclow-header';
import { JpegFragment, JpegReassembler, fragmentJpeg, unwrapJpeg } from '../../nodes/v720/jpeg-reassembler';
import { SimPictures, simFrameNumber } from '../../sim/v720/sim-pictures';
import { fuzzIterations, fuzzSeed, mutate, randomInt, seededRandom } from '../fuzz/fuzz-support';

const pictures = new SimPictures({ width: 160, height: 120, distinct: 4 });

function fragments(n: number, firstId: number): JpegFragment[] {
  return fragmentJpeg(pictures.frame(n)).map((f, i) => ({ ...f, pkgId: (firstId + i) >>> 0 }));
}

function stream(frames: number, firstId = 2802): { frags: JpegFragment[]; jpegs: Buffer[] } {
  const frags: JpegFragment[] = [];
  const jpegs: Buffer[] = [];
  let id = firstId;
  for (let n = 0; n < frames; n++) {
    const f = fragments(n, id);
    frags.push(...f);
    jpegs.push(pictures.frame(n));
    id = (id + f.length) >>> 0;
  }
  return { frags, jpegs };
}

describe('JPEG reassembler', () => {
  it('reassembles a frame shaped like the captured one (2802…2827, 25 × 1004 + 680 bytes)', () => {
    const jpeg = Buffer.alloc(25775, 0x11);
    jpeg[0] = 0xff; jpeg[1] = 0xd8; jpeg[25773] = 0xff; jpeg[25774] = 0xd9;
    const frags = fragmentJpeg(jpeg).map((f, i) => ({ ...f, pkgId: 2802 + i }));
    assert.equal(frags.length, 26);
    assert.deepEqual(frags.map((f) => f.payload.length), [...Array(25).fill(1004), 680]);
    assert.equal(frags[25].payload.readUInt32LE(676), 25775, 'the tail carries jpegLen = total − 5');
    const r = new JpegReassembler();
    const out = frags.flatMap((f) => r.push(f));
    assert.equal(out.length, 1);
    assert.ok(out[0].equals(jpeg));
    assert.equal(r.heldBytes, 0);
  });

  it('emits every frame in order, decodable, for an in-order stream', () => {
    const { frags, jpegs } = stream(12);
    const r = new JpegReassembler();
    const out = frags.flatMap((f) => r.push(f));
    assert.deepEqual(out.map(simFrameNumber), [...Array(12).keys()]);
    out.forEach((j, i) => {
      assert.ok(j.equals(jpegs[i]));
      assert.equal(jpegJs.decode(j, { useTArray: true }).width, 160);
    });
    assert.equal(r.counts.frames, 12);
  });

  it('sorts reordered fragments and drops duplicates', () => {
    const { frags } = stream(6);
    const shuffled = [...frags];
    for (let i = 0; i + 1 < shuffled.length; i += 2) [shuffled[i], shuffled[i + 1]] = [shuffled[i + 1], shuffled[i]];
    const withRepeats = shuffled.flatMap((f, i) => (i % 3 === 0 ? [f, f] : [f]));
    const r = new JpegReassembler();
    const out = withRepeats.flatMap((f) => r.push(f));
    assert.deepEqual(out.map(simFrameNumber), [0, 1, 2, 3, 4, 5]);
    assert.ok(r.counts.duplicates >= Math.floor(shuffled.length / 3));
    assert.equal(r.push(frags[0]).length, 0, 'a fragment of a finished frame is late, not a new frame');
  });

  it('throws away a frame with a missing fragment and goes on with the next', () => {
    const { frags } = stream(3);
    const lost = frags.filter((_, i) => i !== fragments(0, 0).length + 1); // a BODY of frame 1
    const r = new JpegReassembler();
    const out = lost.flatMap((f) => r.push(f));
    assert.deepEqual(out.map(simFrameNumber), [0, 2]);
    assert.equal(r.heldBytes, 0, 'the broken frame is not kept');
    assert.ok(r.counts.incomplete >= 1);
  });

  it('refuses a frame whose tail length or markers are wrong', () => {
    const f = fragments(0, 100);
    const end = f[f.length - 1];
    const badTail = Buffer.from(end.payload);
    badTail.writeUInt32LE(badTail.readUInt32LE(badTail.length - 4) + 1, badTail.length - 4);
    const r = new JpegReassembler();
    const out = [...f.slice(0, -1), { ...end, payload: badTail }].flatMap((x) => r.push(x));
    assert.deepEqual(out, []);
    assert.equal(r.counts.corrupt, 1);
    assert.equal(unwrapJpeg(Buffer.from([0xff, 0xd8, 0, 0xff, 0xd9, 0, 6, 0, 0, 0])), null, 'jpegLen must be total − 5');
    assert.equal(unwrapJpeg(Buffer.from([0xff, 0xd8, 0, 0xff, 0xd8, 0, 5, 0, 0, 0])), null, 'the JPEG must end with EOI');
    assert.deepEqual([...unwrapJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0x00, 4, 0, 0, 0]))!], [0xff, 0xd8, 0xff, 0xd9]);
  });

  it('continues across the u32 pkgId wrap', () => {
    const { frags } = stream(5, 0xffffffff - 10);
    const r = new JpegReassembler();
    assert.deepEqual(frags.flatMap((f) => r.push(f)).map(simFrameNumber), [0, 1, 2, 3, 4]);
  });

  it('starts afresh when the camera restarts its counter lower', () => {
    const a = stream(2, 50_000).frags;
    const b = stream(4, 10).frags;
    const r = new JpegReassembler();
    const out = [...a, ...b].flatMap((f) => r.push(f));
    assert.deepEqual(out.map(simFrameNumber), [0, 1, 0, 1, 2, 3], 'every frame after the restart comes through');
  });

  it('keeps its memory under the cap when ENDs never come', () => {
    const r = new JpegReassembler({ maxBytes: 64 * 1024 });
    for (let id = 0; id < 5000; id++) {
      r.push({ pkgId: id, msgFlag: id % 500 === 0 ? MsgFlag.HEAD : MsgFlag.BODY, payload: Buffer.alloc(1004) });
      assert.ok(r.heldBytes <= 64 * 1024);
    }
    assert.ok(r.counts.evicted > 0);
    const { frags } = stream(2, 6000);
    assert.equal(frags.flatMap((f) => r.push(f)).length, 2, 'and still reassembles afterwards');
  });

  it(`never emits a corrupt frame: ${fuzzIterations(20_000)} fuzzed fragment sequences (loss, repeats, reordering, damage)`, () => {
    const seed = fuzzSeed();
    const iterations = fuzzIterations(20_000);
    const known = new Set([0, 1, 2, 3, 4, 5].map((n) => pictures.frame(n).toString('base64')));
    const base = stream(6, 1000).frags;
    for (let n = 0; n < iterations; n++) {
      const random = seededRandom(seed + n);
      const r = new JpegReassembler({ maxBytes: 8 * 1024 + randomInt(random, 64 * 1024) });
      const frags: JpegFragment[] = [];
      for (const f of base) {
        const roll = random();
        if (roll < 0.05) continue;
        frags.push(f);
        if (roll > 0.95) frags.push(f);
      }
      for (let k = 0; k < randomInt(random, 10); k++) {
        const i = randomInt(random, frags.length);
        const j = Math.min(frags.length - 1, i + randomInt(random, 8));
        [frags[i], frags[j]] = [frags[j], frags[i]];
      }
      for (let k = 0; k < randomInt(random, 3); k++) {
        const i = randomInt(random, frags.length);
        const f = frags[i];
        const pick = randomInt(random, 3);
        frags[i] = pick === 0 ? { ...f, payload: mutate(random, f.payload) }
          : pick === 1 ? { ...f, msgFlag: randomInt(random, 256) }
            : { ...f, pkgId: (f.pkgId + randomInt(random, 64) - 32) >>> 0 };
      }
      try {
        for (const f of frags) {
          for (const jpeg of r.push(f)) {
            if (known.has(jpeg.toString('base64'))) continue;
            // A damaged payload can still be a whole frame (bits flipped inside the scan):
            // then its length and markers must be right, which is all the tail can prove.
            assert.ok(jpeg[0] === 0xff && jpeg[1] === 0xd8 && jpeg[jpeg.length - 2] === 0xff && jpeg[jpeg.length - 1] === 0xd9);
            assert.ok(frags.some((x) => x.payload !== base.find((b) => b.pkgId === x.pkgId)?.payload), 'only damaged input can give an unknown frame');
          }
          assert.ok(r.heldBytes <= 72 * 1024 + 2048);
        }
      } catch (err) {
        throw new Error(`case ${n} (seed ${seed + n}): ${(err as Error).message}`);
      }
    }
  });
});
