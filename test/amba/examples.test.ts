// The amba example flows deploy in Node-RED and do what their comment says, against the simulator.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import cameraNode = require('../../nodes/amba/amba-camera');
import rpcNode = require('../../nodes/amba/amba-rpc');
import { SimulatedCamera, startSimulatedCamera } from '../../sim/amba/camera-simulator';
import { coreNode, helper, waitFor } from '../support/node-red';

type Node = Record<string, any>;
const ROOT = path.resolve(__dirname, '../../..');
const NODES = [
  cameraNode,
  rpcNode,
  ...['common/20-inject.js', 'common/21-debug.js', 'common/25-catch.js', 'common/90-comment.js', 'function/10-switch.js', 'function/15-change.js', 'storage/10-file.js'].map(coreNode),
];
const cams: SimulatedCamera[] = [];
afterEach(async () => {
  await helper.unload();
  for (const cam of cams.splice(0)) await cam.stop();
});

/** An example with its amba-camera pointed at a simulated camera. */
async function example(file: string, model: 'yi1' | 'mijia4k' = 'yi1'): Promise<{ flow: Node[]; cam: SimulatedCamera }> {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as Node[];
  const cam = await startSimulatedCamera({ model, timeScale: 0.25 });
  cams.push(cam);
  for (const n of flow) if (n.type === 'amba-camera') Object.assign(n, { host: '127.0.0.1', controlPort: cam.controlPort, dataPort: cam.dataPort });
  return { flow, cam };
}

const sent = (cam: SimulatedCamera, msgId: number): boolean => cam.requests.some((r) => JSON.parse(r.text).msg_id === msgId);

describe('amba example flows', () => {
  it('every example is a flow export with a comment, and uses amba-rpc', () => {
    const files = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.startsWith('amba-'));
    assert.equal(files.length, 3);
    for (const f of files) {
      const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8')) as Node[];
      assert.ok(Array.isArray(flow));
      assert.ok(flow.some((n) => n.type === 'comment' && n.info.length > 50), `${f} explains itself`);
      assert.ok(flow.some((n) => n.type === 'amba-rpc') && flow.some((n) => n.type === 'amba-camera'));
    }
  });

  it('"take a photo every minute and download it" saves the new photo', async () => {
    const { flow, cam } = await example('amba-photo-every-minute.json');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amba-example-'));
    const rename = flow.find((n) => n.name === 'file name')!;
    rename.rules[0].to = `"${dir}/" & $reverse($split(path, "/"))[0]`;
    await helper.load(NODES, flow);
    helper.getNode('a1i0').receive({ topic: 'takePhoto', awaitEvent: true });
    const saved = path.join(dir, 'YDXJ0002.jpg');
    await waitFor(() => fs.existsSync(saved) && fs.statSync(saved).size > 0, 15_000, 'the photo on disk');
    await waitFor(() => fs.readFileSync(saved).equals(cam.sd.get(`${cam.model.media_dir}/YDXJ0002.jpg`)!.data), 5000, 'the whole photo');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('"record while a trigger is on" starts and stops the recording', async () => {
    const { flow, cam } = await example('amba-record-while-trigger.json', 'mijia4k');
    await helper.load(NODES, flow);
    helper.getNode('b2i0').receive({ payload: true });
    await waitFor(() => cam.state.recording === true, 10_000, 'recording');
    helper.getNode('b2i1').receive({ payload: false });
    await waitFor(() => cam.state.recording === false && sent(cam, 514), 10_000, 'stopped');
  });

  it('"show every camera event" connects at deploy and passes camera events on', async () => {
    const { flow, cam } = await example('amba-show-every-event.json');
    const rpc = flow.find((n) => n.type === 'amba-rpc')!;
    rpc.wires[1].push('probe');
    flow.push({ id: 'probe', type: 'helper', z: rpc.z });
    await helper.load([...NODES], flow);
    const events: Node[] = [];
    helper.getNode('probe').on('input', (m: Node) => events.push(m));
    await waitFor(() => sent(cam, 13), 10_000, 'the battery request of the inject');
    cam.notify('sd_card_status', 'remove');
    cam.notify('setting_changed', 'video_stamp');
    await waitFor(() => events.some((e) => e.topic === 'sd_card_status'), 5000, 'the card event');
    assert.ok(events.some((e) => e.topic === 'Yi camera/status' && e.payload.state === 'online'));
  });
});
