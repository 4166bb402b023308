// Xiaomi/TUTK: what a frame costs from the library call to the frame message in Node-RED, for
// 8 fake cameras at 30 fps (the real xiaomi-p2p-camera and xiaomi-p2p-in nodes, one child
// process per camera, frames over the binary pipe), beside a C loop that reads the same fake
// library directly in one process and copies each frame once: the least any reader must do.
// Figures: CPU per frame (all processes together), and CPU % of the Node-RED process, of the
// 8 camera processes together, and of the C loop; library polls per frame; and the same cameras
// connected but idle (a START the fake camera acknowledges and never answers with frames), where
// only the polling costs. The fake library makes frames in both.
import { execFileSync } from 'child_process';
import cameraNode = require('../nodes/xiaomi/xiaomi-p2p-camera');
import inNode = require('../nodes/xiaomi/xiaomi-p2p-in');
import { buildFakeTutk } from '../sim/xiaomi/fake-tutk-build';
import { TAB, delay, helper, removeHelperSpies, waitFor } from '../test/support/node-red';
import { childProcessesOf, cpuSecondsOf } from '../test/support/processes';
import { FakeEvent, fakeLogFile } from '../test/xiaomi/fake-support';
import { round } from './bench-support';

const CAMERAS = 8;
const FPS = 30;
const SECONDS = Number(process.env.P2PCAM_BENCH_SECONDS) || 10;
const IDLE_SECONDS = Math.max(3, Math.round(SECONDS / 2));
const STREAMING = `fps=${FPS};gop=${FPS};width=320;height=240;audio_codec=pcma`;
/** The node sends {} as START; this camera wants the 8-byte struct: it acknowledges and sends nothing (spec §6). */
const IDLE = `${STREAMING};start_payload=struct8`;
const IOTYPE_START = 0x01ff;

function flow(libDir: string): object[] {
  const nodes: object[] = [TAB];
  for (let i = 0; i < CAMERAS; i++) {
    nodes.push({ id: `cam${i}`, type: 'xiaomi-p2p-camera', name: `camera ${i}`, uid: 'FAKEUID0000000000001', libPath: libDir, startPayload: 'json-empty', frameInfoProfile: 'auto', channel: 0, audio: false, connectTimeout: 10, watchdog: 600 });
    nodes.push({ id: `in${i}`, z: 'f1', type: 'xiaomi-p2p-in', camera: `cam${i}`, wires: [['sink'], [], []] });
  }
  nodes.push({ id: 'sink', z: 'f1', type: 'helper', wires: [] });
  return nodes;
}

interface Measured {
  frames: number;
  mainCpu: number;
  childCpu: number;
  wall: number;
  /** avRecvFrameData2 calls, and their rate per camera-second, over each channel's whole life. */
  polls: number;
  pollsPerCameraSecond: number;
  libraryFrames: number;
}

/** The fake's ledger of the channels: polls, frames, and how long each was open. */
function pollLedger(events: FakeEvent[]): { polls: number; frames: number; seconds: number } {
  const opened = new Map<number, number>();
  const out = { polls: 0, frames: 0, seconds: 0 };
  for (const e of events) {
    if (e.ev === 'channel_open') opened.set(e.pid, e.t);
    if (e.ev === 'channel_close' && opened.has(e.pid)) {
      out.polls += Number(e.polls);
      out.frames += Number(e.frames);
      out.seconds += (e.t - opened.get(e.pid)!) / 1000;
    }
  }
  return out;
}

/** Runs the 8 cameras in Node-RED once `ready` holds, for `seconds`. */
async function nodeRedRun(libDir: string, scenario: string, seconds: number, ready: (frames: number, events: () => FakeEvent[]) => boolean): Promise<Measured> {
  const log = fakeLogFile();
  process.env.FAKE_TUTK_SCENARIO = scenario;
  process.env.FAKE_TUTK_LOG = log.file;
  await helper.startServer();
  const credentials: Record<string, object> = {};
  for (let i = 0; i < CAMERAS; i++) credentials[`cam${i}`] = { account: 'admin', password: '888888' };
  const nodes = flow(libDir);
  await helper.load([cameraNode, inNode], nodes, credentials);
  removeHelperSpies(nodes as { id: string }[]);
  let frames = 0;
  helper.getNode('sink').on('input', () => { frames++; });
  await waitFor(() => ready(frames, log.events), 30_000, 'all cameras running');
  await delay(1000);
  const children = childProcessesOf(process.pid);
  const start = { frames, main: process.cpuUsage(), child: children.reduce((s, p) => s + cpuSecondsOf(p), 0), at: process.hrtime.bigint() };
  await delay(seconds * 1000);
  const main = process.cpuUsage(start.main);
  const childCpu = children.reduce((s, p) => s + cpuSecondsOf(p), 0) - start.child;
  const wall = Number(process.hrtime.bigint() - start.at) / 1e9;
  const counted = frames - start.frames;
  await helper.unload();
  await helper.stopServer();
  delete process.env.FAKE_TUTK_LOG;
  const ledger = pollLedger(log.events());
  return { frames: counted, mainCpu: (main.user + main.system) / 1e6, childCpu, wall, polls: ledger.polls, pollsPerCameraSecond: ledger.polls / ledger.seconds, libraryFrames: ledger.frames };
}

function cLoopRun(reader: string, lib: string, scenario: string, seconds: number): { frames: number; polls: number; cpu: number; wall: number } {
  const out = execFileSync(reader, [lib, String(CAMERAS), String(seconds)], { encoding: 'utf8', env: { ...process.env, FAKE_TUTK_SCENARIO: scenario, FAKE_TUTK_LOG: '' } });
  const r = JSON.parse(out) as { frames: number; polls: number; cpuSeconds: number; wallSeconds: number };
  return { frames: r.frames, polls: r.polls, cpu: r.cpuSeconds, wall: r.wallSeconds };
}

export async function run(): Promise<Record<string, unknown>[]> {
  const fake = buildFakeTutk();
  const startsSent = (events: () => FakeEvent[]) => events().filter((e) => e.ev === 'ioctrl' && e.type === IOTYPE_START).length >= CAMERAS;
  const subject = await nodeRedRun(fake.dir, STREAMING, SECONDS, (frames) => frames >= CAMERAS * FPS);
  const baseline = cLoopRun(fake.benchReader, fake.all, STREAMING, SECONDS);
  const idle = await nodeRedRun(fake.dir, IDLE, IDLE_SECONDS, (_frames, events) => startsSent(events));
  const idleBaseline = cLoopRun(fake.benchReader, fake.all, IDLE, IDLE_SECONDS);
  const perFrame = ((subject.mainCpu + subject.childCpu) / subject.frames) * 1e6;
  const basePerFrame = (baseline.cpu / baseline.frames) * 1e6;
  const pct = (cpu: number, wall: number) => (cpu / wall) * 100;
  const base = { baseline: `C loop reading the fake library directly (${CAMERAS} cameras, one process, a poll every 10 ms)`, baselineValue: 0 };
  const cameras = `${CAMERAS} cameras × ${FPS} fps, 320×240 H.264, ${SECONDS} s`;
  const idleCameras = `${CAMERAS} cameras connected, no frames, ${IDLE_SECONDS} s`;
  const figure = (name: string, value: number, baselineValue: number, unit: string, digits = 1) => (
    { name, value: round(value, digits), unit, ...base, baselineValue: round(baselineValue, digits), ratio: round(value / baselineValue, 2) }
  );
  const idleCpu = pct(idle.mainCpu + idle.childCpu, idle.wall);
  return [
    figure(`xiaomi CPU per frame, library call to Node-RED message (${cameras})`, perFrame, basePerFrame, 'µs CPU/frame'),
    figure(`xiaomi Node-RED process CPU (${cameras})`, pct(subject.mainCpu, subject.wall), pct(baseline.cpu, baseline.wall), '% of one core'),
    figure(`xiaomi camera child processes CPU, all ${CAMERAS} together (${cameras})`, pct(subject.childCpu, subject.wall), pct(baseline.cpu, baseline.wall), '% of one core'),
    figure(`xiaomi frames delivered (${cameras})`, subject.frames / subject.wall, baseline.frames / baseline.wall, 'frames/s', 1),
    figure(`xiaomi library polls per frame (${cameras}; whole run)`, subject.polls / subject.libraryFrames, baseline.polls / baseline.frames, 'avRecvFrameData2 calls/frame', 2),
    figure(`xiaomi CPU of idle cameras, Node-RED and camera processes (${idleCameras})`, idleCpu, pct(idleBaseline.cpu, idleBaseline.wall), '% of one core', 2),
    figure(`xiaomi library polls of an idle camera (${idleCameras})`, idle.pollsPerCameraSecond, idleBaseline.polls / (CAMERAS * idleBaseline.wall), 'avRecvFrameData2 calls/s', 1),
  ];
}
