// Ports in tests: a free TCP port to put in a node's configuration, and the ports this process
// itself still has bound, to show that nodes release theirs. The latter reads /proc on Linux,
// so that sockets of other processes on the machine (parallel test runs) never count.
import { createSocket } from 'node:dgram';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** True when 127.0.0.1:port can be listened on right now. */
export function tcpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** True when UDP 127.0.0.1:port can be bound right now (another process may hold it too: prefer ownBoundPorts). */
export function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
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
