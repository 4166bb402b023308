// The demo's stand-in camera, read by real clients: a raw TCP socket and curl over HTTP.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import jpeg = require('jpeg-js');
import { StreamAssembler } from '../../nodes/media/assembler/frame-assembler-engine';
import { startTestPatternCamera } from '../../sim/media/test-pattern-camera';
import { TestPattern } from '../../sim/media/test-pattern';
import { waitFor } from '../support/node-red';
import { requireTool } from '../support/ffmpeg';

function brightestColumn(jpegBytes: Buffer, row: number): number {
  const img = jpeg.decode(jpegBytes, { useTArray: true });
  let best = 0;
  let bestX = 0;
  for (let x = 0; x < img.width; x++) {
    const v = img.data[(row * img.width + x) * 4];
    if (v > best) [best, bestX] = [v, x];
  }
  return bestX;
}

describe('test pattern camera', () => {
  it('draws a square that moves between frames', () => {
    const p = new TestPattern({ width: 160, height: 120, period: 20 });
    const row = Math.round(120 / 2) + Math.round(p.squareSize() / 2);
    const xs = [0, 3, 6].map((n) => brightestColumn(p.jpeg(n), row));
    assert.ok(xs[0] < xs[1] && xs[1] < xs[2], `square moves right: ${xs}`);
    assert.ok(Math.abs(xs[1] - p.squareX(3)) <= p.squareSize(), 'drawn where squareX says');
  });

  it('streams whole JPEGs over TCP and stops encoding when the viewer leaves', async () => {
    const cam = await startTestPatternCamera({ fps: 50, width: 160, height: 120 });
    const a = new StreamAssembler({ mode: 'mjpeg', camera: 't' });
    const frames: Buffer[] = [];
    const socket = net.connect(cam.tcpPort, '127.0.0.1');
    socket.on('data', (d) => frames.push(...a.push(d).frames.map((f) => f.payload)));
    await waitFor(() => frames.length >= 5, 10_000, 'five frames');
    socket.destroy();
    for (const f of frames) assert.equal(jpeg.decode(f, { useTArray: true }).width, 160);
    const encodedAtLeave = cam.framesEncoded;
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(cam.framesEncoded <= encodedAtLeave + 1, 'no encoding without viewers');
    await cam.close();
  });

  it('serves multipart MJPEG that curl reads', async () => {
    requireTool('curl');
    const cam = await startTestPatternCamera({ fps: 25, width: 160, height: 120 });
    const curl = spawn('curl', ['-s', '-N', '--max-time', '20', `http://127.0.0.1:${cam.httpPort}/video.mjpeg`]);
    const a = new StreamAssembler({ mode: 'multipart', camera: 't' });
    const frames: Buffer[] = [];
    curl.stdout.on('data', (d: Buffer) => frames.push(...a.push(d).frames.map((f) => f.payload)));
    await waitFor(() => frames.length >= 3, 15_000, 'three parts through curl');
    curl.kill();
    for (const f of frames) assert.equal(jpeg.decode(f, { useTArray: true }).height, 120);
    await cam.close();
  });
});
