// A hundred full redeploys of a xiaomi-p2p-camera with its xiaomi-p2p-in against the fake TUTK
// library, each closing the camera in another phase: before its process has started, during a
// connect that never ends (Connect_Stop_BySID), during a slow avClientStart2 (avClientExit), and
// while streaming. Then what is left is counted: no child process, no pipe, socket or timer
// beyond what Node-RED held before the first deploy, and in the fake's own log (its ledger, per
// camera process) every session and channel closed and the library de-initialised in order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import cameraNode = require('../../nodes/xiaomi/xiaomi-p2p-camera');
import inNode = require('../../nodes/xiaomi/xiaomi-p2p-in');
import { TAB, collect, expectedNodeRedMajor, helper, waitFor } from '../support/node-red';
import { childProcessesOf, processExists } from '../support/processes';
import { FakeEvent, balance, fakeLogFile, fakeTutk } from './fake-support';

const DEPLOYS = 100;
const UID = 'FAKEUID0000000000001';
const CREDS = { cam: { account: 'admin', password: '888888' } };

/** How each deploy ends: the camera's phase when the next deploy closes it, and the fake camera that keeps it there. */
const PHASES = [
  { phase: 'streaming', scenario: 'fps=30;gop=10' },
  { phase: 'not started', scenario: 'fps=30;gop=10' },
  { phase: 'connecting', scenario: 'connect_ms=-1' },
  { phase: 'starting', scenario: 'start_ms=60000' },
] as const;

function flow(name: string): object[] {
  return [
    TAB,
    { id: 'cam', type: 'xiaomi-p2p-camera', name, uid: UID, libPath: fakeTutk().dir, startPayload: 'json-empty', frameInfoProfile: 'auto', channel: 0, audio: true, connectTimeout: 120, watchdog: 120 },
    { id: 'in', z: 'f1', type: 'xiaomi-p2p-in', camera: 'cam', wires: [['video'], ['audio'], ['statuses']] },
    { id: 'video', z: 'f1', type: 'helper', wires: [] },
    { id: 'audio', z: 'f1', type: 'helper', wires: [] },
    { id: 'statuses', z: 'f1', type: 'helper', wires: [] },
  ];
}

/** Node's handles and requests by kind (pipes, processes, sockets, timers …). */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function countOf(events: FakeEvent[], ev: string): number {
  return events.filter((e) => e.ev === ev).length;
}

describe(`xiaomi-p2p redeployed ${DEPLOYS} times (Node-RED ${expectedNodeRedMajor}, fake TUTK library)`, () => {
  const log = fakeLogFile();
  const saved = { scenario: process.env.FAKE_TUTK_SCENARIO, log: process.env.FAKE_TUTK_LOG, libdir: process.env.XIAOMI_P2P_LIBDIR };

  before(async () => {
    fakeTutk();
    delete process.env.XIAOMI_P2P_LIBDIR;
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    for (const [key, value] of [['FAKE_TUTK_SCENARIO', saved.scenario], ['FAKE_TUTK_LOG', saved.log], ['XIAOMI_P2P_LIBDIR', saved.libdir]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('leaves no camera process, pipe, socket, timer or library session behind', async () => {
    // One deploy and undeploy first, without the log: whatever Node-RED keeps for good is the baseline.
    delete process.env.FAKE_TUTK_LOG;
    process.env.FAKE_TUTK_SCENARIO = PHASES[0].scenario;
    await helper.load([cameraNode, inNode], flow('warm-up'), CREDS);
    await collect('video', 1, 30_000);
    await helper.unload();
    await waitFor(() => childProcessesOf(process.pid).length === 0 && !('ProcessWrap' in activeResources()), 20_000, 'the warm-up camera process to end');
    const baseline = activeResources();

    process.env.FAKE_TUTK_LOG = log.file;
    const waited = { streaming: 0, 'not started': 0, connecting: 0, starting: 0 };
    await helper.load([cameraNode, inNode], [TAB], {});
    for (let i = 0; i < DEPLOYS; i++) {
      const { phase, scenario } = PHASES[i % PHASES.length];
      const before = log.events();
      process.env.FAKE_TUTK_SCENARIO = scenario;
      await helper.setFlows(flow(`porch ${i}`), 'full', CREDS as never);
      if (phase === 'streaming') await collect('video', 1, 30_000);
      else if (phase === 'connecting') await waitFor(() => countOf(log.events(), 'connect_begin') > countOf(before, 'connect_begin'), 30_000, `deploy ${i} connecting`);
      else if (phase === 'starting') await waitFor(() => countOf(log.events(), 'client_start_begin') > countOf(before, 'client_start_begin'), 30_000, `deploy ${i} starting its client`);
      waited[phase]++;
    }
    await helper.unload();

    // Every camera process has gone, and was reaped.
    await waitFor(() => childProcessesOf(process.pid).length === 0, 20_000, 'every camera process to end');
    const events = log.events();
    const pids = [...new Set(events.map((e) => e.pid))];
    assert.ok(pids.length >= DEPLOYS - waited['not started'], `${pids.length} camera processes for ${DEPLOYS - waited['not started']} deploys that got that far`);
    assert.deepEqual(pids.filter(processExists), [], 'no camera process is still running');

    // The fake's ledger, per camera process: every session freed, every channel closed, then
    // avDeInitialize and IOTC_DeInitialize with nothing left open, in that order.
    const ledgers = balance(events);
    for (const pid of pids) {
      const mine = events.filter((e) => e.pid === pid);
      const ledger = ledgers.get(pid)!;
      assert.equal(ledger.leaked, 0, `process ${pid} left sessions or channels to the de-initialisation`);
      assert.equal(ledger.sessionsFreed, ledger.sessionsOpened, `process ${pid}: sessions opened and freed`);
      assert.equal(ledger.channelsClosed, ledger.channelsOpened, `process ${pid}: channels opened and closed`);
      assert.deepEqual(mine.filter((e) => e.ev === 'avDeInitialize' || e.ev === 'IOTC_DeInitialize').map((e) => [e.ev, e.ret]), [['avDeInitialize', 0], ['IOTC_DeInitialize', 0]], `process ${pid} de-initialised the library once, AV first`);
      assert.equal(mine.find((e) => e.ev === 'IOTC_DeInitialize')!.avStillInitialised, 0);
      assert.equal(mine.filter((e) => e.ev === 'misuse').length, 0, `process ${pid} passed the library no stale handle`);
    }
    // Each phase was really reached, and closed the way the spec says.
    assert.ok(events.filter((e) => e.ev === 'connect' && e.ret === -27).length >= waited.connecting, 'a connect in progress is stopped with IOTC_Connect_Stop_BySID');
    assert.ok(events.filter((e) => e.ev === 'avClientStart2' && e.ret === -20018).length >= waited.starting, 'a client start in progress is ended by avClientExit');
    assert.ok(countOf(events, 'channel_close') >= waited.streaming, 'every streaming camera closed its channel');

    // Node's own ledger: the same pipes, sockets, processes and timers as before the first deploy.
    await waitFor(() => isDeepStrictEqual(activeResources(), baseline), 20_000, 'handles back to the baseline').catch(() => undefined);
    assert.deepEqual(activeResources(), baseline);
  });
});
