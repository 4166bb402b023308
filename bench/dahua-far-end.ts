// The far end of the Dahua tunnel bench: a TCP service on the device side that swallows what it
// is sent ('up', client → device) or sends a given number of bytes ('down', device → client, the
// direction of video). It runs in the bench process, or (`--dahua-far-end`) in a child process
// together with the simulated cloud and device, so that the bench process's CPU time is the
// tunnel's and its client's alone. The child answers requests over IPC.

import { createServer, Server, Socket } from 'net';
import { randomBytes } from 'crypto';
import { startDahuaSimulator } from '../sim/dahua/dahua-simulator';
import { listenTcp } from '../nodes/core/listening';

export type Direction = 'up' | 'down';

/** The device-side port the bench tunnels to. */
export const SERVICE_DEVICE_PORT = 9000;

export class TransferService {
  private received = 0;
  private direction: Direction = 'up';
  private expected = 0;
  private arrived: (() => void) | null = null;
  private source: Buffer = Buffer.alloc(0);

  private constructor(readonly server: Server, readonly port: number) {
    server.on('connection', (s) => this.accept(s));
  }

  static async start(): Promise<TransferService> {
    const server = createServer();
    return new TransferService(server, await listenTcp(server, 0, '127.0.0.1'));
  }

  /**
   * Sets up the next connection's transfer. 'up': resolves once `bytes` have been received.
   * 'down': the next connection is sent `data` (or `bytes` random bytes); resolves at once.
   */
  arm(direction: Direction, bytes: number, data?: Buffer): Promise<void> {
    this.direction = direction;
    this.received = 0;
    this.expected = bytes;
    if (direction === 'down') {
      this.source = data ?? (this.source.length === bytes ? this.source : randomBytes(bytes));
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.arrived = resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    if (this.direction === 'down') {
      socket.end(this.source);
      return;
    }
    socket.on('data', (d: Buffer) => {
      this.received += d.length;
      if (this.arrived && this.received >= this.expected) {
        this.arrived();
        this.arrived = null;
      }
    });
  }
}

/** What the child tells the bench once it is ready. */
export interface FarEndReady {
  cloud: { host: string; port: number };
  serial: string;
  app: { user: string; key: string };
  servicePort: number;
}

/**
 * A request to the child and its answer: arm the next transfer (answered once armed), wait until
 * the armed transfer has arrived, or read the child's CPU time (µs).
 */
export type FarEndCommand = { op: 'arm'; direction: Direction; bytes: number } | { op: 'arrived' } | { op: 'cpu' };
export type FarEndRequest = FarEndCommand & { id: number };
export interface FarEndReply {
  id: number;
  cpuMicros?: number;
}

async function childMain(): Promise<void> {
  const service = await TransferService.start();
  const sim = await startDahuaSimulator({ services: { [SERVICE_DEVICE_PORT]: service.port } });
  let arrived: Promise<void> = Promise.resolve();
  process.on('message', (m: FarEndRequest) => {
    const reply = (r: Omit<FarEndReply, 'id'>): void => void process.send!({ id: m.id, ...r });
    if (m.op === 'cpu') {
      const u = process.cpuUsage();
      reply({ cpuMicros: u.user + u.system });
    } else if (m.op === 'arm') {
      arrived = service.arm(m.direction, m.bytes);
      reply({});
    } else {
      void arrived.then(() => reply({}));
    }
  });
  process.on('disconnect', () => {
    void sim.close().finally(() => process.exit(0));
  });
  const ready: FarEndReady = { cloud: sim.cloud, serial: sim.serial, app: sim.app, servicePort: service.port };
  process.send!(ready);
}

if (require.main === module && process.argv[2] === '--dahua-far-end') {
  childMain().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
