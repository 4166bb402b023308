import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import camStreamOut = require('../../nodes/media/serving/cam-stream-out');
import frameAssembler = require('../../nodes/media/assembler/frame-assembler');
import { requireTool, runTool } from '../support/ffmpeg';
import { TAB, coreNode, helper, waitFor } from '../support/node-red';
import { freePort } from '../support/ports';

const root = path.resolve(__dirname, '..', '..', '..');

function loadExample(name: string): Record<string, any>[] {
  return JSON.parse(fs.readFileSync(path.join(root, 'examples', name), 'utf8'));
}

describe('cam-stream-out examples', () => {
  afterEach(async () => {
    await helper.unload();
  });

  for (const name of ['serve-camera-rtsp.json', 'dashboard-mjpeg-view.json']) {
    it(`${name} is a flow export with an explaining comment`, () => {
      const flow = loadExample(name);
      assert.ok(Array.isArray(flow));
      assert.ok(flow.some((n) => n.type === 'comment' && n.info.length > 100));
      assert.ok(flow.some((n) => n.type === 'cam-stream-out'));
      const ids = new Set(flow.map((n) => n.id));
      for (const n of flow) for (const out of n.wires ?? []) for (const target of out) assert.ok(ids.has(target), `${n.id} wires to ${target}`);
    });
  }

  it('serve-camera-rtsp.json runs as imported: ffmpeg → frame assembler → stream out → ffprobe', async () => {
    requireTool('ffmpeg');
    const port = await freePort();
    const flow = loadExample('serve-camera-rtsp.json').map((n) => ({ ...n, z: TAB.id, ...(n.type === 'cam-stream-out' ? { port, host: '127.0.0.1' } : {}) }));
    let listening = false;
    const poll = setInterval(() => {
      const socket = net.connect(port, '127.0.0.1', () => {
        listening = true;
        socket.destroy();
      });
      socket.on('error', () => undefined);
    }, 50);
    after(() => clearInterval(poll));
    await helper.load([coreNode('common/90-comment.js'), coreNode('common/20-inject.js'), coreNode('function/90-exec.js'), frameAssembler, camStreamOut], [TAB, ...flow]);
    await waitFor(() => listening, 10_000, 'the RTSP port to listen');
    const probe = await runTool('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name,width,height', '-of', 'compact', `rtsp://127.0.0.1:${port}/camera`]);
    assert.equal(probe.stderr, '');
    assert.equal(probe.code, 0);
    assert.match(probe.stdout, /codec_name=mjpeg\|width=640\|height=480/);
  });
});
