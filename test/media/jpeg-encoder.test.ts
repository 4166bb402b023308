// The simulators' JPEG encoder, read back by every JPEG reader we have and by ffmpeg.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import jpeg = require('jpeg-js');
import { JpegEncoder } from '../../sim/media/jpeg-encoder';
import { readJpegLuma } from '../../nodes/media/jpeg/jpeg-dc-reader';
import { jpegDimensions } from '../../nodes/media/jpeg/jpeg-markers';
import { JpegPacketizer } from '../../nodes/media/rtp/rtp-jpeg-packetizer';
import { requireTool } from '../support/ffmpeg';

function picture(width: number, height: number): Buffer {
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      // Smooth at every size, so the error measures the coder, not 4:2:0 on sharp colour edges.
      rgba[i] = (x * 0.7) % 256;
      rgba[i + 1] = (y * 0.9) % 256;
      rgba[i + 2] = 40 + ((x + y) * 0.3) % 180;
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

function meanError(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += Math.abs(a[i + c] - b[i + c]);
    n += 3;
  }
  return sum / n;
}

describe('JPEG encoder (4:2:0 baseline, standard tables)', () => {
  for (const [width, height] of [[320, 240], [17, 9], [640, 360], [1, 1]]) {
    it(`${width}×${height}: jpeg-js decodes it close to the source`, () => {
      const rgba = picture(width, height);
      const out = new JpegEncoder(90).encode(rgba, width, height);
      assert.deepEqual(jpegDimensions(out), { width, height });
      const decoded = jpeg.decode(out, { useTArray: true });
      assert.equal(decoded.width, width);
      assert.ok(meanError(rgba, decoded.data) < 6, `mean error ${meanError(rgba, decoded.data)}`);
    });
  }

  it('writes Y 2×2 with chroma 1×1, which RTP/JPEG carries as type 1 without re-coding', () => {
    const out = new JpegEncoder(75).encode(picture(320, 240), 320, 240);
    const sof = out.indexOf(Buffer.from([0xff, 0xc0]));
    assert.deepEqual([...out.subarray(sof + 10, sof + 19)], [1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    const packetizer = new JpegPacketizer();
    const result = packetizer.packetize(out);
    assert.ok(result.ok, 'sendable over RTP/JPEG');
    assert.equal(packetizer.recoded, 0, 'standard tables need no re-coding');
  });

  it('the DC-only reader sees the same picture at 1/8 scale', () => {
    const rgba = picture(320, 240);
    const luma = readJpegLuma(new JpegEncoder(90).encode(rgba, 320, 240));
    assert.equal(luma.width, 40);
    const expected = (x: number, y: number) => {
      const i = ((y * 8 + 4) * 320 + x * 8 + 4) * 4;
      return 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
    };
    for (const [x, y] of [[2, 2], [20, 15], [37, 28]]) assert.ok(Math.abs(luma.data[y * 40 + x] - expected(x, y)) < 6, `cell ${x},${y}`);
  });

  it('ffmpeg decodes it without a warning, as yuvj420p', () => {
    requireTool('ffmpeg');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-enc-')), 'a.jpg');
    fs.writeFileSync(file, new JpegEncoder(75).encode(picture(641, 359), 641, 359));
    const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height,pix_fmt', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim();
    assert.equal(probe, '641,359,yuvj420p');
    const log = execFileSync('ffmpeg', ['-v', 'warning', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(log, '');
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});
