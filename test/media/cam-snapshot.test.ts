import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { FrameMessage } from '../../nodes/core/frame';
import camMotion = require('../../nodes/media/motion/cam-motion');
import camSnapshot = require('../../nodes/media/snapshot/cam-snapshot');
import { readJpegLuma } from '../../nodes/media/jpeg/jpeg-dc-reader';
import { StreamAssembler } from '../../nodes/media/assembler/frame-assembler-engine';
import { testStream } from '../support/ffmpeg';
import { TAB, helper, record, waitFor } from '../support/node-red';
import { framesOfFile } from './frame-feed';
import { ffmpegChildren, motionClip } from './media-fixtures';


function h264Frames(size = '320x240'): FrameMessage[] {
  return framesOfFile(testStream({ kind: 'h264', size }), 'h264');
}

function flow(extra: Record<string, unknown> = {}): object[] {
  return [
    TAB,
    { id: 's', z: 'f1', type: 'cam-snapshot', name: '', mode: 'demand', interval: 10, rate: 1, maxWidth: 0, httpPath: '', ffmpegPath: '', wires: [['out']], ...extra },
    { id: 'out', z: 'f1', type: 'helper' },
    { id: 'c', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper' },
  ];
}

function get(port: number, path: string): Promise<{ status: number; type?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('cam-snapshot node', () => {
  afterEach(async () => {
    await helper.unload();
    assert.deepEqual(ffmpegChildren(), [], 'no ffmpeg left after the flow stops');
  });

  it('passes JPEG frames through untouched, rate-limited in each-frame mode', async () => {
    const clip = motionClip({ codec: 'mjpeg' });
    await helper.load(camSnapshot, flow({ mode: 'each', rate: 1 }));
    const out = record('out');
    const node = helper.getNode('s');
    for (const f of clip.frames) node.receive(f);
    await waitFor(() => out.length >= 1, 5000, 'a snapshot');
    assert.equal(out[0].payload, clip.frames[0].payload, 'the very same Buffer');
    assert.equal(out[0].frame.codec, 'jpeg');
    assert.equal(out[0].snapshot.from, 'jpeg');
    assert.ok(out.length < clip.frames.length / 2, `${out.length} of ${clip.frames.length} frames passed at 1 per second`);
  });

  it('makes a JPEG of an H.264 GOP on demand, scaled down, fed from the last keyframe', async () => {
    const frames = h264Frames('640x480');
    await helper.load(camSnapshot, flow({ maxWidth: 320 }));
    const out = record('out');
    const node = helper.getNode('s');
    const upTo = frames.findIndex((f, i) => i > 0 && f.frame.keyframe) + 4; // into the second GOP
    assert.ok(upTo <= frames.length);
    for (const f of frames.slice(0, upTo)) node.receive(f);
    node.receive({ action: 'snapshot', topic: 'cam', note: 'kept' });
    await waitFor(() => out.length === 1, 20_000, 'the snapshot');
    const snap = out[0];
    assert.equal(snap.note, 'kept');
    assert.equal(snap.frame.codec, 'jpeg');
    assert.equal(snap.snapshot.from, 'h264');
    assert.equal(snap.snapshot.seq, upTo - 1, 'shows the newest frame');
    assert.equal(snap.frame.width, 320);
    assert.equal(snap.frame.height, 240);
    const luma = readJpegLuma(snap.payload);
    assert.equal(luma.sourceWidth, 320);
    // The same frames decoded by a fresh ffmpeg: the newest picture should look the same.
    const keyAt = frames.findIndex((f, i) => i > 0 && f.frame.keyframe);
    const reference = execFileSync('ffmpeg', ['-v', 'error', '-f', 'h264', '-i', 'pipe:0', '-vf', 'scale=320:240', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'],
      { input: Buffer.concat(frames.slice(keyAt, upTo).map((f) => f.payload)) });
    const refFrames = new StreamAssembler({ mode: 'mjpeg', camera: 'r' }).push(reference).frames;
    const want = readJpegLuma(refFrames[refFrames.length - 1].payload);
    let diff = 0;
    for (let i = 0; i < want.data.length; i++) diff += Math.abs(want.data[i] - luma.data[i]);
    assert.ok(diff / want.data.length < 4, `mean difference ${(diff / want.data.length).toFixed(1)} from the reference`);
  });

  it('sends pictures on an interval only when new frames came', async () => {
    const clip = motionClip({ codec: 'mjpeg' });
    await helper.load(camSnapshot, flow({ mode: 'interval', interval: 0.2 }));
    const out = record('out');
    helper.getNode('s').receive(clip.frames[5]);
    await waitFor(() => out.length === 1, 5000, 'an interval snapshot');
    assert.equal(out[0].frame.seq, 5);
    helper.getNode('s').receive(clip.frames[6]);
    await waitFor(() => out.length === 2, 5000, 'the next one');
    assert.equal(out[1].frame.seq, 6);
  });

  it('takes a picture per motion event, with msg.motion kept (the motion pipeline)', async () => {
    const clip = motionClip({ codec: 'mjpeg', enter: 30, leave: 50 });
    await helper.load([camMotion, camSnapshot], [
      TAB,
      { id: 'm', z: 'f1', type: 'cam-motion', sensitivity: 50, minArea: 1, cooldown: 1, mask: '', ffmpegPath: '', wires: [['s']] },
      // One picture a second at most, but motion events always get theirs (the clip is replayed
      // faster than real time, so start and end come within a few milliseconds).
      { id: 's', z: 'f1', type: 'cam-snapshot', mode: 'each', rate: 1, maxWidth: 0, httpPath: '', ffmpegPath: '', wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ]);
    const out = record('out');
    for (const f of clip.frames) helper.getNode('m').receive(f);
    await waitFor(() => out.length === 2, 20_000, 'two pictures');
    assert.deepEqual(out.map((m) => [m.motion.event, m.frame.seq]), [['start', 30], ['end', 59]]);
    assert.ok(out[0].payload.equals(clip.frames[30].payload));
  });

  it('serves the newest picture at <path>/snapshot.jpg and removes the route on close', async () => {
    const clip = motionClip({ codec: 'mjpeg' });
    await helper.load(camSnapshot, flow({ httpPath: '/garden/' }));
    const app = (helper as any)._registryUtil.createNodeApi({}).httpNode;
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      assert.equal((await get(port, '/garden/snapshot.jpg')).status, 503);
      helper.getNode('s').receive(clip.frames[3]);
      const res = await get(port, '/garden/snapshot.jpg');
      assert.equal(res.status, 200);
      assert.equal(res.type, 'image/jpeg');
      assert.ok(res.body.equals(clip.frames[3].payload));
      await helper.unload();
      assert.equal((await get(port, '/garden/snapshot.jpg')).status, 404);
    } finally {
      server.close();
    }
  });

  it('gives catchable errors for bad frames and goes on', async () => {
    const clip = motionClip({ codec: 'mjpeg' });
    const frames = h264Frames();
    await helper.load(camSnapshot, flow({ mode: 'each', rate: 100 }));
    const out = record('out');
    const errors = record('caught');
    const node = helper.getNode('s');
    node.receive({ ...clip.frames[0], payload: clip.frames[0].payload.subarray(0, 300) });
    node.receive({ ...frames[1], frame: { ...frames[1].frame, camera: 'h' } });
    node.receive({ action: 'snapshot', topic: 'h' });
    const key = frames[0].payload;
    node.receive({ ...frames[0], frame: { ...frames[0].frame, camera: 'bare' }, payload: key.subarray(key.indexOf(Buffer.from([0, 0, 1, 0x65]))) });
    node.receive({ ...clip.frames[0], frame: { ...clip.frames[0].frame, kind: 'audio', codec: 'pcma' } });
    await waitFor(() => errors.length === 4, 10_000, 'four errors');
    const messages = errors.map((e) => e.error.message).join('\n');
    assert.match(messages, /broken JPEG/);
    assert.match(messages, /no h264 keyframe from "h" yet/);
    assert.match(messages, /without SPS\/PPS/);
    assert.match(messages, /not audio pcma/);
    node.receive(clip.frames[1]);
    await waitFor(() => out.length === 1, 5000, 'the next good frame');
    assert.equal(out[0].frame.seq, 1);
  });

  it('shows a red status and a catchable error when ffmpeg is missing', async () => {
    const frames = h264Frames();
    await helper.load(camSnapshot, flow({ ffmpegPath: '/nonexistent/ffmpeg' }));
    const errors = record('caught');
    const shown: { fill?: string; text?: string }[] = [];
    helper.getNode('s').on('call:status', (call: { args: unknown[] }) => shown.push(call.args[0] as { text?: string }));
    helper.getNode('s').receive({ ...frames[0], action: 'snapshot' });
    await waitFor(() => errors.length === 1, 10_000, 'an error');
    assert.match(errors[0].error.message, /ffmpeg not found/);
    await waitFor(() => shown.some((s) => s.fill === 'red' && s.text === 'ffmpeg missing'), 5000, 'the red status');
  });

  it('leaves no ffmpeg behind after redeploys', async () => {
    const frames = h264Frames();
    for (let round = 0; round < 3; round++) {
      await helper.load(camSnapshot, flow());
      const out = record('out');
      for (const f of frames.slice(0, 5)) helper.getNode('s').receive(f);
      helper.getNode('s').receive({ action: 'snapshot', topic: 'cam' });
      await waitFor(() => out.length === 1, 20_000, 'a snapshot');
      assert.equal(ffmpegChildren().length, 1);
      await helper.unload();
      assert.deepEqual(ffmpegChildren(), [], `no ffmpeg after redeploy ${round + 1}`);
    }
  });
});
