// The splitters against ffmpeg's own frame split of real streams, in every chunking, and
// against the damage real streams suffer: garbage, truncation, oversize frames.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { DropReason } from '../../nodes/media/splitters/frame-splitter';
import { AssemblerMode, StreamAssembler } from '../../nodes/media/assembler/frame-assembler-engine';
import type { FrameMessage } from '../../nodes/core/frame';
import { StreamKind, chunked, probePackets, testStream } from '../support/ffmpeg';

const MODE_OF: Record<StreamKind, AssemblerMode> = { mjpeg: 'mjpeg', mpjpeg: 'multipart', h264: 'h264', h265: 'h265' };

function assemble(mode: AssemblerMode, chunks: Buffer[], options: { maxFrameBytes?: number } = {}) {
  const a = new StreamAssembler({ mode, camera: 'cam', ...options });
  const frames: FrameMessage[] = [];
  const dropped: Record<DropReason, number> = { garbage: 0, oversize: 0, corrupt: 0, truncated: 0 };
  const take = (r: ReturnType<StreamAssembler['push']>) => {
    frames.push(...r.frames);
    for (const k of Object.keys(dropped) as DropReason[]) dropped[k] += r.dropped[k];
  };
  for (const c of chunks) take(a.push(c));
  take(a.flush());
  return { frames, dropped };
}

describe('frame splitters match ffmpeg\'s frame split', () => {
  const kinds: { kind: StreamKind; size: string }[] = [
    { kind: 'mjpeg', size: '320x240' },
    { kind: 'mpjpeg', size: '320x240' },
    { kind: 'h264', size: '640x360' }, // 360 is not a multiple of 16: exercises SPS cropping
    { kind: 'h265', size: '320x240' },
  ];
  for (const { kind, size } of kinds) {
    const file = testStream({ kind, size, seconds: 3 });
    const data = fs.readFileSync(file);
    const packets = probePackets(file);
    const [width, height] = size.split('x').map(Number);
    for (const how of ['bytes', 'random', 'whole'] as const) {
      it(`${kind}, fed ${how === 'bytes' ? 'one byte at a time' : how === 'random' ? 'in random chunks' : 'whole'}`, () => {
        const { frames, dropped } = assemble(MODE_OF[kind], chunked(data, how, 7));
        assert.equal(frames.length, packets.length, 'frame count');
        assert.ok(packets.length >= 30);
        frames.forEach((f, i) => {
          assert.equal(f.payload.length, packets[i].size, `frame ${i} size`);
          assert.equal(f.frame.keyframe, packets[i].keyframe, `frame ${i} keyframe flag`);
          assert.equal(f.frame.seq, i);
          assert.equal(f.frame.width, width);
          assert.equal(f.frame.height, height);
        });
        if (kind !== 'mpjpeg') {
          assert.ok(Buffer.concat(frames.map((f) => f.payload)).equals(data), 'the frames are the stream, cut at ffmpeg\'s boundaries');
          assert.deepEqual(dropped, { garbage: 0, oversize: 0, corrupt: 0, truncated: 0 });
        } else {
          const jpegs = assemble('mjpeg', [fs.readFileSync(testStream({ kind: 'mjpeg', size, seconds: 3 }))]).frames;
          frames.forEach((f, i) => assert.ok(f.payload.equals(jpegs[i].payload), `part ${i} is the original JPEG`));
        }
        assert.ok(frames.some((f) => f.frame.keyframe));
        if (kind === 'h264' || kind === 'h265') assert.ok(frames.some((f) => !f.frame.keyframe), 'P/B frames are not keyframes');
      });
    }
  }
});

describe('frame splitters under damage', () => {
  const jpegStream = fs.readFileSync(testStream({ kind: 'mjpeg', seconds: 1 }));
  const jpegs = assemble('mjpeg', [jpegStream]).frames.map((f) => f.payload);
  const h264Stream = fs.readFileSync(testStream({ kind: 'h264', seconds: 2, rate: 25 }));
  const units = assemble('h264', [h264Stream]).frames.map((f) => f.payload);

  it('MJPEG: skips and counts garbage around and between frames', () => {
    const junk = Buffer.from('HTTP/1.1 200 OK\r\n\r\nnoise \xff\xfe\xff', 'latin1');
    const stream = Buffer.concat([junk, jpegs[0], junk, jpegs[1], jpegs[2], junk]);
    for (const how of ['bytes', 'random', 'whole'] as const) {
      const { frames, dropped } = assemble('mjpeg', chunked(stream, how, 3));
      assert.deepEqual(frames.map((f) => f.payload), jpegs.slice(0, 3));
      assert.equal(dropped.garbage, junk.length * 3, how);
    }
  });

  it('MJPEG: a frame cut short by the next SOI is dropped, never emitted, and the next one is whole', () => {
    const cut = jpegs[1].subarray(0, 3000);
    const { frames, dropped } = assemble('mjpeg', chunked(Buffer.concat([jpegs[0], cut, jpegs[2]]), 'random', 5));
    assert.deepEqual(frames.map((f) => f.payload), [jpegs[0], jpegs[2]]);
    assert.equal(dropped.corrupt, cut.length);
  });

  it('MJPEG: a frame over the cap is dropped and counted; the next small one passes', () => {
    // A big but well-formed frame: three large APP5 segments in front of a real picture.
    const app = Buffer.alloc(4 + 60_000, 0x22);
    app.writeUInt16BE(0xffe5, 0);
    app.writeUInt16BE(60_002, 2);
    const large = Buffer.concat([jpegs[0].subarray(0, 2), app, app, app, jpegs[0].subarray(2)]);
    const { frames, dropped } = assemble('mjpeg', chunked(Buffer.concat([large, jpegs[1]]), 'random', 9), { maxFrameBytes: 100_000 });
    assert.deepEqual(frames.map((f) => f.payload), [jpegs[1]]);
    assert.ok(dropped.oversize >= 100_000, `oversize bytes counted (${dropped.oversize})`);
  });

  it('MJPEG: an EXIF thumbnail (a whole JPEG inside APP1) does not end the picture', () => {
    const thumb = jpegs[2];
    const app1 = Buffer.alloc(4 + 6 + thumb.length);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(2 + 6 + thumb.length, 2);
    app1.write('Exif\0\0', 4, 'latin1');
    thumb.copy(app1, 10);
    const withThumb = Buffer.concat([jpegs[0].subarray(0, 2), app1, jpegs[0].subarray(2)]);
    const { frames } = assemble('mjpeg', chunked(Buffer.concat([withThumb, jpegs[1]]), 'bytes'));
    assert.equal(frames.length, 2);
    assert.ok(frames[0].payload.equals(withThumb));
  });

  it('multipart: learns the boundary from the HTTP head, takes parts without Content-Length, tolerates LF-only lines', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n';
    const part = (jpeg: Buffer, eol: string) => Buffer.concat([Buffer.from(`--frame${eol}Content-Type: image/jpeg${eol}${eol}`), jpeg, Buffer.from(eol)]);
    const stream = Buffer.concat([Buffer.from(head), part(jpegs[0], '\r\n'), part(jpegs[1], '\n'), part(jpegs[2], '\r\n'), Buffer.from('--frame--\r\n')]);
    for (const how of ['bytes', 'random', 'whole'] as const) {
      const { frames, dropped } = assemble('multipart', chunked(stream, how, 11));
      assert.deepEqual(frames.map((f) => f.payload), jpegs.slice(0, 3), how);
      assert.equal(dropped.garbage, 0, 'the HTTP head before the first boundary is a preamble, not garbage');
    }
    const sized = (jpeg: Buffer) => Buffer.concat([Buffer.from(`--frame\r\nContent-Length: ${jpeg.length}\r\n\r\n`), jpeg, Buffer.from('\r\n')]);
    const junkBetween = assemble('multipart', [Buffer.from(head), sized(jpegs[0]), Buffer.from('stray line\r\n'), sized(jpegs[1])]);
    assert.equal(junkBetween.frames.length, 2);
    assert.equal(junkBetween.dropped.garbage, 'stray line\r\n'.length, 'a stray line between parts is garbage');
  });

  it('multipart: a part that is not a whole JPEG is dropped as corrupt', () => {
    const part = (body: Buffer) => Buffer.concat([Buffer.from(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('\r\n')]);
    const { frames, dropped } = assemble('multipart', [part(jpegs[0]), part(jpegs[1].subarray(0, 500)), part(jpegs[2])]);
    assert.deepEqual(frames.map((f) => f.payload), [jpegs[0], jpegs[2]]);
    assert.equal(dropped.corrupt, 500);
  });

  it('H.264: garbage before the first start code is counted; the units after it are whole', () => {
    const junk = Buffer.from([0x47, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
    const { frames, dropped } = assemble('h264', chunked(Buffer.concat([junk, h264Stream]), 'random', 2));
    assert.equal(frames.length, units.length);
    assert.equal(dropped.garbage, junk.length);
  });

  it('H.264: an access unit over the cap is dropped; the following ones come out whole', () => {
    const sizes = units.map((u) => u.length).sort((x, y) => x - y);
    const cap = sizes[Math.floor(sizes.length * 0.8)];
    const small = units.filter((u) => u.length <= cap);
    const bigBytes = units.filter((u) => u.length > cap).reduce((n, u) => n + u.length, 0);
    for (const how of ['bytes', 'random', 'whole'] as const) {
      const { frames, dropped } = assemble('h264', chunked(h264Stream, how, 4), { maxFrameBytes: cap });
      assert.deepEqual(frames.map((f) => f.payload), small, how);
      assert.equal(dropped.oversize, bigBytes, `${how}: every byte of the big units is counted`);
    }
  });

  it('H.264: the last unit needs flush(); without it, it stays pending', () => {
    const a = new StreamAssembler({ mode: 'h264', camera: 'c' });
    const got = a.push(h264Stream).frames.length;
    assert.equal(got, units.length - 1);
    assert.equal(a.pendingBytes, units[units.length - 1].length);
    assert.equal(a.flush().frames.length, 1);
  });
});
