// "Redeploying a flow a hundred times leaves no bound port, timer, socket or child process
// behind": one flow with every node type of the collection, each connected to its simulator in
// this process, deployed 101 times. Afterwards the flow still works, every fixed port can be
// bound again, and this process holds no more handles and no more children than before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ambaCamera = require('../../nodes/amba/amba-camera');
import ambaRpc = require('../../nodes/amba/amba-rpc');
import { SimulatedCamera as AmbaSimulator, startSimulatedCamera } from '../../sim/amba/camera-simulator';
import dahuaDevice = require('../../nodes/dahua/dahua-p2p-device');
import dahuaTunnel = require('../../nodes/dahua/dahua-ptcp-tunnel');
import { DahuaSimulator, startDahuaSimulator } from '../../sim/dahua/dahua-simulator';
import camMotion = require('../../nodes/media/motion/cam-motion');
import camSnapshot = require('../../nodes/media/snapshot/cam-snapshot');
import camStreamOut = require('../../nodes/media/serving/cam-stream-out');
import frameAssembler = require('../../nodes/media/assembler/frame-assembler');
import { H264PcmEncoder, rgbaToYuv420 } from '../../sim/media/h264-pcm-encoder';
import { TestPattern } from '../../sim/media/test-pattern';
import v720Cloud = require('../../nodes/v720/v720-cloud');
import v720Server = require('../../nodes/v720/v720-cloud-server');
import v720Command = require('../../nodes/v720/v720-command');
import xiaomiCamera = require('../../nodes/xiaomi/xiaomi-p2p-camera');
import xiaomiIn = require('../../nodes/xiaomi/xiaomi-p2p-in');
import { fakeTutk } from '../xiaomi/fake-support';
import { TAB, collect, delay, helper, waitFor } from '../support/node-red';
import { freePort, portIsFree, udpPortIsFree } from '../support/ports';
import { childProcessesOf } from '../support/processes';

const NODES = [frameAssembler, camMotion, camSnapshot, camStreamOut, v720Cloud, v720Server, v720Command, ambaCamera, ambaRpc, dahuaDevice, dahuaTunnel, xiaomiCamera, xiaomiIn];
const DEPLOYS = 100;

interface Ports {
  rtsp: number;
  tunnel: number;
  v720Http: number;
  v720TcpUdp: number;
  mqtt: number;
}

/** Handles of this process by kind (TCPServerWrap, UDPWrap, Timeout, TCPSocketWrap, ProcessWrap …). */
function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function flow(ports: Ports, amba: AmbaSimulator, dahua: DahuaSimulator, generation: number) {
  const z = 'f1';
  return [
    TAB,
    { id: 'fa', z, type: 'frame-assembler', name: `cam${generation}`, mode: 'mjpeg', maxFrameSize: 8, wires: [['motion', 'snap', 'out'], []] },
    { id: 'motion', z, type: 'cam-motion', sensitivity: 50, minArea: 1, cooldown: 1, mask: '', wires: [[]] },
    { id: 'snap', z, type: 'cam-snapshot', mode: 'each', interval: 10, rate: 1, maxWidth: 0, httpPath: '/redeploy', wires: [['snaps']] },
    { id: 'snaps', z, type: 'helper', wires: [] },
    { id: 'out', z, type: 'cam-stream-out', path: 'redeploy', rtsp: true, port: ports.rtsp, host: '127.0.0.1', maxClients: 4, queue: 30, http: true, wires: [] },
    { id: 'vcloud', type: 'v720-cloud', name: 'cloud', advertisedHost: '127.0.0.1', bindHost: '127.0.0.1', httpPort: String(ports.v720Http), tcpPort: String(ports.v720TcpUdp), mqttMode: 'embedded', mqttPort: String(ports.mqtt), brokerUrl: '' },
    { id: 'vserver', z, type: 'v720-cloud-server', cloud: 'vcloud', camera: '', video: true, audio: false, wires: [[], []] },
    { id: 'vcommand', z, type: 'v720-command', cloud: 'vcloud', camera: '', wires: [[]] },
    { id: 'acam', type: 'amba-camera', name: 'yi', host: '127.0.0.1', controlPort: amba.controlPort, dataPort: amba.dataPort, model: 'auto', keepalive: 20, timeout: 5, takeover: 'keep', maxDownload: 16 },
    { id: 'arpc', z, type: 'amba-rpc', camera: 'acam', awaitEvent: false, eventTimeout: 15, wires: [['replies'], []] },
    { id: 'replies', z, type: 'helper', wires: [] },
    { id: 'ddev', type: 'dahua-p2p-device', name: 'nvr', serial: dahua.serial, cloudHost: dahua.cloud.host, cloudPort: String(dahua.cloud.port), mode: 'auto', auth: 'auto', udpBind: '127.0.0.1', timeout: '10' },
    { id: 'dtun', z, type: 'dahua-ptcp-tunnel', device: 'ddev', bindAddress: '127.0.0.1', port: String(ports.tunnel), remotePort: '554', statsInterval: '5', wires: [[]] },
    { id: 'xcam', type: 'xiaomi-p2p-camera', name: 'tutk', uid: 'FAKEUID0000000000001', libPath: fakeTutk().dir, startPayload: 'json-empty', frameInfoProfile: 'auto', channel: 0, audio: false, connectTimeout: 5, watchdog: 15 },
    { id: 'xin', z, type: 'xiaomi-p2p-in', camera: 'xcam', wires: [['video'], [], []] },
    { id: 'video', z, type: 'helper', wires: [] },
  ];
}

const CREDENTIALS = { xcam: { account: 'admin', password: '888888' }, ddev: { username: 'admin', password: 'admin123' } };

describe('redeploying every node type 100 times', () => {
  let amba: AmbaSimulator;
  let dahua: DahuaSimulator;
  let jpegs: Buffer[];
  let ports: Ports;

  before(async () => {
    fakeTutk();
    const pattern = new TestPattern({ width: 160, height: 112, period: 10 });
    jpegs = Array.from({ length: 5 }, (_, n) => pattern.jpeg(n));
    const encoder = new H264PcmEncoder(160, 112);
    const h264 = Buffer.concat(Array.from({ length: 20 }, (_, n) => (n % 10 === 0 ? encoder.keyframe(rgbaToYuv420(pattern.rgba(n), 160, 112)) : encoder.repeat())));
    amba = await startSimulatedCamera({ model: 'yi1', timeScale: 0 });
    dahua = await startDahuaSimulator({ h264, fps: 10 });
    ports = { rtsp: await freePort({ udpToo: true }), tunnel: await freePort(), v720Http: await freePort(), v720TcpUdp: await freePort({ udpToo: true }), mqtt: await freePort() };
    await helper.startServer();
  });

  after(async () => {
    await helper.stopServer();
    await amba.stop();
    await dahua.close();
  });

  it('leaves no port, handle or child process behind, and still works after the last deploy', async () => {
    await delay(200);
    const before = handles();
    const childrenBefore = childProcessesOf(process.pid);
    await helper.load(NODES, flow(ports, amba, dahua, 0), CREDENTIALS);
    for (let generation = 1; generation <= DEPLOYS; generation++) {
      await helper.setFlows(flow(ports, amba, dahua, generation), 'full', CREDENTIALS);
      if (generation % 10 === 0) await delay(100); // let connections get under way now and then
    }

    // The last deploy works: frames through the media chain, a camera reply, TUTK video.
    const snaps = collect('snaps', 1, 30_000);
    for (const jpeg of jpegs) helper.getNode('fa').receive({ payload: jpeg });
    assert.ok((await snaps)[0].payload.length > 100, 'a snapshot came out');
    const reply = collect('replies', 1, 30_000);
    helper.getNode('arpc').receive({ topic: 'battery' });
    assert.ok((await reply)[0].payload, 'the Yi simulator answered');
    assert.ok((await collect('video', 3, 30_000)).every((m) => Buffer.isBuffer(m.payload)), 'TUTK frames arrive');

    await helper.unload();
    const compare = () => {
      const now = handles();
      return [...new Set([...before.keys(), ...now.keys()])].filter((k) => (now.get(k) ?? 0) > (before.get(k) ?? 0)).map((k) => `${k}: ${before.get(k) ?? 0} → ${now.get(k)}`);
    };
    await waitFor(() => compare().length === 0 && childProcessesOf(process.pid).length <= childrenBefore.length, 30_000, 'handles and children back to where they were').catch(() => {
      throw new Error(`left behind: ${compare().join(', ') || 'no handles'}; children ${childrenBefore.length} → ${childProcessesOf(process.pid).length}`);
    });
    for (const port of [ports.rtsp, ports.tunnel, ports.v720Http, ports.v720TcpUdp, ports.mqtt]) assert.ok(await portIsFree(port), `TCP port ${port} is free again`);
    for (const port of [ports.rtsp, ports.v720TcpUdp]) assert.ok(await udpPortIsFree(port), `UDP port ${port} is free again`);
  });
});
