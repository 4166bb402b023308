// Request round trip through AmbaSession against the simulated camera (captured delays scaled to
// zero, so the figure is the client's and simulator's own cost), beside a raw-socket echo of the
// same request and reply bytes over loopback in the same run.
//
// The two are sampled in alternation, one session request then one echo, so that a stall of the
// machine (another process taking the core, a GC left over from an earlier bench in this process)
// falls on both alike. Measured one after the other, the p99 compared two different stretches of
// machine weather: a stall of 1-10 ms hits a sample anywhere (on the wire, in the simulator, in
// the client, measured segment by segment), at a rate per millisecond that is the same for both,
// so the session, which spends twice the echo's time per sample, crossed the 1 % line first and
// its p99 jumped from ~0.2 ms to 2-3 ms while the echo's stayed below it. `stalls` counts the
// samples over 0.5 ms on each side, with the time each side was measured: equal rates per
// millisecond mean the tail is the machine's.
//
// One part was ours: on Node 20 the `{ ...req, token }` copies of every request survived young
// collections (see withKeys in amba-session.ts), so scavenges copied ~0.6 MB each and took
// 1-6 ms; without them they copy ~75 KB (mostly the simulator's request log) in under 1 ms.
import * as net from 'node:net';
import { AmbaSession } from '../nodes/amba/amba-session';
import { startSimulatedCamera } from '../sim/amba/camera-simulator';
import { listenTcp } from '../nodes/core/listening';

const WARMUP = 2000;
const SAMPLES = 4000;
const STALL_MS = 0.5;
const REQUEST = { msg_id: 1, type: 'video_resolution' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function elapsedMs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** A server that answers each request write with the reply bytes, and a client that waits for them. */
async function echoPair(replyBytes: Buffer): Promise<{ roundTrip: (request: Buffer) => Promise<void>; close: () => Promise<void> }> {
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    sock.on('data', () => sock.write(replyBytes));
    sock.on('error', () => undefined);
  });
  const client = net.connect(await listenTcp(server, 0, '127.0.0.1'), '127.0.0.1');
  client.setNoDelay(true);
  await new Promise((r) => client.once('connect', r));
  let got = 0;
  let wake: (() => void) | null = null;
  client.on('data', (c) => {
    got += c.length;
    if (got >= replyBytes.length) {
      got -= replyBytes.length;
      wake?.();
    }
  });
  return {
    roundTrip: (request) =>
      new Promise((resolve) => {
        wake = resolve;
        client.write(request);
      }),
    close: async () => {
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function sample(): Promise<{ session: number[]; echo: number[] }> {
  const cam = await startSimulatedCamera({ model: 'mijia4k', timeScale: 0 });
  const s = new AmbaSession({ host: '127.0.0.1', port: cam.controlPort, keepaliveMs: 0 });
  s.start();
  try {
    const reply = await s.request(REQUEST);
    const requestBytes = Buffer.from(JSON.stringify({ ...REQUEST, token: s.token }));
    const echo = await echoPair(Buffer.from(JSON.stringify(reply)));
    try {
      for (let i = 0; i < WARMUP; i++) {
        await s.request(REQUEST);
        await echo.roundTrip(requestBytes);
      }
      const out = { session: [] as number[], echo: [] as number[] };
      for (let i = 0; i < SAMPLES; i++) {
        let t0 = process.hrtime.bigint();
        await s.request(REQUEST);
        out.session.push(elapsedMs(t0));
        t0 = process.hrtime.bigint();
        await echo.roundTrip(requestBytes);
        out.echo.push(elapsedMs(t0));
      }
      return out;
    } finally {
      await echo.close();
    }
  } finally {
    await s.stop();
    await cam.stop();
  }
}

export async function run(): Promise<Record<string, unknown>[]> {
  const { session, echo } = await sample();
  const a = [...session].sort((x, y) => x - y);
  const b = [...echo].sort((x, y) => x - y);
  const stalls = (xs: number[]): string => `${xs.filter((x) => x > STALL_MS).length} in ${Math.round(xs.reduce((t, x) => t + x, 0))} ms`;
  const figure = (p: number): Record<string, unknown> => {
    const value = percentile(a, p);
    const baselineValue = percentile(b, p);
    return {
      name: `amba request round trip p${p}`,
      value: Number(value.toFixed(3)),
      unit: 'ms',
      baseline: 'raw-socket echo of the same bytes, loopback, sampled in alternation',
      baselineValue: Number(baselineValue.toFixed(3)),
      ratio: Number((value / baselineValue).toFixed(2)),
      samples: SAMPLES,
      stalls: `samples over ${STALL_MS} ms: ${stalls(session)} vs ${stalls(echo)}`,
    };
  };
  return [figure(50), figure(99)];
}
