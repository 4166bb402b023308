// Xiaomi/TUTK: what a frame costs from the library call to the frame message in Node-RED, for
// 8 fake cameras at 30 fps (the real xiaomi-p2p-camera and xiaomi-p2p-in nodes, one child
// process per camera, frames over the binary pipe), beside a C loop that reads the same fake
// library directly in one process and copies each frame once: the least any reader must do.
// Figures: CPU per frame (all processes together), and CPU % of the Node-RED process, of the
// 8 camera processes together, and of the C loop. The fake library makes frames in both.
import * as fs from 'fs';
import { execFileSync } from 'child_process';
import cameraNode = require('../nodes/xiaomi/xiaomi-p2p-camera');
import inNode = require('../nodes/xiaomi/xiaomi-p2p-in');
import { buildFakeTutk } from '../nodes/xiaomi/fake-tutk-build';
import { TAB, delay, helper, removeHelperSpies, waitFor } from '../test/support/node-red';
import { round } from './bench-support';

const CAMERAS = 8;
const FPS = 30;
const SECONDS = Number(process.env.P2PCAM_BENCH_SECONDS) || 10;
const SCENARIO = `fps=${FPS};gop=${FPS};width=320;height=240;audio_codec=pcma`;
const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
}

function flow(libDir: string): object[] {
  const nodes: object[] = [TAB];
  for (let i = 0; i < CAMERAS; i++) {
    nodes.push({ id: `cam${i}`, type: 'xiaomi-p2p-camera', name: `camera ${i}`, uid: 'FAKEUID0000000000001', libPath: libDir, startPayload: 'json-empty', frameInfoProfile: 'auto', channel: 0, audio: false, connectTimeout: 10, watchdog: 15 });
    nodes.push({ id: `in${i}`, z: 'f1', type: 'xiaomi-p2p-in', camera: `cam${i}`, wires: [['sink'], [], []] });
  }
  nodes.push({ id: 'sink', z: 'f1', type: 'helper', wires: [] });
  return nodes;
}

async function nodeRedRun(libDir: string): Promise<{ frames: number; mainCpu: number; childCpu: number; wall: number }> {
  process.env.FAKE_TUTK_SCENARIO = SCENARIO;
  await helper.startServer();
  const credentials: Record<string, object> = {};
  for (let i = 0; i < CAMERAS; i++) credentials[`cam${i}`] = { account: 'admin', password: '888888' };
  await helper.load([cameraNode, inNode], flow(libDir), credentials);
  removeHelperSpies();
  let frames = 0;
  helper.getNode('sink').on('input', () => { frames++; });
  await waitFor(() => frames >= CAMERAS * FPS, 30_000, 'all cameras streaming');
  await delay(1000);
  const children = childrenOf(process.pid);
  const start = { frames, main: process.cpuUsage(), child: children.reduce((s, p) => s + cpuSecondsOf(p), 0), at: process.hrtime.bigint() };
  await delay(SECONDS * 1000);
  const main = process.cpuUsage(start.main);
  const childCpu = children.reduce((s, p) => s + cpuSecondsOf(p), 0) - start.child;
  const wall = Number(process.hrtime.bigint() - start.at) / 1e9;
  const counted = frames - start.frames;
  await helper.unload();
  await helper.stopServer();
  return { frames: counted, mainCpu: (main.user + main.system) / 1e6, childCpu, wall };
}

function cLoopRun(reader: string, lib: string): { frames: number; cpu: number; wall: number } {
  const out = execFileSync(reader, [lib, String(CAMERAS), String(SECONDS)], { encoding: 'utf8', env: { ...process.env, FAKE_TUTK_SCENARIO: SCENARIO, FAKE_TUTK_LOG: '' } });
  const r = JSON.parse(out) as { frames: number; cpuSeconds: number; wallSeconds: number };
  return { frames: r.frames, cpu: r.cpuSeconds, wall: r.wallSeconds };
}

export async function run(): Promise<Record<string, unknown>[]> {
  const fake = buildFakeTutk();
  delete process.env.FAKE_TUTK_LOG;
  const subject = await nodeRedRun(fake.dir);
  const baseline = cLoopRun(fake.benchReader, fake.all);
  const perFrame = ((subject.mainCpu + subject.childCpu) / subject.frames) * 1e6;
  const basePerFrame = (baseline.cpu / baseline.frames) * 1e6;
  const pct = (cpu: number, wall: number) => (cpu / wall) * 100;
  const base = { baseline: `C loop reading the fake library directly (${CAMERAS} cameras, one process)`, baselineValue: 0 };
  const cameras = `${CAMERAS} cameras × ${FPS} fps, 320×240 H.264, ${SECONDS} s`;
  return [
    { name: `xiaomi CPU per frame, library call to Node-RED message (${cameras})`, value: round(perFrame, 1), unit: 'µs CPU/frame', ...base, baselineValue: round(basePerFrame, 1), ratio: round(perFrame / basePerFrame, 2) },
    { name: `xiaomi Node-RED process CPU (${cameras})`, value: round(pct(subject.mainCpu, subject.wall), 1), unit: '% of one core', ...base, baselineValue: round(pct(baseline.cpu, baseline.wall), 1), ratio: round(pct(subject.mainCpu, subject.wall) / pct(baseline.cpu, baseline.wall), 2) },
    { name: `xiaomi camera child processes CPU, all ${CAMERAS} together (${cameras})`, value: round(pct(subject.childCpu, subject.wall), 1), unit: '% of one core', ...base, baselineValue: round(pct(baseline.cpu, baseline.wall), 1), ratio: round(pct(subject.childCpu, subject.wall) / pct(baseline.cpu, baseline.wall), 2) },
    { name: `xiaomi frames delivered (${cameras})`, value: round(subject.frames / subject.wall, 1), unit: 'frames/s', ...base, baselineValue: round(baseline.frames / baseline.wall, 1), ratio: round((subject.frames / subject.wall) / (baseline.frames / baseline.wall), 3) },
  ];
}
