// frame-assembler inside Node-RED (4.1 or 5, per run): the frame contract on output 1, status
// messages on output 2, catchable errors, control messages, and clean redeploys.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import frameAssembler = require('../../nodes/media/assembler/frame-assembler');
import { chunked, probePackets, testStream } from '../support/ffmpeg';
import jpeg = require('jpeg-js');
import { TAB, collect, coreNode, delay, expectedNodeRedMajor, helper, record, waitFor } from '../support/node-red';
import { requireTool } from '../support/ffmpeg';

function flow(props: Record<string, unknown> = {}) {
  return [
    TAB,
    { id: 'fa', z: 'f1', type: 'frame-assembler', name: 'porch', mode: 'mjpeg', maxFrameSize: 8, wires: [['frames'], ['statuses']], ...props },
    { id: 'frames', z: 'f1', type: 'helper', wires: [] },
    { id: 'statuses', z: 'f1', type: 'helper', wires: [] },
    { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper', wires: [] },
  ];
}

describe(`frame-assembler node (Node-RED ${expectedNodeRedMajor})`, () => {
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('runs on the Node-RED line this run is for', async () => {
    await helper.load(frameAssembler, flow());
    assert.equal(Number(helper._RED.version().split('.')[0]), expectedNodeRedMajor);
    assert.equal(Number(process.versions.node.split('.')[0]), Number(process.env.P2PCAM_EXPECT_NODE ?? process.versions.node.split('.')[0]));
  });

  for (const [mode, kind] of [['mjpeg', 'mjpeg'], ['multipart', 'mpjpeg'], ['h264', 'h264'], ['h265', 'h265']] as const) {
    it(`emits ffmpeg's frames, one per message, per the frame contract (${mode})`, async () => {
      const file = testStream({ kind, seconds: 2 });
      const packets = probePackets(file);
      await helper.load(frameAssembler, flow({ mode }));
      const framesP = collect('frames', packets.length);
      const fa = helper.getNode('fa');
      const start = Date.now();
      for (const c of chunked(fs.readFileSync(file), 'random', 21)) fa.receive({ payload: c });
      fa.receive({ flush: true });
      const frames = await framesP;
      frames.forEach((msg, i) => {
        assert.equal(msg.topic, 'porch');
        assert.ok(Buffer.isBuffer(msg.payload));
        assert.equal(msg.payload.length, packets[i].size, `frame ${i}`);
        const { timestamp, ...rest } = msg.frame;
        assert.ok(timestamp >= start && timestamp <= Date.now());
        assert.deepEqual(rest, {
          camera: 'porch', source: 'assembler', kind: 'video', codec: mode === 'multipart' || mode === 'mjpeg' ? 'jpeg' : mode,
          keyframe: packets[i].keyframe, seq: i, width: 320, height: 240,
        });
        assert.deepEqual(Object.keys(msg).filter((k) => k !== '_msgid').sort(), ['frame', 'payload', 'topic'], 'no other properties on a frame message');
      });
    });
  }

  it('assembles what ffmpeg writes through Node-RED\'s own exec node', async () => {
    requireTool('ffmpeg');
    const exec = coreNode('function/90-exec.js');
    const cmd = 'ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 25 -f mjpeg -q:v 5 -';
    await helper.load([exec, frameAssembler], [
      ...flow(),
      { id: 'x1', z: 'f1', type: 'exec', command: cmd, addpay: '', append: '', useSpawn: 'true', timer: '', winHide: false, oldrc: false, wires: [['fa'], [], []] },
    ]);
    const framesP = collect('frames', 25, 30_000);
    helper.getNode('x1').receive({ payload: '' });
    const frames = await framesP;
    frames.forEach((m, i) => {
      const image = jpeg.decode(m.payload, { useTArray: true });
      assert.equal(image.width, 320, `frame ${i} decodes`);
      assert.equal(m.frame.seq, i);
    });
  });

  it('works when fed one byte per message', async () => {
    const file = testStream({ kind: 'h264', seconds: 1, size: '160x120' });
    const packets = probePackets(file);
    await helper.load(frameAssembler, flow({ mode: 'h264' }));
    const framesP = collect('frames', packets.length, 60_000);
    const fa = helper.getNode('fa');
    for (const c of chunked(fs.readFileSync(file), 'bytes')) fa.receive({ payload: c });
    fa.receive({ flush: true });
    const frames = await framesP;
    assert.deepEqual(frames.map((m) => m.payload.length), packets.map((p) => p.size));
  });

  it('reports a non-Buffer payload to Catch nodes and keeps working', async () => {
    const jpegs = fs.readFileSync(testStream({ kind: 'mjpeg', seconds: 1 }));
    await helper.load(frameAssembler, flow());
    const caughtP = collect('caught', 3);
    const fa = helper.getNode('fa');
    fa.receive({ payload: { an: 'object' }, topic: 't1' });
    fa.receive({ payload: 42 });
    fa.receive({ payload: [1, 2, 3] });
    const caught = await caughtP;
    assert.match(caught[0].error.message, /needs a Buffer in msg\.payload \(got an object\)/);
    assert.equal(caught[0].topic, 't1', 'the failing message itself reaches the Catch node');
    assert.match(caught[1].error.message, /got a number/);
    assert.match(caught[2].error.message, /got an array/);
    await waitFor(() => fa.status.args.some((a: any[]) => a[0].text === 'input not a Buffer'), 3000, 'error status');
    const status = fa.status.args.find((a: any[]) => a[0].text === 'input not a Buffer')![0] as any;
    assert.deepEqual(status, { fill: 'red', shape: 'dot', text: 'input not a Buffer' });
    const framesP = collect('frames', 1);
    fa.receive({ payload: jpegs });
    assert.ok((await framesP)[0].payload.length > 1000);
  });

  it('ignores empty Buffers; counts garbage on the status output and as a catchable error', async () => {
    const jpeg = fs.readFileSync(testStream({ kind: 'mjpeg', seconds: 1 }));
    await helper.load(frameAssembler, flow());
    const statuses = record('statuses');
    const caughtP = collect('caught', 1);
    const framesP = collect('frames', 10);
    const fa = helper.getNode('fa');
    fa.receive({ payload: Buffer.alloc(0) });
    fa.receive({ payload: Buffer.from('garbage garbage') });
    fa.receive({ payload: jpeg });
    const caught = await caughtP;
    assert.match(caught[0].error.message, /dropped 15 bytes \(15 garbage\)/);
    await framesP;
    await waitFor(() => statuses.length >= 2, 3000, 'status messages');
    assert.equal(statuses[0].topic, 'porch/status');
    assert.equal(statuses[0].payload.state, 'error');
    assert.equal(statuses[0].payload.lastDroppedBytes, 15);
    assert.equal(statuses[1].payload.state, 'streaming');
    assert.equal(statuses[1].payload.frames, 10);
  });

  it('msg.reset forgets a half frame and numbers from 0 again', async () => {
    const jpegStream = fs.readFileSync(testStream({ kind: 'mjpeg', seconds: 1 }));
    await helper.load(frameAssembler, flow());
    const frames = record('frames');
    const fa = helper.getNode('fa');
    fa.receive({ payload: jpegStream });
    await waitFor(() => frames.length === 10, 5000);
    fa.receive({ payload: jpegStream.subarray(0, 2000) }); // half a frame
    fa.receive({ reset: true });
    fa.receive({ payload: jpegStream });
    await waitFor(() => frames.length === 20, 5000);
    assert.deepEqual(frames.slice(10).map((m) => m.frame.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(frames[10].payload.equals(frames[0].payload), 'the first frame after the reset is whole');
  });

  it('a file-in stream of Buffers flushes the last H.264 frame on its last part', async () => {
    const file = testStream({ kind: 'h264', seconds: 1 });
    const data = fs.readFileSync(file);
    const packets = probePackets(file);
    await helper.load(frameAssembler, flow({ mode: 'h264' }));
    const framesP = collect('frames', packets.length);
    const fa = helper.getNode('fa');
    const chunks = chunked(data, 'random', 5);
    chunks.forEach((c, index) => fa.receive({ payload: c, parts: { id: 'x', type: 'buffer', ch: '', index, ...(index === chunks.length - 1 ? { count: chunks.length } : {}) } }));
    assert.equal((await framesP).length, packets.length);
  });

  it('leaves no timer behind after 100 redeploys', async () => {
    await helper.load(frameAssembler, flow());
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await helper.setFlows(flow({ name: 'r0' }), 'full');
    await delay(20);
    const before = timers();
    for (let i = 1; i <= 100; i++) await helper.setFlows(flow({ name: `r${i}` }), 'full');
    await delay(50);
    assert.ok(timers() <= before, `timers: ${before} before, ${timers()} after`);
  });
});
