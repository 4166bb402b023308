// Fuzzing the frame assembler: random and mutated chunk sequences of real streams in every mode.
// Invariants: nothing throws, memory stays capped, every frame out is whole and within the cap,
// and every byte in is either in a frame or counted as dropped (MJPEG and Annex-B).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { ASSEMBLER_MODES, AssemblerMode, StreamAssembler } from '../../nodes/media/assembler/frame-assembler-engine';
import { testStream } from '../support/ffmpeg';
import { fuzzIterations, fuzzSeed, mutate, randomBytes, randomChunks, randomInt, seededRandom } from '../fuzz/fuzz-support';

const TOKENS: Record<AssemblerMode, Buffer[]> = {
  mjpeg: [[0xff, 0xd8], [0xff, 0xd9], [0xff, 0xda, 0x00, 0x02], [0xff, 0xc0, 0x00, 0x01], [0xff, 0xff, 0xff]].map((t) => Buffer.from(t)),
  multipart: ['--ffmpeg\r\n', '\r\n\r\n', 'Content-Length: 99999999\r\n', 'Content-Length: 5\r\n', '--ffmpeg--\r\n', '\n'].map((t) => Buffer.from(t)),
  h264: [[0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0x09, 0xf0], [0, 0, 1, 0x65, 0x88], [0, 0, 1, 0x67], [0, 0, 3]].map((t) => Buffer.from(t)),
  h265: [[0, 0, 1], [0, 0, 0, 1, 0x40, 0x01], [0, 0, 1, 0x26, 0x01, 0xaf], [0, 0, 1, 0x42, 0x01], [0, 0, 1, 0x46, 0x01]].map((t) => Buffer.from(t)),
};

const SOURCES: Record<AssemblerMode, Buffer> = {
  mjpeg: fs.readFileSync(testStream({ kind: 'mjpeg', seconds: 1, size: '160x120' })),
  multipart: fs.readFileSync(testStream({ kind: 'mpjpeg', seconds: 1, size: '160x120' })),
  h264: fs.readFileSync(testStream({ kind: 'h264', seconds: 1, size: '160x120' })),
  h265: fs.readFileSync(testStream({ kind: 'h265', seconds: 1, size: '160x120' })),
};

function caseInput(random: () => number, mode: AssemblerMode): Buffer {
  const source = SOURCES[mode];
  if (random() < 0.1) return randomBytes(random, randomInt(random, 8192));
  const start = randomInt(random, source.length);
  let data = source.subarray(random() < 0.5 ? 0 : start, start + 1 + randomInt(random, 16384));
  for (let m = randomInt(random, 4); m > 0; m--) data = mutate(random, data, TOKENS[mode]);
  return data;
}

function checkFrame(mode: AssemblerMode, payload: Buffer, max: number): void {
  assert.ok(payload.length <= max, 'frame within the cap');
  if (mode === 'mjpeg' || mode === 'multipart') {
    assert.ok(payload[0] === 0xff && payload[1] === 0xd8, 'JPEG starts with SOI');
    assert.ok(payload[payload.length - 2] === 0xff && payload[payload.length - 1] === 0xd9, 'JPEG ends with EOI');
  } else {
    assert.ok(payload.subarray(0, 3).equals(Buffer.from([0, 0, 1])) || payload.subarray(0, 4).equals(Buffer.from([0, 0, 0, 1])), 'access unit starts with a start code');
  }
}

describe('frame assembler fuzz', () => {
  const iterations = fuzzIterations(20_000);
  it(`survives ${iterations} random and mutated chunk sequences`, () => {
    const seed = fuzzSeed();
    for (let n = 0; n < iterations; n++) {
      const random = seededRandom(seed + n);
      const mode = ASSEMBLER_MODES[n % ASSEMBLER_MODES.length];
      const max = random() < 0.3 ? 256 + randomInt(random, 4096) : 64 * 1024;
      const a = new StreamAssembler({ mode, camera: 'fuzz', maxFrameBytes: max });
      let bytesIn = 0;
      let bytesOut = 0;
      let dropped = 0;
      try {
        for (let s = 1 + randomInt(random, 3); s > 0; s--) {
          for (const chunk of randomChunks(random, caseInput(random, mode), 2048)) {
            bytesIn += chunk.length;
            const results = [a.push(chunk)];
            if (random() < 0.01) results.push(a.flush()); // a stream that ends and starts again
            for (const r of results) {
              for (const f of r.frames) {
                checkFrame(mode, f.payload, max);
                bytesOut += f.payload.length;
              }
              dropped += r.droppedBytes;
            }
            assert.ok(a.pendingBytes <= max + 2048 + 16, `pending ${a.pendingBytes} stays capped`);
          }
        }
        const last = a.flush();
        for (const f of last.frames) {
          checkFrame(mode, f.payload, max);
          bytesOut += f.payload.length;
        }
        dropped += last.droppedBytes;
        assert.equal(a.pendingBytes, 0, 'nothing held after flush');
        if (mode === 'multipart') assert.ok(bytesOut + dropped <= bytesIn, 'no byte counted twice');
        else assert.equal(bytesOut + dropped, bytesIn, 'every byte is in a frame or counted as dropped');
      } catch (err) {
        (err as Error).message = `fuzz case ${n} (mode ${mode}, seed ${seed + n}): ${(err as Error).message}`;
        throw err;
      }
    }
  });
});
