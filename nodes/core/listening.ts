// Opening and closing listening sockets as promises. Every server in the collection binds a
// port the user chose (or 0), and a taken port must come back as a rejected promise the node
// can show in its status, never as an 'error' event that nobody listens to, which would take
// Node-RED down.

import type { Server } from 'net';
import type { Socket as UdpSocket } from 'dgram';

/** Listens on host:port; resolves with the port bound (useful with 0), rejects with EADDRINUSE and the like. */
export function listenTcp(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Binds host:port; resolves with the port bound, rejects with the bind error. */
export function bindUdp(socket: UdpSocket, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
}

/** Stops listening and waits until the server has let go of the port (and its connections have ended); null is fine. */
export function closeServer(server: Server | null | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

/** Closes a UDP socket; a socket already closed is fine. */
export function closeUdp(socket: UdpSocket | null | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!socket) return resolve();
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // ERR_SOCKET_DGRAM_NOT_RUNNING: it was closed already
    }
  });
}
