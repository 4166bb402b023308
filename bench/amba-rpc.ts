// Request round trip through AmbaSession against the simulated camera (captured delays scaled to
// zero, so the figure is the client's and simulator's own cost), beside a raw-socket echo of the
// same request and reply bytes over loopback in the same run.
import * as net from 'node:net';
import { AmbaSession } from '../nodes/amba/amba-session';
import { startSimulatedCamera } from '../nodes/amba/camera-simulator';

const WARMUP = 200;
const SAMPLES = 2000;
const REQUEST = { msg_id: 1, type: 'video_resolution' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function sessionRoundTrips(): Promise<{ samples: number[]; requestBytes: Buffer; replyBytes: Buffer }> {
  const cam = await startSimulatedCamera({ model: 'mijia4k', timeScale: 0 });
  const s = new AmbaSession({ host: '127.0.0.1', port: cam.controlPort, keepaliveMs: 0 });
  s.start();
  try {
    let reply = await s.request(REQUEST);
    for (let i = 0; i < WARMUP; i++) reply = await s.request(REQUEST);
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = process.hrtime.bigint();
      reply = await s.request(REQUEST);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { samples, requestBytes: Buffer.from(JSON.stringify({ ...REQUEST, token: s.token })), replyBytes: Buffer.from(JSON.stringify(reply)) };
  } finally {
    await s.stop();
    await cam.stop();
  }
}

/** A server that answers each request write with the reply bytes, and a client that waits for them. */
async function echoRoundTrips(requestBytes: Buffer, replyBytes: Buffer): Promise<number[]> {
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    sock.on('data', () => sock.write(replyBytes));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
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
  const once = (): Promise<void> => new Promise((resolve) => {
    wake = resolve;
    client.write(requestBytes);
  });
  for (let i = 0; i < WARMUP; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    await once();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  client.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return samples;
}

export async function run(): Promise<Record<string, unknown>[]> {
  const rpc = await sessionRoundTrips();
  const echo = await echoRoundTrips(rpc.requestBytes, rpc.replyBytes);
  const a = [...rpc.samples].sort((x, y) => x - y);
  const b = [...echo].sort((x, y) => x - y);
  const figure = (p: number): Record<string, unknown> => {
    const value = percentile(a, p);
    const baselineValue = percentile(b, p);
    return {
      name: `amba request round trip p${p}`,
      value: Number(value.toFixed(3)),
      unit: 'ms',
      baseline: 'raw-socket echo of the same bytes, loopback',
      baselineValue: Number(baselineValue.toFixed(3)),
      ratio: Number((value / baselineValue).toFixed(2)),
      samples: SAMPLES,
    };
  };
  return [figure(50), figure(99)];
}
