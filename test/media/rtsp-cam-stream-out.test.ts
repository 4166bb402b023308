import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import camStreamOut = require('../../nodes/media/serving/cam-stream-out');
import type { RedAPI } from '../../nodes/core/node-red-types';
import { openRtspServerCount } from '../../nodes/media/rtsp/rtsp-server-registry';
import { requireTool, runTool, testStream } from '../support/ffmpeg';
import { TAB, collect, helper, waitFor } from '../support/node-red';
import { freePort, portIsFree } from '../support/ports';
import { framesOfFile } from './frame-feed';
import { RtspTestClient } from './rtsp-test-client';

/** The RED the node registered with, so the test can serve its httpNode routes. */
let capturedRed: RedAPI | null = null;
const nodeModule = (RED: RedAPI) => {
  capturedRed = RED;
  camStreamOut(RED);
};

function streamNode(port: number, extra: Record<string, unknown> = {}) {
  return { id: 'n1', z: 'f1', type: 'cam-stream-out', name: 'cam', path: 'cam', port, host: '127.0.0.1', rtsp: true, http: true, ...extra };
}

const catchNode = { id: 'c1', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['h1']] };
const helperNode = { id: 'h1', z: 'f1', type: 'helper' };

/** Sends the frames of an ffmpeg-made stream to node n1 at `fps` until stopped. */
function feedNode(kind: 'mjpeg' | 'h264', fps = 10): () => void {
  const frames = framesOfFile(testStream({ kind, seconds: 2 }), kind);
  let i = 0;
  const timer = setInterval(() => {
    const f = frames[i++ % frames.length];
    helper.getNode('n1')?.receive({ topic: 'cam', payload: f.payload, frame: { ...f.frame, timestamp: Date.now() } });
  }, 1000 / fps);
  return () => clearInterval(timer);
}

describe('cam-stream-out node', () => {
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    capturedRed = null;
  });

  it('serves its input frames over RTSP to ffmpeg, and shows fps and viewers', async () => {
    requireTool('ffmpeg');
    const port = await freePort();
    await helper.load(nodeModule, [TAB, streamNode(port)]);
    const stop = feedNode('h264');
    try {
      const result = await runTool('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-rtsp_transport', 'tcp', '-i', `rtsp://127.0.0.1:${port}/cam`, '-frames:v', '10', '-f', 'framecrc', '-']);
      assert.equal(result.stderr, '');
      assert.equal(result.code, 0);
      assert.equal(result.stdout.split('\n').filter((l) => /^0,/.test(l)).length, 10);
      const n1 = helper.getNode('n1');
      await waitFor(() => n1.status.args.some((a: any[]) => /fps, \d+ viewer/.test(a[0]?.text)), 10_000, 'a streaming status');
    } finally {
      stop();
    }
  });

  it('serves MJPEG and snapshot.jpg on httpNode, behind httpNodeMiddleware', async () => {
    const port = await freePort();
    let middlewareCalls = 0;
    helper.settings({
      httpNodeMiddleware: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => {
        middlewareCalls++;
        if (req.headers.authorization !== 'Bearer letmein') {
          res.writeHead(401).end();
          return;
        }
        next();
      },
    });
    await helper.load(nodeModule, [TAB, streamNode(port)]);
    const app = capturedRed!.httpNode as unknown as http.RequestListener;
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/cam`;
    const stop = feedNode('mjpeg');
    try {
      const n1 = helper.getNode('n1');
      await waitFor(() => n1.status.args.some((a: any[]) => /fps/.test(a[0]?.text)), 10_000, 'frames to arrive');
      const denied = await runTool('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${base}/snapshot.jpg`]);
      assert.equal(denied.stdout, '401');
      const snapshot = await runTool('curl', ['-s', '-H', 'Authorization: Bearer letmein', '-w', '\n%{http_code} %{content_type}', `${base}/snapshot.jpg`]);
      assert.equal(snapshot.stdout.split('\n').pop(), '200 image/jpeg');
      const stream = await runTool('curl', ['-s', '-i', '--max-time', '1', '-H', 'Authorization: Bearer letmein', `${base}/stream.mjpeg`]);
      assert.equal(stream.code, 28, 'the stream ran until curl stopped it');
      assert.match(stream.stdout, /multipart\/x-mixed-replace; boundary=p2pcamframe/);
      assert.ok((stream.stdout.match(/--p2pcamframe\r\nContent-Type: image\/jpeg/g) ?? []).length >= 3);
      assert.ok(middlewareCalls >= 3);
    } finally {
      stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('raises a catchable error for a bad frame and serves the next good one', async () => {
    const port = await freePort();
    await helper.load(nodeModule, [TAB, streamNode(port), catchNode, helperNode]);
    const n1 = helper.getNode('n1');
    const caught = collect('h1', 3);
    const [good] = framesOfFile(testStream({ kind: 'mjpeg', seconds: 1 }), 'mjpeg');
    n1.receive({ payload: 'hello' });
    n1.receive({ payload: good.payload.subarray(0, 500), frame: { ...good.frame } });
    n1.receive({ payload: Buffer.alloc(10), frame: { ...good.frame, codec: 'aac', kind: 'audio' } });
    const errors = await caught;
    assert.match(errors[0].error.message, /needs a frame message/);
    assert.match(errors[1].error.message, /truncated JPEG/);
    assert.match(errors[2].error.message, /codec aac/);
    await waitFor(() => n1.status.args.some((a: any[]) => a[0]?.fill === 'red' && a[0]?.shape === 'dot'), 5000, 'a red status');
    n1.receive({ payload: good.payload, frame: { ...good.frame } });
    const c = new RtspTestClient(port);
    try {
      const play = await c.playTcp();
      assert.equal(play.status, 200);
      await waitFor(() => c.markers >= 1, 5000, 'the good frame');
      assert.equal(c.packets[0].header.payloadType, 26);
    } finally {
      c.close();
    }
  });

  it('shares one port between paths, and refuses a path taken twice', async () => {
    const port = await freePort();
    await helper.load(nodeModule, [TAB, streamNode(port), { ...streamNode(port), id: 'n2', path: 'other' }, { ...streamNode(port), id: 'n3', path: 'cam', http: false }]);
    const n3 = helper.getNode('n3');
    await waitFor(() => n3.error.args.length > 0, 5000, 'the duplicate path error');
    assert.match(String(n3.error.args[0][0]), /already served/);
    const [good] = framesOfFile(testStream({ kind: 'mjpeg', seconds: 1 }), 'mjpeg');
    helper.getNode('n2').receive({ payload: good.payload, frame: { ...good.frame } });
    const c = new RtspTestClient(port, 'other');
    try {
      assert.equal((await c.request('DESCRIBE')).status, 200);
    } finally {
      c.close();
    }
  });

  it('reports a port in use with a red status and an error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await helper.load(nodeModule, [TAB, streamNode(port)]);
      const n1 = helper.getNode('n1');
      await waitFor(() => n1.status.args.some((a: any[]) => a[0]?.text === `port ${port} in use`), 5000, 'the port-in-use status');
      assert.match(String(n1.error.args[0][0]), /EADDRINUSE/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('leaves no port bound after redeploys and a final stop, even with clients attached', async () => {
    const port = await freePort();
    const [good] = framesOfFile(testStream({ kind: 'mjpeg', seconds: 1 }), 'mjpeg');
    await helper.load(nodeModule, [TAB, streamNode(port)]);
    const udpPorts: number[] = [];
    for (let deploy = 0; deploy < 3; deploy++) {
      helper.getNode('n1').receive({ payload: good.payload, frame: { ...good.frame } });
      const c = new RtspTestClient(port);
      assert.equal((await c.playTcp()).status, 200, `deploy ${deploy}: a client plays`);
      const udp = new RtspTestClient(port);
      await udp.request('DESCRIBE');
      const setup = await udp.request('SETUP', `${udp.url}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=41000-41001' });
      assert.equal(setup.status, 200);
      udpPorts.push(...(/server_port=(\d+)-(\d+)/.exec(setup.headers.get('transport')!) ?? []).slice(1).map(Number));
      await helper.setFlows([TAB, streamNode(port, { name: `cam ${deploy}` })], 'full');
      await Promise.all([c.whenClosed(), udp.whenClosed()]);
    }
    await helper.unload();
    assert.equal(openRtspServerCount(), 0);
    assert.ok(await portIsFree(port), 'the RTSP port is free again');
    assert.equal(udpPorts.length, 6);
    const dgram = await import('node:dgram');
    for (const udpPort of udpPorts) {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(udpPort, '127.0.0.1', () => resolve());
      });
      socket.close();
    }
  });
});
