// One RTSP server per listening address, shared by every cam-stream-out node that uses it, so
// several cameras can be served on port 8554 under different paths (as Frigate and go2rtc users
// expect). The first node to ask starts the server; the last one to leave closes it, so a
// redeploy leaves no port bound. Node-RED-free, like the server itself.

import { RtspServer, RtspServerOptions } from './rtsp-server';

export interface ServerLease {
  server: RtspServer;
  /** Gives the server back; resolves once it is closed, if this was its last user. */
  release(): Promise<void>;
}

interface Entry {
  server: RtspServer;
  ready: Promise<number>;
  users: number;
  /** Set while the last user's release is closing the server. */
  closing: Promise<void> | null;
}

const servers = new Map<string, Entry>();

function keyOf(options: RtspServerOptions): string {
  return `${options.host ?? '0.0.0.0'}|${options.port}`;
}

/**
 * A lease on the server for this address, listening. Rejects (e.g. EADDRINUSE) if it cannot
 * listen; the options of the first user win for settings shared by all (caps, timeouts).
 */
export async function acquireRtspServer(options: RtspServerOptions): Promise<ServerLease> {
  const key = keyOf(options);
  let entry = servers.get(key);
  if (entry?.closing) {
    await entry.closing;
    entry = servers.get(key);
  }
  if (!entry) {
    const server = new RtspServer(options);
    const created: Entry = { server, ready: server.listen(), users: 0, closing: null };
    entry = created;
    servers.set(key, created);
    created.ready.catch(() => {
      if (servers.get(key) === created) servers.delete(key);
    });
  }
  entry.users++;
  const held = entry;
  try {
    await held.ready;
  } catch (err) {
    held.users--;
    throw err;
  }
  let released = false;
  return {
    server: held.server,
    release: () => {
      if (released) return Promise.resolve();
      released = true;
      return releaseEntry(key, held);
    },
  };
}

function releaseEntry(key: string, entry: Entry): Promise<void> {
  entry.users--;
  if (entry.users > 0) return Promise.resolve();
  entry.closing = entry.server.close().finally(() => {
    if (servers.get(key) === entry) servers.delete(key);
  });
  return entry.closing;
}

/** Servers currently open (for tests: after every node is closed this is 0). */
export function openRtspServerCount(): number {
  return servers.size;
}
