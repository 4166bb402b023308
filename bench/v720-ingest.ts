// V720 ingest cost: UDP datagrams → frame messages, for 32 simulated cameras at 10 fps.
// Figure 1: per-frame cost of the protocol path (datagram decode, peer lookup, reassembly by
// pkgId with the tail check, picture size, frame stamping) against a same-run baseline that takes the same
// datagrams and only concatenates their payloads per sender. Figure 2: CPU % of the cloud's
// process with 32 cameras streaming to a consumer each (the cameras run in a child process),
// against the same process receiving the same number of datagrams per second, of the same mean
// size, on a bare UDP socket that does nothing with them: what any receiver pays the kernel and
// libuv for the datagrams alone.
import { ChildProcess, fork } from 'child_process';
import { createSocket } from 'dgram';
import { FrameStamper } from '../nodes/core/frame';
import { jpegDimensions } from '../nodes/media/jpeg/jpeg-markers';
import { Cmd, MsgFlag, encodePacket } from '../nodes/v720/naxclow-header';
import { JpegReassembler, fragmentJpeg } from '../nodes/v720/jpeg-reassembler';
import { MediaChannel, Peer } from '../nodes/v720/media-channel';
import { FakeCloud } from '../nodes/v720/fake-cloud';
import { SimPictures } from '../sim/v720/sim-pictures';
import { startSimulatedCameras } from '../sim/v720/camera-simulator';
import { compare, round } from './bench-support';
import { bindUdp } from '../nodes/core/listening';
import { setTimeout as delay } from 'timers/promises';

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
  await delay(ms);
  const used = process.cpuUsage(start);
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  return ((used.user + used.system) / wall) * 100;
}

const BUSY_MS = 5000;

/** What the child is asked to do once the fleet is up: send `perSecond` datagrams of `bytes` to `port` for `ms`. */
interface BlastRequest {
  port: number;
  perSecond: number;
  bytes: number;
  ms: number;
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
    let frames = 0;
    let payloadBytes = 0;
    const subs = uids.map((uid) => cloud.stream(uid).subscribe({
      deliver: (m) => {
        payloadBytes += m.payload.length;
        if (m.frame.kind === 'video') frames++;
      },
    }));
    const until = Date.now() + 30_000;
    while (uids.some((uid) => cloud.liveViewState(uid) !== 'streaming') && Date.now() < until) await delay(100);
    await delay(1000);
    const before = { frames, payloadBytes, datagrams: cloud.channelCounts.datagrams };
    const busy = await cpuPercent(BUSY_MS);
    const datagrams = cloud.channelCounts.datagrams - before.datagrams;
    const fps = (frames - before.frames) / (BUSY_MS / 1000);
    subs.forEach((s) => s.close());
    await quiet(cloud);
    // Each datagram is the 20-byte Naxclow header and its share of the frame's bytes.
    const blast: BlastRequest = { port: 0, perSecond: datagrams / (BUSY_MS / 1000), bytes: Math.round(20 + (payloadBytes - before.payloadBytes) / datagrams), ms: BUSY_MS };
    const bare = await bareReceiveCpu(child, blast);
    return {
      name: 'v720 cloud CPU with 32 cameras streaming at 10 fps (640x480)',
      value: round(busy, 1),
      unit: '% of one core',
      baseline: 'the same process receiving the same datagrams per second, of the same mean size, on a bare UDP socket that does nothing with them',
      baselineValue: round(bare.cpu, 1),
      ratio: round(busy / bare.cpu, 2),
      framesPerSecond: round(fps, 1),
      expectedFramesPerSecond: CAMERAS * FPS,
      datagramsPerSecond: round(blast.perSecond, 0),
      meanDatagramBytes: blast.bytes,
      bareDatagramsPerSecond: round(bare.received / (BUSY_MS / 1000), 0),
    };
  } finally {
    child.kill();
    await cloud.close();
  }
}

/** Waits until the cameras have stopped streaming (nobody watches any more). */
async function quiet(cloud: FakeCloud): Promise<void> {
  for (let last = -1; cloud.channelCounts.datagrams !== last; ) {
    last = cloud.channelCounts.datagrams;
    await delay(1500);
  }
}

/** CPU % of this process while the child sends the given datagrams to a bare socket here. */
async function bareReceiveCpu(child: ChildProcess, request: BlastRequest): Promise<{ cpu: number; received: number }> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let received = 0;
  socket.on('message', () => void received++);
  const port = await bindUdp(socket, 0, '127.0.0.1');
  try {
    child.send({ ...request, port });
    const cpu = await cpuPercent(request.ms);
    await new Promise((resolve) => child.once('message', resolve)); // the child is done sending
    return { cpu, received };
  } finally {
    socket.close();
  }
}

export async function run(): Promise<Record<string, unknown>[]> {
  return [await ingestFigure(), await cpuFigure()];
}

/** Sends datagrams as the fleet does: a batch every 10 ms, so that both receivers wake alike often. */
function blast(request: BlastRequest): Promise<void> {
  const socket = createSocket('udp4');
  const datagram = Buffer.alloc(request.bytes, 0x5a);
  const ticks = Math.round(request.ms / 10);
  let tick = 0;
  let sent = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      tick++;
      const due = Math.round((request.perSecond * tick) / 100);
      for (; sent < due; sent++) socket.send(datagram, request.port, '127.0.0.1');
      if (tick >= ticks) {
        clearInterval(timer);
        socket.close();
        resolve();
      }
    }, 10);
  });
}

// The camera side of the CPU figure, in its own process so its work is not counted.
if (require.main === module && process.argv[2] === '--v720-sim-fleet') {
  const pictures = new SimPictures({ width: 640, height: 480, quality: 60, distinct: 10 });
  startSimulatedCameras(CAMERAS, { cloudHost: '127.0.0.1', httpPort: Number(process.argv[3]), mqttUrl: null, localAddress: '127.0.0.1', pictures, fps: FPS, audio: true })
    .then((fleet) => {
      process.on('message', (request: BlastRequest) => void blast(request).then(() => process.send!('sent')));
      process.send!(fleet.cameras.map((c) => c.uid));
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

