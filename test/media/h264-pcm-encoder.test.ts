// The simulators' lossless H.264, checked by ffmpeg (decodes cleanly, sample for sample) and by
// our own Annex-B splitter.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { H264PcmEncoder, rgbaToYuv420 } from '../../sim/media/h264-pcm-encoder';
import { StreamAssembler } from '../../nodes/media/assembler/frame-assembler-engine';
import { TestPattern } from '../../sim/media/test-pattern';
import { probePackets, requireTool } from '../support/ffmpeg';

function clip(frames: number, gop: number) {
  const pattern = new TestPattern({ width: 320, height: 240, period: 20 });
  const encoder = new H264PcmEncoder(320, 240);
  const pictures = Array.from({ length: frames }, (_, n) => rgbaToYuv420(pattern.rgba(n), 320, 240));
  const units = pictures.map((p, n) => (n % gop === 0 ? encoder.keyframe(p) : encoder.repeat()));
  return { pictures, units, stream: Buffer.concat(units) };
}

describe('I_PCM H.264 encoder', () => {
  const { pictures, units, stream } = clip(30, 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-h264pcm-'));
  const file = path.join(dir, 'clip.h264');
  fs.writeFileSync(file, stream);

  it('ffmpeg splits it as we wrote it and decodes it without a warning', () => {
    requireTool('ffmpeg');
    const packets = probePackets(file);
    assert.deepEqual(packets.map((p) => p.size), units.map((u) => u.length));
    assert.deepEqual(packets.map((p) => p.keyframe), units.map((_, n) => n % 10 === 0));
    const log = execFileSync('ffmpeg', ['-v', 'warning', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(log, '');
  });

  it('is lossless: ffmpeg decodes every keyframe to the exact samples, and repeats it until the next', () => {
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'], { maxBuffer: 64 * 1024 * 1024 });
    const frameBytes = 320 * 240 * 1.5;
    assert.equal(raw.length, frameBytes * 30);
    for (const n of [0, 5, 10, 29]) {
      const key = pictures[n - (n % 10)];
      const decoded = raw.subarray(n * frameBytes, (n + 1) * frameBytes);
      assert.ok(decoded.subarray(0, 320 * 240).equals(Buffer.from(key.y)), `frame ${n}: luma`);
      assert.ok(decoded.subarray(320 * 240, 320 * 240 * 1.25).equals(Buffer.from(key.cb)), `frame ${n}: Cb`);
    }
  });

  it('our Annex-B splitter cuts it into the same frames, with the size from the SPS', () => {
    const a = new StreamAssembler({ mode: 'h264', camera: 'sim' });
    const frames = [...a.push(stream).frames, ...a.flush().frames];
    assert.deepEqual(frames.map((f) => f.payload), units);
    assert.deepEqual([frames[0].frame.width, frames[0].frame.height], [320, 240]);
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses sizes that are not whole macroblocks', () => {
    assert.throws(() => new H264PcmEncoder(100, 240), /whole macroblocks/);
  });
});
