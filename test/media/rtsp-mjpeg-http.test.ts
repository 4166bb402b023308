import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { describe, it } from 'node:test';
import * as jpeg from 'jpeg-js';
import { MjpegHttpStream } from '../../nodes/media/serving/mjpeg-http-stream';
import { StreamOut } from '../../nodes/media/serving/stream-out-engine';
import { testStream } from '../support/ffmpeg';
import { waitFor } from '../support/node-red';
import { FrameFeed, framesOfFile } from './frame-feed';

function requireCurl(): void {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('curl is not installed: install it with `sudo apt-get install curl` (Debian/Ubuntu); `.ci/run` installs it');
  }
}

/** curl for `seconds`, then the body it got (curl's timeout exit is expected for a stream). */
function curl(url: string, seconds: number): Promise<{ code: number; headers: string; body: Buffer }> {
  requireCurl();
  return new Promise((resolve) => {
    execFile('curl', ['-s', '-i', '--max-time', String(seconds), url], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      const code = err ? Number((err as { code?: unknown }).code ?? -1) : 0;
      const headEnd = stdout.indexOf('\r\n\r\n');
      resolve({ code, headers: stdout.subarray(0, headEnd).toString('latin1'), body: stdout.subarray(headEnd + 4) });
    });
  });
}

/** Splits a multipart/x-mixed-replace body into its parts' bodies, by their Content-Length. */
function parts(body: Buffer, boundary: string): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const start = body.indexOf(`--${boundary}\r\n`, at);
    if (start < 0) return out;
    const headEnd = body.indexOf('\r\n\r\n', start);
    if (headEnd < 0) return out;
    const length = Number(/Content-Length: (\d+)/i.exec(body.subarray(start, headEnd).toString('latin1'))?.[1]);
    if (headEnd + 4 + length > body.length) return out; // cut off by curl's timeout
    out.push(body.subarray(headEnd + 4, headEnd + 4 + length));
    at = headEnd + 4 + length;
  }
}

async function serve(kind: 'mjpeg' | 'h264', options: { maxClients?: number; queueLimit?: number } = {}) {
  const stream = new StreamOut();
  const mjpeg = new MjpegHttpStream(stream, options);
  const feed = new FrameFeed(framesOfFile(testStream({ kind, seconds: 2 }), kind), 20, (f) => assert.ok(stream.push(f.payload, f.frame).ok)).start();
  const server = http.createServer((req, res) => {
    if (req.url === '/cam/stream.mjpeg') mjpeg.serveStream(req, res);
    else if (req.url === '/cam/snapshot.jpg') mjpeg.serveSnapshot(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/cam`;
  return {
    stream, mjpeg, base, feed,
    async stop() {
      feed.stop();
      mjpeg.close();
      stream.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('MJPEG over HTTP', () => {
  it('curl reads a multipart stream of whole JPEGs, and the snapshot', async () => {
    const s = await serve('mjpeg');
    try {
      await waitFor(() => s.stream.lastJpeg !== null, 5000, 'a first frame');
      const stream = await curl(`${s.base}/stream.mjpeg`, 2);
      assert.equal(stream.code, 28, 'curl stopped by its own timeout: the stream was still going');
      assert.match(stream.headers, /^HTTP\/1.1 200/);
      assert.match(stream.headers, /Content-Type: multipart\/x-mixed-replace; boundary=p2pcamframe/i);
      const jpegs = parts(stream.body, 'p2pcamframe');
      assert.ok(jpegs.length >= 10, `got ${jpegs.length} frames in 2 s at 20 fps`);
      for (const j of jpegs) {
        const image = jpeg.decode(j);
        assert.deepEqual([image.width, image.height], [320, 240]);
      }
      const snapshot = await curl(`${s.base}/snapshot.jpg`, 10);
      assert.equal(snapshot.code, 0);
      assert.match(snapshot.headers, /Content-Type: image\/jpeg/i);
      assert.equal(jpeg.decode(snapshot.body).width, 320);
      await waitFor(() => s.mjpeg.clientCount === 0, 5000, 'the viewer to be forgotten');
    } finally {
      await s.stop();
    }
  });

  it('says why when the source is not JPEG', async () => {
    const s = await serve('h264');
    try {
      await waitFor(() => s.stream.videoCodec === 'h264', 5000);
      for (const endpoint of ['stream.mjpeg', 'snapshot.jpg']) {
        const r = await curl(`${s.base}/${endpoint}`, 5);
        assert.match(r.headers, /^HTTP\/1.1 415/);
        assert.match(r.body.toString(), /h264/);
      }
    } finally {
      await s.stop();
    }
  });

  it('caps viewers, and a viewer that stops reading loses frames without holding up another', async () => {
    const s = await serve('mjpeg', { maxClients: 2, queueLimit: 30 });
    s.feed.stop();
    const frames = framesOfFile(testStream({ kind: 'mjpeg', seconds: 2 }), 'mjpeg');
    let pushed = 0;
    const pushOne = () => assert.ok(s.stream.push(frames[pushed++ % frames.length].payload, { codec: 'jpeg', keyframe: true }).ok);
    try {
      pushOne();
      const stalled = http.get(`${s.base}/stream.mjpeg`, (res) => res.pause());
      stalled.on('error', () => undefined);
      await waitFor(() => s.mjpeg.clientCount === 1, 5000, 'the stalled viewer');
      let received = 0;
      let readerStatus = 0;
      const reader = http.get(`${s.base}/stream.mjpeg`, (res) => {
        readerStatus = res.statusCode ?? 0;
        let tail = '';
        res.on('data', (chunk: Buffer) => {
          const text = tail + chunk.toString('latin1');
          received += text.split('--p2pcamframe\r\n').length - 1;
          tail = text.slice(-20);
        });
      });
      reader.on('error', () => undefined);
      await waitFor(() => s.mjpeg.clientCount === 2, 5000, 'the reading viewer');
      const third = await new Promise<number>((resolve) => http.get(`${s.base}/stream.mjpeg`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }));
      assert.equal(third, 503, 'a third viewer is refused');
      const pushedBefore = pushed;
      while (s.mjpeg.viewerDrops().every((d) => d === 0)) {
        pushOne();
        await new Promise((resolve) => setImmediate(resolve));
        if (pushed - pushedBefore > 20_000) throw new Error('the stalled viewer never dropped a frame');
      }
      await waitFor(() => received === pushed, 20_000, `the reading viewer to get all ${pushed} frames (has ${received})`);
      assert.equal(readerStatus, 200);
      assert.deepEqual(s.mjpeg.viewerDrops().filter((d) => d === 0).length, 1, 'only the stalled viewer dropped frames');
      stalled.destroy();
      reader.destroy();
      await waitFor(() => s.mjpeg.clientCount === 0, 5000, 'both viewers to be forgotten');
    } finally {
      await s.stop();
    }
  });
});
