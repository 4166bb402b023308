// V720 ingest cost: UDP datagrams → frame messages, for 32 simulated cameras at 10 fps.
// Figure 1: per-frame cost of the protocol path (datagram decode, peer lookup, reassembly by
// pkgId with the tail check, picture size, frame stamping) against a same-run baseline that takes the same
// datagrams and only concatenates their payloads per sender. Figure 2: CPU % of the cloud's
// process with 32 cameras streaming to a consumer each (the cameras run in a child process),
// against the same process with the 32 cameras registered but idle.
import { fork } from 'child_process';
import { FrameStamper } from '../nodes/core/frame';
import { jpegDimensions } from '../nodes/media/jpeg-markers';
import { Cmd, MsgFlag, encodePacket } from '../nodes/v720/naxclow-header';
import { JpegReassembler, fragmentJpeg } from '../nodes/v720/jpeg-reassembler';
import { MediaChannel, Peer } from '../nodes/v720/media-channel';
import { FakeCloud } from '../nodes/v720/fake-cloud';
import { SimPictures } from '../nodes/v720/sim-pictures';
import { startSimulatedCameras } from '../nodes/v720/camera-simulator';
import { compare, round } from './bench-support';

const CAMERAS = 32;
const FPS = 10;

function datagrams(pictures: SimPictures, frames: number): { datagram: Buffer; peer: Peer }[] {
  const out: { datagram: Buffer; peer: Peer }[] = [];
  const ids = new Array(CAMERAS).fill(2802);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < CAMERAS; c++) {
      for (const frag of fragmentJpeg(pictures.frame(f))) {
        out.push({ datagram: encodePacket({ cmd: Cmd.JPEG, msgFlag: frag.msgFlag, pkgId: ids[c]++, payload: frag.payload }), peer: { address: '127.0.0.1', port: 40000 + c } });
      }
    }
  }
  return out;
}

async function ingestFigure(): Promise<Record<string, unknown>> {
  const pictures = new SimPictures({ width: 640, height: 480, quality: 60, distinct: 10 });
  const input = datagrams(pictures, 10);
  const framesPerPass = CAMERAS * 10;
  const reassemblers = new Map<string, JpegReassembler>();
  const stampers = new Map<string, FrameStamper>();
  let emitted = 0;
  const channel = new MediaChannel({
    probe: () => undefined,
    packet: (uid, packet) => {
      for (const jpeg of reassemblers.get(uid)!.push({ pkgId: packet.pkgId, msgFlag: packet.msgFlag, payload: packet.payload })) {
        // As FakeCloud does: the picture size goes into the frame description.
        const size = jpegDimensions(jpeg);
        stampers.get(uid)!.stamp(jpeg, { codec: 'jpeg', width: size?.width, height: size?.height });
        emitted++;
      }
    },
  });
  for (let c = 0; c < CAMERAS; c++) {
    const uid = `BENCH${c}`;
    channel.bindPeer(uid, { address: '127.0.0.1', port: 40000 + c });
    stampers.set(uid, new FrameStamper(uid, 'v720'));
  }
  const subject = () => {
    for (const uid of stampers.keys()) reassemblers.set(uid, new JpegReassembler());
    for (const d of input) channel.onDatagram(d.datagram, d.peer);
  };
  const baseline = () => {
    const parts = new Map<number, Buffer[]>();
    for (const d of input) {
      let list = parts.get(d.peer.port);
      if (!list) parts.set(d.peer.port, (list = []));
      list.push(d.datagram.subarray(20));
      if (d.datagram[6] === MsgFlag.END) {
        Buffer.concat(list);
        list.length = 0;
      }
    }
  };
  subject();
  if (emitted !== framesPerPass) throw new Error(`ingest emitted ${emitted} of ${framesPerPass} frames`);
  const { subjectMs, baselineMs } = compare(subject, baseline);
  await channel.close();
  const perFrame = (ms: number) => (ms * 1000) / framesPerPass;
  return {
    name: 'v720 ingest per frame (32 cameras, 640x480 JPEG, UDP datagrams to frame message)',
    value: round(perFrame(subjectMs)),
    unit: 'µs/frame',
    baseline: 'the same datagrams concatenated per sender, no protocol work',
    baselineValue: round(perFrame(baselineMs)),
    ratio: round(baselineMs / subjectMs),
    datagramsPerFrame: round(input.length / framesPerPass, 1),
  };
}

/** CPU % of this process over `ms`. */
async function cpuPercent(ms: number): Promise<number> {
  const start = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const used = process.cpuUsage(start);
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  return ((used.user + used.system) / wall) * 100;
}

async function cpuFigure(): Promise<Record<string, unknown>> {
  const cloud = new FakeCloud({ bindHost: '127.0.0.1', advertisedHost: '127.0.0.1', httpPort: 0, tcpPort: 0, mqtt: { mode: 'none' } });
  await cloud.start();
  const child = fork(__filename, ['--v720-sim-fleet', String(cloud.ports.http)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const uids = await new Promise<string[]>((resolve, reject) => {
      child.once('message', (m) => resolve(m as string[]));
      child.once('exit', (code) => reject(new Error(`simulator fleet exited (${code})`)));
    });
    const idle = await cpuPercent(3000);
    let frames = 0;
    const subs = uids.map((uid) => cloud.stream(uid).subscribe({ deliver: (m) => void (m.frame.kind === 'video' && frames++) }));
    const until = Date.now() + 30_000;
    while (uids.some((uid) => cloud.liveViewState(uid) !== 'streaming') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    const before = frames;
    const busy = await cpuPercent(5000);
    const fps = (frames - before) / 5;
    subs.forEach((s) => s.close());
    return {
      name: 'v720 cloud CPU with 32 cameras streaming at 10 fps (640x480)',
      value: round(busy, 1),
      unit: '% of one core',
      baseline: 'the same process with the 32 cameras registered, not streaming',
      baselineValue: round(idle, 1),
      ratio: round(busy / Math.max(idle, 0.1), 1),
      framesPerSecond: round(fps, 1),
      expectedFramesPerSecond: CAMERAS * FPS,
    };
  } finally {
    child.kill();
    await cloud.close();
  }
}

export async function run(): Promise<Record<string, unknown>[]> {
  return [await ingestFigure(), await cpuFigure()];
}

// The camera side of the CPU figure, in its own process so its work is not counted.
if (require.main === module && process.argv[2] === '--v720-sim-fleet') {
  const pictures = new SimPictures({ width: 640, height: 480, quality: 60, distinct: 10 });
  startSimulatedCameras(CAMERAS, { cloudHost: '127.0.0.1', httpPort: Number(process.argv[3]), mqttUrl: null, localAddress: '127.0.0.1', pictures, fps: FPS, audio: true })
    .then((fleet) => process.send!(fleet.cameras.map((c) => c.uid)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

