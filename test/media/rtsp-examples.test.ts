import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import camStreamOut = require('../../nodes/media/cam-stream-out');
import frameAssembler = require('../../nodes/media/frame-assembler');
import { requireTool } from '../support/ffmpeg';
import { TAB, helper, nodeRedLine, waitFor } from '../support/node-red';

const root = path.resolve(__dirname, '..', '..', '..');

/** A core node module (inject, exec) of the Node-RED line under test. */
function coreNode(file: string): (RED: unknown) => void {
  const runtime = path.dirname(require.resolve(nodeRedLine === 'nr5' ? 'node-red-5/package.json' : 'node-red/package.json'));
  return require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [runtime] }));
}

function loadExample(name: string): Record<string, any>[] {
  return JSON.parse(fs.readFileSync(path.join(root, 'examples', name), 'utf8'));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function ffprobe(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  requireTool('ffprobe');
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name,width,height', '-of', 'compact', url], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stdout, stderr });
    });
  });
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
    const probe = await ffprobe(`rtsp://127.0.0.1:${port}/camera`);
    assert.equal(probe.stderr, '');
    assert.equal(probe.code, 0);
    assert.match(probe.stdout, /codec_name=mjpeg\|width=640\|height=480/);
  });
});
