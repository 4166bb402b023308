// The child-to-Node-RED frame pipe: round trips cut anywhere, the caps, and a fuzz of broken
// streams (a broken child must be detected, never crash or grow memory without bound).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FrameFields } from '../../nodes/core/frame';
import { PIPE_HEADER_BYTES, PipeFrameDecoder, encodePipeFrame } from '../../nodes/xiaomi/frame-pipe';
import { chunked } from '../support/ffmpeg';
import { fuzzIterations, fuzzSeed, mutate, randomBytes, randomChunks, randomInt, seededRandom } from '../fuzz/fuzz-support';

const FRAMES: { payload: Buffer; fields: FrameFields }[] = [
  { payload: Buffer.from('0000000167428000', 'hex'), fields: { codec: 'h264', keyframe: true, width: 1920, height: 1080 } },
  { payload: Buffer.alloc(5000, 7), fields: { codec: 'h265', keyframe: false } },
  { payload: Buffer.alloc(160, 0xd5), fields: { codec: 'pcma', keyframe: true, sampleRate: 8000, channels: 1 } },
  { payload: Buffer.alloc(0), fields: { codec: 'opus', keyframe: true, sampleRate: 48000, channels: 2 } },
  { payload: Buffer.alloc(70_000, 1), fields: { codec: 'jpeg', keyframe: true, width: 640, height: 480 } },
];

describe('frame pipe', () => {
  for (const how of ['whole', 'random', 'bytes'] as const) {
    it(`carries frames and their fields unchanged (${how} chunks)`, () => {
      const stream = Buffer.concat(FRAMES.map((f) => encodePipeFrame(f.payload, f.fields)));
      const decoder = new PipeFrameDecoder();
      const out = chunked(stream, how, 3).flatMap((c) => decoder.push(c));
      assert.equal(out.length, FRAMES.length);
      out.forEach((f, i) => {
        assert.ok(f.payload.equals(FRAMES[i].payload), `payload ${i}`);
        assert.deepEqual(f.fields, FRAMES[i].fields);
      });
      assert.equal(decoder.bufferedBytes, 0);
    });
  }

  it('copies a small frame out of a large chunk, so the chunk is not pinned', () => {
    const stream = Buffer.concat([encodePipeFrame(Buffer.alloc(10, 1), { codec: 'pcma' }), encodePipeFrame(Buffer.alloc(60_000, 3), { codec: 'h264' })]);
    const chunk = stream.subarray(0, PIPE_HEADER_BYTES + 10 + 1000);
    const [frame] = new PipeFrameDecoder().push(chunk);
    assert.notEqual(frame.payload.buffer, chunk.buffer);
    assert.ok(frame.payload.equals(Buffer.alloc(10, 1)));
    const big = encodePipeFrame(Buffer.alloc(5000, 2), { codec: 'h264' });
    const [whole] = new PipeFrameDecoder().push(big);
    assert.equal(whole.payload.buffer, big.buffer, 'a frame that is most of its chunk is not copied');
  });

  it('refuses a frame over the cap, a wrong magic, kind or codec', () => {
    const good = encodePipeFrame(Buffer.alloc(100), { codec: 'h264' });
    assert.throws(() => new PipeFrameDecoder(50).push(good), /exceeds the cap of 50/);
    for (const [at, value, message] of [[0, 0x00, /out of step/], [1, 9, /unknown kind/], [2, 200, /unknown codec/]] as const) {
      const bad = Buffer.from(good);
      bad[at] = value;
      assert.throws(() => new PipeFrameDecoder().push(bad), message);
    }
    assert.throws(() => encodePipeFrame(Buffer.alloc(1), { codec: 'mp3' as never }), /cannot travel/);
  });

  it('clamps odd field values instead of corrupting the header', () => {
    const [f] = new PipeFrameDecoder().push(encodePipeFrame(Buffer.alloc(1), { codec: 'h264', width: 70_000, height: -4, sampleRate: -1, channels: 300 }));
    assert.deepEqual(f.fields, { codec: 'h264', keyframe: false, channels: 255 });
  });

  const iterations = fuzzIterations(20_000);
  it(`fuzz: survives ${iterations} broken streams: frames within the cap, or a clean error`, () => {
    const seed = fuzzSeed();
    const valid = Buffer.concat(FRAMES.slice(0, 4).map((f) => encodePipeFrame(f.payload, f.fields)));
    for (let n = 0; n < iterations; n++) {
      const random = seededRandom(seed + n);
      let data = random() < 0.2 ? randomBytes(random, randomInt(random, 512)) : valid;
      for (let m = randomInt(random, 3); m > 0; m--) data = mutate(random, data, [Buffer.from([0xf7, 1, 0, 1])]);
      const cap = 1 + randomInt(random, 8000);
      const decoder = new PipeFrameDecoder(cap);
      try {
        for (const c of randomChunks(random, data, 300)) {
          for (const f of decoder.push(c)) assert.ok(f.payload.length <= cap);
          assert.ok(decoder.bufferedBytes <= cap + PIPE_HEADER_BYTES + 300, 'buffering stays bounded by the cap');
        }
      } catch (err) {
        if (err instanceof assert.AssertionError) throw new Error(`case ${n} (seed ${seed + n}): ${err.message}`);
        assert.match((err as Error).message, /^frame pipe/, `case ${n}: only the decoder's own errors`);
      }
    }
  });
});
