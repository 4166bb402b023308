// The simulated Dahua cloud and device in a child process, with an echo service behind device
// ports 9000 and 9001. For tests that count their own process's sockets, ports and timers: the
// simulator keeps a session per client until it idles out (as a device would), which would blur
// the count if it ran in the same process.
import { fork, ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { startDahuaSimulator } from '../../sim/dahua/dahua-simulator';

export const ECHO_DEVICE_PORTS = [9000, 9001];

export interface SimChildInfo {
  cloud: { host: string; port: number };
  serial: string;
}

type Request = { id: number; op: 'client-udp-ports' };
type Reply = { id: number; ports: number[] };

export class SimChild {
  private nextId = 1;
  private readonly waiting = new Map<number, (ports: number[]) => void>();

  private constructor(private readonly child: ChildProcess, readonly info: SimChildInfo) {
    child.on('message', (m: Reply) => {
      this.waiting.get(m.id)?.(m.ports);
      this.waiting.delete(m.id);
    });
  }

  static start(): Promise<SimChild> {
    const child = fork(__filename, ['--dahua-sim-child'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('message', (m) => resolve(new SimChild(child, m as SimChildInfo)));
      child.once('exit', (code) => reject(new Error(`the simulator process exited (${code})`)));
    });
  }

  /** Every local UDP port a client reached the simulated cloud from. */
  clientUdpPorts(): Promise<number[]> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ id, op: 'client-udp-ports' } satisfies Request);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.disconnect();
    });
  }
}

async function childMain(): Promise<void> {
  const echo = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  const echoPort = (echo.address() as { port: number }).port;
  const sim = await startDahuaSimulator({ services: Object.fromEntries(ECHO_DEVICE_PORTS.map((p) => [p, echoPort])) });
  process.on('message', (m: Request) => {
    if (m.op === 'client-udp-ports') process.send!({ id: m.id, ports: sim.clientUdpPorts() } satisfies Reply);
  });
  process.on('disconnect', () => {
    void sim.close().finally(() => process.exit(0));
  });
  process.send!({ cloud: sim.cloud, serial: sim.serial } satisfies SimChildInfo);
}

if (require.main === module && process.argv[2] === '--dahua-sim-child') {
  childMain().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
