import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import camMotion = require('../../nodes/media/motion/cam-motion');
import camSnapshot = require('../../nodes/media/snapshot/cam-snapshot');
import frameAssembler = require('../../nodes/media/assembler/frame-assembler');
import { requireTool } from '../support/ffmpeg';
import { TAB, coreNode, helper, waitFor } from '../support/node-red';
import { ffmpegChildren } from './media-fixtures';

const root = path.resolve(__dirname, '..', '..', '..');

describe('example flows', () => {
  afterEach(async () => {
    await helper.unload();
    await waitFor(() => ffmpegChildren().length === 0, 10_000, 'the generated camera and decoders to stop');
  });

  it('the motion-triggered snapshot pipeline runs: a generated camera, events, JPEG files', async () => {
    requireTool('ffmpeg');
    const flow = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'motion-snapshot-pipeline.json'), 'utf8')) as Record<string, any>[];
    assert.ok(flow.some((n) => n.type === 'comment'), 'the example explains itself');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-example-'));
    const nodes: Record<string, any>[] = flow.map((n) => ({ ...n, z: TAB.id }));
    // Same flow, but the files go to a temp directory of this test.
    const naming = nodes.find((n) => n.type === 'change')!;
    naming.rules[0].to = naming.rules[0].to.replace("'/tmp/motion-'", JSON.stringify(`${dir}/motion-`).replace(/"/g, "'"));
    await helper.load([
      coreNode('common/20-inject.js'), coreNode('common/21-debug.js'), coreNode('common/90-comment.js'),
      coreNode('function/90-exec.js'), coreNode('function/15-change.js'), coreNode('storage/10-file.js'),
      frameAssembler, camMotion, camSnapshot,
    ] as any, [TAB, ...nodes]);
    try {
      // The box crosses in the first four seconds of every twenty; three seconds of quiet end it.
      await waitFor(() => fs.readdirSync(dir).some((f) => f.endsWith('-end.jpg')), 30_000, 'a start and an end picture');
      const files = fs.readdirSync(dir).sort();
      assert.ok(files.some((f) => f.endsWith('-start.jpg')), files.join(','));
      const jpeg = fs.readFileSync(path.join(dir, files[0]));
      assert.equal(jpeg[0], 0xff);
      assert.equal(jpeg[1], 0xd8);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
