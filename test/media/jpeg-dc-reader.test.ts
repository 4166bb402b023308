import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as jpegJs from 'jpeg-js';
import { readJpegLuma } from '../../nodes/media/jpeg/jpeg-dc-reader';
import { JpegCorruptError, JpegUnsupportedError } from '../../nodes/media/jpeg/jpeg-errors';
import { HuffmanTable, standardTables } from '../../nodes/media/jpeg/jpeg-huffman';
import { LumaImage, lumaFromRgba } from '../../nodes/media/motion/luma-image';
import { StillSpec, jpegStill } from './media-fixtures';
import { fuzzIterations, fuzzRandom } from '../fuzz/fuzz-support';

function fullDecodeLuma(jpeg: Buffer): LumaImage {
  const img = jpegJs.decode(jpeg, { useTArray: true, formatAsRGBA: true });
  return lumaFromRgba(img.data, img.width, img.height);
}

/** Differences between two luma pictures of the same size, over inner cells and edge cells. */
function compare(a: LumaImage, b: LumaImage): { meanInner: number; maxInner: number; maxEdge: number } {
  assert.equal(a.width, b.width);
  assert.equal(a.height, b.height);
  let sum = 0;
  let n = 0;
  let maxInner = 0;
  let maxEdge = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const d = Math.abs(a.data[y * a.width + x] - b.data[y * a.width + x]);
      // A partial block at the right/bottom edge is padded by the encoder, so its DC is the mean
      // of replicated pixels: only the inner cells are expected to match the boxed decode.
      const edge = (x === a.width - 1 && a.sourceWidth % 8 !== 0) || (y === a.height - 1 && a.sourceHeight % 8 !== 0);
      if (edge) maxEdge = Math.max(maxEdge, d);
      else {
        sum += d;
        n++;
        maxInner = Math.max(maxInner, d);
      }
    }
  }
  return { meanInner: sum / n, maxInner, maxEdge };
}

/** Segment offsets of a JPEG up to its first SOS: [marker, offset of the FF, total length]. */
function segments(jpeg: Buffer): [number, number, number][] {
  const out: [number, number, number][] = [];
  let i = 2;
  while (i + 4 <= jpeg.length) {
    const marker = jpeg[i + 1];
    const length = jpeg.readUInt16BE(i + 2);
    out.push([marker, i, 2 + length]);
    if (marker === 0xda) break;
    i += 2 + length;
  }
  return out;
}

function withoutSegments(jpeg: Buffer, marker: number): Buffer {
  const cut = segments(jpeg).filter(([m]) => m === marker);
  assert.ok(cut.length > 0, `fixture has no 0x${marker.toString(16)} segment`);
  const parts: Buffer[] = [];
  let from = 0;
  for (const [, at, len] of cut) {
    parts.push(jpeg.subarray(from, at));
    from = at + len;
  }
  parts.push(jpeg.subarray(from));
  return Buffer.concat(parts);
}

function patchSof(jpeg: Buffer, patch: (copy: Buffer, sofAt: number) => void): Buffer {
  const copy = Buffer.from(jpeg);
  const sof = segments(copy).find(([m]) => m === 0xc0);
  assert.ok(sof, 'fixture has a baseline SOF');
  patch(copy, sof[1]);
  return copy;
}

const FLAVOURS: [string, StillSpec][] = [
  ['4:2:0, optimal Huffman tables', { size: '640x480', pixFmt: 'yuvj420p' }],
  ['4:2:0, Annex K tables', { size: '640x480', pixFmt: 'yuvj420p', huffman: 'default' }],
  ['4:2:2', { size: '320x240', pixFmt: 'yuvj422p' }],
  ['4:4:4', { size: '320x240', pixFmt: 'yuvj444p' }],
  ['greyscale', { size: '320x240', pixFmt: 'gray' }],
  ['restart markers (4 slices)', { size: '640x480', slices: 4 }],
  ['odd size 333×251', { size: '640x480', scaleTo: '333x251', pixFmt: 'yuvj420p' }],
  ['odd size 4:4:4 75×45', { size: '160x120', scaleTo: '75x45', pixFmt: 'yuvj444p' }],
  ['odd size 4:2:2 9×17', { size: '160x120', scaleTo: '9x17', pixFmt: 'yuvj422p' }],
  ['high quality', { size: '320x240', quality: 2 }],
  ['low quality', { size: '320x240', quality: 31 }],
  ['colour bars (saturated)', { size: '320x240', source: 'smptebars' }],
];

describe('DC-only JPEG reader', () => {
  for (const [name, spec] of FLAVOURS) {
    it(`agrees with a full jpeg-js decode boxed to 1/8: ${name}`, () => {
      const jpeg = jpegStill(spec);
      const dc = readJpegLuma(jpeg);
      const full = fullDecodeLuma(jpeg);
      const [w, h] = (spec.scaleTo ?? spec.size ?? '320x240').split('x').map(Number);
      assert.equal(dc.sourceWidth, w);
      assert.equal(dc.sourceHeight, h);
      assert.equal(dc.width, Math.ceil(w / 8));
      assert.equal(dc.height, Math.ceil(h / 8));
      assert.equal(dc.data.length, dc.width * dc.height);
      const diff = compare(dc, full);
      // Rounding of the DC quantizer and of the decoder's colour round trip leave ±1 on average;
      // clipping of saturated colours in RGB moves a few cells a little more.
      // (A mean over a handful of cells says nothing, so tiny pictures are held to the maximum.)
      if (dc.width * dc.height >= 20) assert.ok(diff.meanInner < 1.0, `mean difference ${diff.meanInner.toFixed(2)}`);
      assert.ok(diff.maxInner <= 12, `max difference ${diff.maxInner}`);
      assert.ok(diff.maxEdge <= 60, `edge difference ${diff.maxEdge}`);
    });
  }

  it('has the Annex K tables that ffmpeg writes with -huffman default', () => {
    const jpeg = jpegStill({ huffman: 'default' });
    const [, at, len] = segments(jpeg).find(([m]) => m === 0xc4)!;
    const body = jpeg.subarray(at + 4, at + len);
    const std = standardTables();
    let i = 0;
    let seen = 0;
    while (i < body.length) {
      const tc = body[i] >> 4;
      const th = body[i] & 15;
      const counts = body.subarray(i + 1, i + 17);
      const total = counts.reduce((a, b) => a + b, 0);
      const table = new HuffmanTable(counts, body.subarray(i + 17, i + 17 + total));
      const expected = (tc === 0 ? std.dc : std.ac)[th];
      assert.deepEqual([...table.values], [...expected.values], `values of table ${tc}/${th}`);
      assert.deepEqual([...table.maxcode], [...expected.maxcode], `codes of table ${tc}/${th}`);
      i += 17 + total;
      seen++;
    }
    assert.equal(seen, 4);
  });

  it('falls back to the Annex K tables when a Motion-JPEG frame has no DHT', () => {
    const jpeg = jpegStill({ huffman: 'default' });
    const stripped = withoutSegments(jpeg, 0xc4);
    assert.ok(stripped.length < jpeg.length - 400);
    assert.deepEqual(readJpegLuma(stripped), readJpegLuma(jpeg));
  });

  it('refuses kinds it does not read with JpegUnsupportedError, so the caller can decode fully', () => {
    const jpeg = jpegStill();
    const progressive = patchSof(jpeg, (b, at) => (b[at + 1] = 0xc2));
    const arithmetic = patchSof(jpeg, (b, at) => (b[at + 1] = 0xc9));
    const twelveBit = patchSof(jpeg, (b, at) => (b[at + 4] = 12));
    const lossless = patchSof(jpeg, (b, at) => (b[at + 1] = 0xc3));
    assert.throws(() => readJpegLuma(progressive), (e: Error) => e instanceof JpegUnsupportedError && /progressive/.test(e.message));
    assert.throws(() => readJpegLuma(arithmetic), JpegUnsupportedError);
    assert.throws(() => readJpegLuma(twelveBit), JpegUnsupportedError);
    assert.throws(() => readJpegLuma(lossless), JpegUnsupportedError);
  });

  it('reports truncated and corrupt JPEGs with JpegCorruptError', () => {
    const jpeg = jpegStill();
    const sosAt = segments(jpeg).find(([m]) => m === 0xda)![1];
    assert.throws(() => readJpegLuma(Buffer.alloc(0)), JpegCorruptError);
    assert.throws(() => readJpegLuma(Buffer.from('not a jpeg at all')), JpegCorruptError);
    assert.throws(() => readJpegLuma(jpeg.subarray(0, sosAt - 10)), JpegCorruptError, 'cut in the headers');
    assert.throws(() => readJpegLuma(jpeg.subarray(0, Math.floor(jpeg.length / 2))), /truncated/, 'cut in the scan');
    const noEoi = jpeg.subarray(0, jpeg.length - 2);
    assert.equal(readJpegLuma(noEoi).width, 40, 'a whole scan without EOI still reads');
    const zeroed = Buffer.from(jpeg);
    zeroed.fill(0xff, sosAt + 200, sosAt + 260);
    assert.throws(() => readJpegLuma(zeroed), JpegCorruptError, 'a hole of FF bytes in the scan');
  });

  it('keeps reading after a bad frame: no state carries over', () => {
    const jpeg = jpegStill();
    assert.throws(() => readJpegLuma(jpeg.subarray(0, 3000)), JpegCorruptError);
    assert.deepEqual(readJpegLuma(jpeg), readJpegLuma(Buffer.from(jpeg)));
  });
});

/** Case count for the fuzz run; CI uses the default, `P2PCAM_FUZZ_ITERATIONS` raises it. */
const FUZZ_CASES = fuzzIterations(20_000);

function mutate(seed: Buffer, random: () => number): Buffer {
  const pick = (n: number) => Math.floor(random() * n);
  const copy = Buffer.from(seed);
  const headerEnd = segments(seed).find(([m]) => m === 0xda)![1] + 14;
  // Aim half the damage at the headers, where lengths and table sizes live.
  const at = () => (random() < 0.5 ? pick(headerEnd) : pick(copy.length));
  switch (pick(7)) {
    case 0: {
      for (let k = 1 + pick(4); k > 0; k--) copy[at()] ^= 1 << pick(8);
      return copy;
    }
    case 1:
      for (let k = 1 + pick(8); k > 0; k--) copy[at()] = pick(256);
      return copy;
    case 2:
      return copy.subarray(0, pick(copy.length));
    case 3: {
      const i = at();
      return Buffer.concat([copy.subarray(0, i), Buffer.from([0xff, pick(256)]), copy.subarray(i)]);
    }
    case 4: {
      const i = at();
      return Buffer.concat([copy.subarray(0, i), copy.subarray(i + 1 + pick(64))]);
    }
    case 5: {
      const i = pick(headerEnd - 2);
      copy.writeUInt16BE(pick(65536), i);
      return copy;
    }
    default: {
      const n = pick(copy.length);
      const junk = Buffer.alloc(n);
      for (let i = 0; i < n; i += 1 + pick(16)) junk[i] = pick(256);
      junk[0] = 0xff;
      junk[1] = 0xd8;
      return junk;
    }
  }
}

describe('DC-only JPEG reader under fuzzing', () => {
  it(`answers ${FUZZ_CASES} mutated JPEGs with a picture or a JPEG error, nothing else`, () => {
    const seeds = [
      jpegStill({ size: '96x64' }),
      jpegStill({ size: '96x64', huffman: 'default' }),
      jpegStill({ size: '96x64', pixFmt: 'gray' }),
      jpegStill({ size: '64x48', pixFmt: 'yuvj444p' }),
      jpegStill({ size: '128x96', slices: 2 }),
    ];
    const random = fuzzRandom(20_07);
    const outcomes = { ok: 0, corrupt: 0, unsupported: 0 };
    for (let n = 0; n < FUZZ_CASES; n++) {
      const input = mutate(seeds[n % seeds.length], random);
      try {
        const luma = readJpegLuma(input);
        assert.equal(luma.data.length, luma.width * luma.height, `case ${n}`);
        assert.ok(luma.width === Math.ceil(luma.sourceWidth / 8) || luma.width < luma.sourceWidth, `case ${n}`);
        outcomes.ok++;
      } catch (err) {
        if (err instanceof JpegCorruptError) outcomes.corrupt++;
        else if (err instanceof JpegUnsupportedError) outcomes.unsupported++;
        else throw new Error(`case ${n} threw ${(err as Error).name}: ${(err as Error).message}`);
      }
    }
    if (process.env.P2PCAM_FUZZ_VERBOSE) console.log(outcomes);
    // The mutations must reach both outcomes, or the fuzzer tests nothing.
    assert.ok(outcomes.ok > FUZZ_CASES / 20, `ok ${outcomes.ok}`);
    assert.ok(outcomes.corrupt > FUZZ_CASES / 5, `corrupt ${outcomes.corrupt}`);
  });
});
