import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { DecoderError, FfmpegDecoder, FfmpegMissingError } from '../../nodes/media/decode/ffmpeg-decoder';
import { readJpegLuma } from '../../nodes/media/jpeg/jpeg-dc-reader';
import { GrayPicture, PgmSplitter } from '../../nodes/media/decode/pgm-splitter';
import { requireTool, testStream } from '../support/ffmpeg';
import { framesOfFile } from './frame-feed';
import { isAlive, motionClip } from './media-fixtures';

/** What a fresh ffmpeg makes of the same units: every grey picture, 1/8 scale, in display order. */
function referenceLuma(units: Buffer[], codec: 'h264' | 'h265'): GrayPicture[] {
  requireTool('ffmpeg');
  const out = execFileSync('ffmpeg', ['-v', 'error', '-threads', '1', '-f', codec === 'h264' ? 'h264' : 'hevc', '-i', 'pipe:0', '-vsync', 'passthrough',
    '-vf', 'scale=trunc(iw/8):trunc(ih/8)', '-pix_fmt', 'gray', '-f', 'image2pipe', '-c:v', 'pgm', 'pipe:1'], { input: Buffer.concat(units), maxBuffer: 64 << 20 });
  const pictures = new PgmSplitter().push(out);
  assert.ok(pictures.length > 0, 'reference decode gave pictures');
  return pictures;
}

const decoders: FfmpegDecoder[] = [];
function decoder(...args: ConstructorParameters<typeof FfmpegDecoder>): FfmpegDecoder {
  const d = new FfmpegDecoder(...args);
  decoders.push(d);
  return d;
}
after(() => Promise.all(decoders.map((d) => d.close())));

describe('FfmpegDecoder', () => {
  for (const codec of ['h264', 'h265'] as const) {
    it(`decodes ${codec} keyframes one by one to the right 1/8 grey picture`, async () => {
      const clip = motionClip({ codec });
      const mjpeg = motionClip({ codec: 'mjpeg' });
      const dec = decoder({ codec, output: { kind: 'luma' } });
      const keyframes = clip.frames.filter((f) => f.frame.keyframe);
      assert.equal(keyframes.length, 8);
      for (const key of keyframes) {
        const picture = (await dec.decode([key.payload])) as GrayPicture;
        assert.equal(picture.width, 40);
        assert.equal(picture.height, 30);
        // The same scene as JPEG, read by the DC-only reader: the box must be where it is in
        // this frame, so the pictures agree closely.
        const dc = readJpegLuma(mjpeg.frames[key.frame.seq].payload);
        let sum = 0;
        for (let i = 0; i < dc.data.length; i++) sum += Math.abs(dc.data[i] - picture.data[i]);
        assert.ok(sum / dc.data.length < 8, `frame ${key.frame.seq}: mean difference ${(sum / dc.data.length).toFixed(1)}`);
      }
      assert.ok(dec.pid !== undefined, 'one child served every request');
    });
  }

  for (const codec of ['h264', 'h265'] as const) {
    it(`gives the newest picture of a GOP prefix of a ${codec} stream with B-frames, request after request`, async () => {
      const frames = framesOfFile(testStream({ kind: codec, seconds: 3 }), codec, 't');
      const keyAt = frames.map((f, i) => (f.frame.keyframe ? i : -1)).filter((i) => i >= 0);
      assert.ok(keyAt.length >= 2);
      const dec = decoder({ codec, output: { kind: 'luma' } });
      const pid = (await dec.decode([frames[0].payload]), dec.pid);
      for (const [start, count] of [[keyAt[0], 6], [keyAt[1], 1], [keyAt[1], 12], [keyAt[0], 3], [keyAt[0], 20]]) {
        const units = frames.slice(start, start + count).map((f) => f.payload);
        const got = (await dec.decode(units)) as GrayPicture;
        const want = referenceLuma(units, codec);
        assert.equal(got.width, want[want.length - 1].width);
        const index = want.findIndex((p) => p.data.equals(got.data));
        if (codec === 'h264') assert.equal(index, want.length - 1, `GOP prefix ${start}+${count}: the newest picture`);
        else {
          // This H.265 stream has CRA keyframes and B-frames: the known limit of the decoder lets
          // the answer lag by up to the reorder depth (2 here), never more.
          assert.ok(index >= 0 && index >= want.length - 3, `GOP prefix ${start}+${count}: picture ${index} of ${want.length}`);
        }
      }
      assert.equal(dec.pid, pid, 'the same child all along');
    });
  }

  it('makes JPEGs, scaled to a maximum width', async () => {
    const frames = framesOfFile(testStream({ kind: 'h264', size: '640x480' }), 'h264', 't');
    const dec = decoder({ codec: 'h264', output: { kind: 'jpeg', maxWidth: 320 } });
    const jpeg = (await dec.decode(frames.slice(0, 4).map((f) => f.payload))) as Buffer;
    assert.ok(Buffer.isBuffer(jpeg));
    const luma = readJpegLuma(jpeg);
    assert.equal(luma.sourceWidth, 320);
    assert.equal(luma.sourceHeight, 240);
  });

  it('fails a request of garbage, then decodes the next good one', async () => {
    const frames = framesOfFile(testStream({ kind: 'h264' }), 'h264', 't');
    const dec = decoder({ codec: 'h264', output: { kind: 'luma' }, timeoutMs: 1500 });
    await assert.rejects(dec.decode([Buffer.from([0, 0, 0, 1, 0x65, 1, 2, 3, 4, 5])]), DecoderError);
    const picture = (await dec.decode([frames[0].payload])) as GrayPicture;
    assert.equal(picture.width, 40);
  });

  it('says clearly when ffmpeg is missing', async () => {
    const dec = decoder({ codec: 'h264', output: { kind: 'luma' }, ffmpegPath: '/nonexistent/ffmpeg' });
    await assert.rejects(dec.decode([Buffer.from([0, 0, 0, 1, 0x65])]), (err: Error) => err instanceof FfmpegMissingError && /ffmpeg not found/.test(err.message));
  });

  it('leaves no child behind after close', async () => {
    const frames = framesOfFile(testStream({ kind: 'h264' }), 'h264', 't');
    const dec = new FfmpegDecoder({ codec: 'h264', output: { kind: 'luma' } });
    await dec.decode([frames[0].payload]);
    const pid = dec.pid;
    assert.ok(isAlive(pid));
    await dec.close();
    assert.equal(isAlive(pid), false);
    await assert.rejects(dec.decode([frames[0].payload]), DecoderError);
  });
});
