// Ports for tests of nodes whose port field takes no 0 (so the OS cannot pick one for them), and
// checks that a closed node released its ports.
import * as dgram from 'node:dgram';
import * as net from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago for TCP (and for UDP too, when asked). */
export async function freePort(options: { udpToo?: boolean } = {}): Promise<number> {
  for (;;) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    if (!options.udpToo || (await udpPortIsFree(port))) return port;
  }
}

/** Whether `port` on 127.0.0.1 can be listened on now (a closed node released it). */
export async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Whether UDP `port` on 127.0.0.1 can be bound now. */
export function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}
