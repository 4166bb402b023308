// Goodput of the Dahua PTCP tunnel on loopback against the simulated cloud and device, beside a
// plain TCP relay (a Node.js proxy) moving the same bytes the same way in the same run; the two
// are measured in alternation, P2PCAM_BENCH_DAHUA_ROUNDS times each, and the medians reported.
// 1 MB = 2^20 bytes; ratio = value / baseline.
//
// - Goodput with everything in one process (client, tunnel, simulated device, service): client →
//   device at 0 % and 2 % loss, and device → client (the direction of video) at 0 % loss.
// - The UDP floor (udp-floor.ts): the same datagrams bounced between two bare sockets with no
//   protocol at all, on one thread and on two. It shows how much of the gap to the TCP relay is
//   the wire format itself. (Device → client can pass it: our side coalesces its ACKs.)
// - CPU of the tunnel side alone: the simulated cloud, device and service run in a child
//   process; CPU milliseconds per MB of this process (tunnel and client) against the same
//   process running the plain relay (relay and client) to the same child.

import { fork, ChildProcess } from 'child_process';
import { createServer, connect, Server, Socket } from 'net';
import { randomBytes } from 'crypto';
import { DahuaConnection } from '../nodes/dahua/dahua-connection';
import { WsseCredentials } from '../nodes/dahua/dh-http';
import { startDahuaSimulator } from '../sim/dahua/dahua-simulator';
import { TunnelListener } from '../nodes/dahua/ptcp-tunnel';
import { alternate, median, round } from './bench-support';
import { Direction, FarEndCommand, FarEndReady, FarEndReply, SERVICE_DEVICE_PORT, TransferService } from './dahua-far-end';
import { udpFloorOneThread, udpFloorTwoThreads } from './udp-floor';
import { listenTcp } from '../nodes/core/listening';
import { setTimeout as delay } from 'timers/promises';

const MB = 1024 * 1024;
const SIZE = Number(process.env.P2PCAM_BENCH_DAHUA_MB || 32) * MB;
const ROUNDS = Math.max(1, Number(process.env.P2PCAM_BENCH_DAHUA_ROUNDS) || 3);
const TRANSFER_TIMEOUT_MS = 180_000;
const RELAY_NAME = 'plain TCP relay on loopback (no loss), same bytes, same direction, same run';

async function plainRelay(targetPort: number): Promise<{ server: Server; port: number }> {
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  return { server, port: await listenTcp(server, 0, '127.0.0.1') };
}

/**
 * Seconds to move `bytes` through 127.0.0.1:port: 'up' writes `data` and waits until the far end
 * has it (`farEndHasIt`), 'down' reads until `bytes` have arrived.
 */
function transfer(port: number, direction: Direction, bytes: number, data: Buffer, farEndHasIt: Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const client: Socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => finish(new Error(`transfer ${direction} did not finish within ${TRANSFER_TIMEOUT_MS / 1000} s`)), TRANSFER_TIMEOUT_MS);
    const finish = (err: Error | null): void => {
      clearTimeout(timer);
      client.destroy();
      if (err) reject(err);
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    };
    client.on('error', () => {});
    if (direction === 'up') {
      client.write(data);
      farEndHasIt.then(() => finish(null), finish);
      return;
    }
    let got = 0;
    client.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= bytes) finish(null);
    });
  });
}

/** Polls until the connection is online (the handshake takes a few round trips and timers). */
async function online(connection: DahuaConnection): Promise<void> {
  const until = Date.now() + 30_000;
  while (connection.info.state !== 'online') {
    if (Date.now() > until) throw new Error(`the tunnel did not come online: ${connection.info.reason ?? connection.info.state}`);
    await delay(20);
  }
}

async function openTunnel(cloud: { host: string; port: number }, serial: string, app: WsseCredentials): Promise<{ connection: DahuaConnection; tunnel: TunnelListener }> {
  const connection = new DahuaConnection({ serial, cloudHost: cloud.host, cloudPort: cloud.port, app, auth: 'auto', mode: 'direct', bindHost: '127.0.0.1' });
  const tunnel = new TunnelListener(connection, { bindAddress: '127.0.0.1', port: 0, remotePort: SERVICE_DEVICE_PORT });
  connection.start();
  await tunnel.start();
  await online(connection);
  return { connection, tunnel };
}

function goodputFigure(name: string, value: number, baseline: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, value: round(value, 2), unit: 'MB/s', baseline: RELAY_NAME, baselineValue: round(baseline, 2), ratio: round(value / baseline, 3), bytes: SIZE, rounds: ROUNDS, ...extra };
}

/** Everything in this process, as before: the figure the aim is about. */
async function inProcessFigures(): Promise<Record<string, unknown>[]> {
  const data = randomBytes(SIZE);
  const service = await TransferService.start();
  const relay = await plainRelay(service.port);
  const sim = await startDahuaSimulator({ services: { [SERVICE_DEVICE_PORT]: service.port } });
  const { connection, tunnel } = await openTunnel(sim.cloud, sim.serial, sim.app);
  const through = (port: number, direction: Direction) => async (): Promise<number> => SIZE / MB / (await transfer(port, direction, SIZE, data, service.arm(direction, SIZE, data)));
  const figures: Record<string, unknown>[] = [];
  try {
    const cases: { direction: Direction; loss: number; what: string }[] = [
      { direction: 'up', loss: 0, what: 'client → device, 0 % loss' },
      { direction: 'up', loss: 0.02, what: 'client → device, 2 % loss' },
      { direction: 'down', loss: 0, what: 'device → client, 0 % loss' },
    ];
    for (const c of cases) {
      const m = await alternate(
        async () => {
          sim.setFaults({ loss: c.loss });
          return through(tunnel.port, c.direction)();
        },
        async () => {
          sim.setFaults({});
          return through(relay.port, c.direction)();
        },
        ROUNDS,
      );
      figures.push(goodputFigure(`dahua tunnel goodput, ${c.what}`, m.subject, m.baseline, { retransmissions: connection.stats().retransmissions }));
    }
    const floor = await alternate(() => udpFloorOneThread(SIZE), through(relay.port, 'up'), ROUNDS);
    figures.push(
      goodputFigure('UDP floor: PTCP-sized DATA and ACK datagrams between two bare sockets, no protocol', floor.subject, floor.baseline, {
        note: 'the ceiling for client → device in one Node.js process, where the device acks every packet; compare the 0 % loss client → device figure with it',
      }),
    );
    const threaded = await alternate(() => udpFloorTwoThreads(SIZE), through(relay.port, 'up'), ROUNDS);
    figures.push(
      goodputFigure('UDP floor with the sending socket on a worker thread, the answering one on the main thread', threaded.subject, threaded.baseline, {
        note: 'the ceiling of a tunnel that moved its UDP side to a thread of its own',
      }),
    );
  } finally {
    await tunnel.stop();
    connection.stop();
    await sim.close();
    relay.server.close();
    await service.close();
  }
  return figures;
}

/** The far end in a child process, driven over IPC. */
class FarEndProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: FarEndReply) => void>();

  private constructor(private readonly child: ChildProcess, readonly ready: FarEndReady) {
    child.on('message', (m: FarEndReply) => {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
  }

  static start(): Promise<FarEndProcess> {
    const child = fork(require.resolve('./dahua-far-end'), ['--dahua-far-end'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('message', (m) => resolve(new FarEndProcess(child, m as FarEndReady)));
      child.once('exit', (code) => reject(new Error(`the far end exited (${code})`)));
    });
  }

  request(r: FarEndCommand): Promise<FarEndReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...r, id });
    });
  }

  async cpuMicros(): Promise<number> {
    return (await this.request({ op: 'cpu' })).cpuMicros ?? 0;
  }

  stop(): void {
    this.child.disconnect();
  }
}

interface CpuSample {
  mbPerSec: number;
  /** CPU ms per MB in this process and in the far end's. */
  here: number;
  far: number;
}

async function cpuFigures(): Promise<Record<string, unknown>[]> {
  const far = await FarEndProcess.start();
  const data = randomBytes(SIZE);
  const relay = await plainRelay(far.ready.servicePort);
  const { connection, tunnel } = await openTunnel(far.ready.cloud, far.ready.serial, far.ready.app);
  const sample = async (port: number, direction: Direction): Promise<CpuSample> => {
    const farBefore = await far.cpuMicros();
    const before = process.cpuUsage();
    await far.request({ op: 'arm', direction, bytes: SIZE });
    const arrived = far.request({ op: 'arrived' }).then(() => undefined);
    const seconds = await transfer(port, direction, SIZE, data, arrived);
    const used = process.cpuUsage(before);
    const farUsed = (await far.cpuMicros()) - farBefore;
    const mb = SIZE / MB;
    return { mbPerSec: mb / seconds, here: (used.user + used.system) / 1000 / mb, far: farUsed / 1000 / mb };
  };
  const figures: Record<string, unknown>[] = [];
  try {
    for (const direction of ['down', 'up'] as Direction[]) {
      const t: CpuSample[] = [];
      const r: CpuSample[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        r.push(await sample(relay.port, direction));
        t.push(await sample(tunnel.port, direction));
      }
      const med = (xs: CpuSample[], key: keyof CpuSample): number => median(xs.map((x) => x[key]));
      figures.push({
        name: `dahua tunnel side CPU per MB, ${direction === 'down' ? 'device → client' : 'client → device'}, 0 % loss (simulated device in its own process)`,
        value: round(med(t, 'here'), 2),
        unit: 'CPU ms/MB',
        baseline: 'the same process running a plain TCP relay to the same far end instead of the tunnel',
        baselineValue: round(med(r, 'here'), 2),
        ratio: round(med(t, 'here') / med(r, 'here'), 2),
        goodputMBps: round(med(t, 'mbPerSec'), 2),
        relayGoodputMBps: round(med(r, 'mbPerSec'), 2),
        simulatedDeviceCpuMsPerMB: round(med(t, 'far'), 2),
        rounds: ROUNDS,
      });
    }
  } finally {
    await tunnel.stop();
    connection.stop();
    relay.server.close();
    far.stop();
  }
  return figures;
}

export async function run(): Promise<Record<string, unknown>[]> {
  return [...(await inProcessFigures()), ...(await cpuFigures())];
}

if (require.main === module) {
  run().then(
    (figures) => figures.forEach((f) => console.log(JSON.stringify(f))),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
