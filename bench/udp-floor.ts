// The UDP floor of the Dahua tunnel bench: the datagrams PTCP puts on the wire for a stream
// (a 1316-byte DATA per 1280 bytes, answered by a 24-byte ACK, as the captured device acks every
// packet; 32 KiB of bodies in flight), bounced between two bare sockets with no protocol at all.
// With both sockets on one thread it is the ceiling of client → device through any PTCP
// implementation in one Node.js process; with the sending socket on a worker thread it is the
// ceiling of a tunnel whose UDP side runs on a thread of its own beside the device's.

import { Socket as UdpSocket, createSocket } from 'dgram';
import { Worker, isMainThread, parentPort, workerData } from 'worker_threads';
import { bindUdp } from '../nodes/core/listening';

const MB = 1024 * 1024;
const PAYLOAD = 1280;
const WINDOW = Math.floor((32 * 1024) / (PAYLOAD + 12));
const DATA = Buffer.alloc(PAYLOAD + 36, 0x5a);
const ACK = Buffer.alloc(24, 0x41);

/** Sends `bytes` as DATA datagrams on a connected socket, at most WINDOW unanswered; resolves with MB/s. */
function sendWindowed(client: UdpSocket, bytes: number): Promise<number> {
  const packets = Math.ceil(bytes / PAYLOAD);
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    let sent = 0;
    let answered = 0;
    let inFlight = 0;
    let lastAnswered = -1;
    const pump = (): void => {
      while (sent < packets && inFlight < WINDOW) {
        client.send(DATA);
        sent++;
        inFlight++;
      }
    };
    // a datagram lost to a full socket buffer must not hang the floor: count it as answered
    const watchdog = setInterval(() => {
      if (answered === lastAnswered && inFlight > 0) {
        answered += inFlight;
        inFlight = 0;
        pump();
      }
      lastAnswered = answered;
    }, 100);
    client.on('message', () => {
      answered++;
      inFlight--;
      if (answered >= packets) {
        clearInterval(watchdog);
        resolve((packets * PAYLOAD) / MB / (Number(process.hrtime.bigint() - started) / 1e9));
        return;
      }
      pump();
    });
    pump();
  });
}

/** The device's side: an ACK for every datagram, from a socket that is not connected. */
async function answeringDevice(): Promise<{ device: UdpSocket; port: number; answer(clientPort: number): void }> {
  const device = createSocket('udp4');
  const port = await bindUdp(device, 0, '127.0.0.1');
  return { device, port, answer: (clientPort) => device.on('message', () => device.send(ACK, clientPort, '127.0.0.1')) };
}

/** Both sockets on this thread. */
export async function udpFloorOneThread(bytes: number): Promise<number> {
  const { device, port, answer } = await answeringDevice();
  const client = createSocket('udp4');
  answer(await bindUdp(client, 0, '127.0.0.1'));
  await new Promise<void>((resolve) => client.connect(port, '127.0.0.1', () => resolve()));
  try {
    return await sendWindowed(client, bytes);
  } finally {
    client.close();
    device.close();
  }
}

/** The sending socket on a worker thread, the answering one on this thread. */
export async function udpFloorTwoThreads(bytes: number): Promise<number> {
  const { device, port, answer } = await answeringDevice();
  const worker = new Worker(__filename, { workerData: { devicePort: port, bytes } });
  try {
    const next = (): Promise<number> => new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    answer(await next()); // the worker's port
    return await next(); // MB/s
  } finally {
    device.close();
    await worker.terminate();
  }
}

async function workerMain(devicePort: number, bytes: number): Promise<void> {
  const client = createSocket('udp4');
  const port = await bindUdp(client, 0, '127.0.0.1');
  await new Promise<void>((resolve) => client.connect(devicePort, '127.0.0.1', () => resolve()));
  parentPort!.postMessage(port);
  parentPort!.postMessage(await sendWindowed(client, bytes));
  client.close();
}

if (!isMainThread && workerData && typeof workerData.devicePort === 'number') {
  void workerMain(workerData.devicePort, workerData.bytes);
}
