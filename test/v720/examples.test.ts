// Every examples/v720-*.json deploys in Node-RED and does what its comment says, against a
// simulated camera: the cloud's ports are rewritten to free loopback ones (and the external
// broker to a real mosquitto on loopback), the camera gets the device id the example names.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import v720Cloud = require('../../nodes/v720/v720-cloud');
import v720CloudServer = require('../../nodes/v720/v720-cloud-server');
import v720Command = require('../../nodes/v720/v720-command');
import { SimulatedCamera } from '../../sim/v720/camera-simulator';
import { coreNode, helper, record, waitFor } from '../support/node-red';
import { Mosquitto, startMosquitto } from './mosquitto';

type Node = Record<string, any>;
const ROOT = path.resolve(__dirname, '../../..');
const NODES = [
  v720Cloud, v720CloudServer, v720Command,
  ...['common/20-inject.js', 'common/21-debug.js', 'common/25-catch.js', 'common/90-comment.js', 'function/10-switch.js', 'function/15-change.js', 'function/89-delay.js', 'storage/10-file.js'].map(coreNode),
];
const EXAMPLE_UID = '0800c00128F8';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await helper.unload();
  for (const stop of stops.splice(0).reverse()) await stop();
});

/**
 * An example as the editor imports it — onto a tab — with its v720-cloud moved to loopback and
 * free ports.
 */
function example(file: string, broker?: Mosquitto): Node[] {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as Node[];
  for (const n of flow) {
    if (n.type !== 'v720-cloud') n.z ??= 'example-tab';
    if (n.type !== 'v720-cloud') continue;
    Object.assign(n, { advertisedHost: '127.0.0.1', bindHost: '127.0.0.1', httpPort: '0', tcpPort: '0', mqttPort: '0' });
    if (n.mqttMode === 'external') n.brokerUrl = broker!.url;
  }
  return [{ id: 'example-tab', type: 'tab', label: file }, ...flow];
}

/** Wires a helper node to an output of the node with `id`; returns the helper's id. */
function probe(flow: Node[], id: string, output: number): string {
  const node = flow.find((n) => n.id === id)!;
  const probeId = `probe-${id}-${output}`;
  node.wires[output].push(probeId);
  flow.push({ id: probeId, type: 'helper', z: node.z, wires: [] });
  return probeId;
}

async function simulatedCamera(mqttUrl?: string): Promise<SimulatedCamera> {
  const cloud = flowCloud();
  await cloud.ready;
  const cam = new SimulatedCamera({
    uid: EXAMPLE_UID, cloudHost: '127.0.0.1', httpPort: cloud.cloud.ports.http, mqttUrl: mqttUrl ?? `mqtt://127.0.0.1:${cloud.cloud.ports.mqtt}`,
    localAddress: '127.0.0.1', pictures: { width: 160, height: 120 }, fps: 10, infoDelayMs: 50,
  });
  stops.push(() => cam.stop());
  await cam.start();
  return cam;
}

let cloudId = '';
function flowCloud(): Node {
  return helper.getNode(cloudId);
}

async function deploy(flow: Node[]): Promise<void> {
  cloudId = flow.find((n) => n.type === 'v720-cloud')!.id;
  await helper.load(NODES, flow);
}

describe('v720 example flows', () => {
  it('every v720 example is a flow export with a comment that explains it', () => {
    const files = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.startsWith('v720-'));
    assert.ok(files.length >= 3);
    for (const f of files) {
      const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8')) as Node[];
      assert.ok(flow.some((n) => n.type === 'comment' && n.info.length > 50), `${f} explains itself`);
      assert.ok(flow.some((n) => n.type === 'v720-cloud'), `${f} has its cloud`);
    }
  });

  it('"V720 camera settings": each button changes the camera, errors go to the catch node', async () => {
    const flow = example('v720-commands.json');
    const statesProbe = probe(flow, 'b720c0de5d2b3406', 0);
    const errorsProbe = probe(flow, 'b720c0de5d2b3408', 0);
    await deploy(flow);
    const states = record(statesProbe);
    const errors = record(errorsProbe);
    const cam = await simulatedCamera();
    await waitFor(() => flowCloud().cloud.registry.get(EXAMPLE_UID)?.info != null, 15_000, 'the camera on MQTT');
    for (const [inject, count] of [['b720c0de5d2b3402', 1], ['b720c0de5d2b3403', 2], ['b720c0de5d2b3404', 3], ['b720c0de5d2b3405', 4]] as const) {
      helper.getNode(inject).receive({});
      await waitFor(() => states.length >= count, 20_000, `the answer to ${inject}`);
    }
    assert.deepEqual([cam.settings.IrLed, cam.settings.mirrorFlip, cam.settings.instLed, cam.settings.moveAlert], [1, 4, 0, 1]);
    helper.getNode('b720c0de5d2b3406').receive({ topic: 'irLed', payload: 'maybe' });
    await waitFor(() => errors.length > 0, 10_000, 'the error at the catch node');
    assert.match(errors[0].error.message, /IrLed takes 0, 1, 2/);
  });

  it('"V720 cameras with your own MQTT broker": status through mosquitto, and the Wi-Fi scan answer', async () => {
    const broker = await startMosquitto();
    stops.push(() => broker.stop());
    const flow = example('v720-external-mqtt.json', broker);
    const eventsProbe = probe(flow, 'c720b0b0ca2b3402', 1);
    const scansProbe = probe(flow, 'c720b0b0ca2b3405', 0);
    await deploy(flow);
    const events = record(eventsProbe);
    const scans = record(scansProbe);
    await simulatedCamera(broker.url);
    await waitFor(() => events.some((e) => e.topic === `${EXAMPLE_UID}/status` && e.payload.reason === 'info'), 20_000, 'the camera\'s Info on the status output');
    helper.getNode('c720b0b0ca2b3404').receive({});
    await waitFor(() => scans.length > 0, 20_000, 'the scan');
    assert.equal(typeof scans[0].payload.scanWifiBase64, 'string');
  });

  it('"a snapshot file every 10 s": the camera\'s picture lands in a file named after it', async () => {
    const flow = example('v720-stream-to-files.json');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'v720-example-'));
    stops.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    flow.find((n) => n.name === 'file name')!.rules[0].to = `"${dir}/v720-" & topic & ".jpg"`;
    await deploy(flow);
    await simulatedCamera();
    const file = path.join(dir, `v720-${EXAMPLE_UID}.jpg`);
    await waitFor(() => fs.existsSync(file) && fs.statSync(file).size > 100, 30_000, 'the snapshot file');
    await waitFor(() => {
      const jpeg = fs.readFileSync(file);
      return jpeg[0] === 0xff && jpeg[1] === 0xd8 && jpeg[jpeg.length - 2] === 0xff && jpeg[jpeg.length - 1] === 0xd9;
    }, 5000, 'a whole JPEG');
  });
});
