// Ports for tests of nodes whose port field takes no 0 (so the OS cannot pick one for them), and
// checks that a closed node released its ports: by binding them again, or (ownBoundPorts) by
// reading /proc on Linux, so that sockets of other processes on the machine never count.
import * as dgram from 'node:dgram';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
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

export interface OwnPorts {
  tcp: Set<number>;
  udp: Set<number>;
}

/**
 * Local ports of every TCP (listening or connected) and UDP socket this process holds, IPv4 and
 * IPv6; null where /proc is not there (not Linux).
 */
export function ownBoundPorts(): OwnPorts | null {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed while we looked
    }
  }
  const portsIn = (table: string): number[] => {
    let text = '';
    try {
      text = readFileSync(`/proc/self/net/${table}`, 'utf8');
    } catch {
      return [];
    }
    const ports: number[] = [];
    // columns: sl local_address rem_address st queues timer retrnsmt uid timeout inode …
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16));
    }
    return ports;
  };
  return { tcp: new Set([...portsIn('tcp'), ...portsIn('tcp6')]), udp: new Set([...portsIn('udp'), ...portsIn('udp6')]) };
}
