// Goodput of the Dahua PTCP tunnel on loopback, against the simulated cloud and device, at 0 %
// and 2 % loss, beside a plain TCP relay (a Node.js proxy) moving the same bytes in the same run.
// One figure per loss rate: value and baseline in MB/s (1 MB = 2^20 bytes), ratio = value / baseline.

import { createServer, connect, Server, Socket } from 'net';
import { randomBytes } from 'crypto';
import { DahuaConnection } from '../nodes/dahua/dahua-connection';
import { startDahuaSimulator } from '../nodes/dahua/dahua-simulator';
import { TunnelListener } from '../nodes/dahua/ptcp-tunnel';

const MB = 1024 * 1024;
const SIZE = Number(process.env.P2PCAM_BENCH_DAHUA_MB || 32) * MB;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** A service that counts what it receives and resolves once `bytes` have arrived. */
async function sink(): Promise<{ port: number; server: Server; expect(bytes: number): Promise<void> }> {
  let received = 0;
  let waiting: { bytes: number; resolve: () => void } | null = null;
  const server = createServer((s) => {
    s.on('error', () => {});
    s.on('data', (d) => {
      received += d.length;
      if (waiting && received >= waiting.bytes) waiting.resolve();
    });
  });
  const port = await listen(server);
  return {
    port,
    server,
    expect: (bytes) =>
      new Promise((resolve) => {
        received = 0;
        waiting = { bytes, resolve };
      }),
  };
}

/** MB/s for `data` written to 127.0.0.1:port until the sink has it all. */
async function push(port: number, data: Buffer, arrived: Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  const client: Socket = connect(port, '127.0.0.1');
  client.on('error', () => {});
  client.write(data);
  await arrived;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  client.destroy();
  return data.length / MB / seconds;
}

async function plainRelay(targetPort: number): Promise<Server> {
  const relay = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await listen(relay);
  return relay;
}

export async function run(): Promise<Record<string, unknown>[]> {
  const data = randomBytes(SIZE);
  const target = await sink();
  const relay = await plainRelay(target.port);
  const sim = await startDahuaSimulator({ services: { 9000: target.port } });
  const connection = new DahuaConnection({
    serial: sim.serial,
    cloudHost: sim.cloud.host,
    cloudPort: sim.cloud.port,
    app: sim.app,
    auth: 'auto',
    mode: 'direct',
    bindHost: '127.0.0.1',
  });
  const tunnel = new TunnelListener(connection, { bindAddress: '127.0.0.1', port: 0, remotePort: 9000 });
  const figures: Record<string, unknown>[] = [];
  try {
    connection.start();
    await tunnel.start();
    const until = Date.now() + 30_000;
    while (connection.info.state !== 'online') {
      if (Date.now() > until) throw new Error(`the tunnel did not come online: ${connection.info.reason ?? connection.info.state}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const loss of [0, 0.02]) {
      sim.setFaults({});
      const baseline = await push((relay.address() as { port: number }).port, data, target.expect(data.length));
      sim.setFaults({ loss });
      const value = await push(tunnel.port, data, target.expect(data.length));
      figures.push({
        name: `dahua tunnel goodput, ${loss * 100} % loss`,
        value: round(value),
        unit: 'MB/s',
        baseline: 'plain TCP relay on loopback (no loss), same bytes, same run',
        baselineValue: round(baseline),
        ratio: round(value / baseline, 3),
        bytes: data.length,
      });
    }
  } finally {
    await tunnel.stop();
    connection.stop();
    await sim.close();
    relay.close();
    target.server.close();
  }
  return figures;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
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
