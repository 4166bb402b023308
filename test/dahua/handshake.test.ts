// The handshake against the simulated cloud and device on loopback: both paths, both auth
// types, the socket rules, and each failure the simulator can inject.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, Server, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DahuaSimulator, startDahuaSimulator } from '../../sim/dahua/dahua-simulator';
import { EstablishedSession, HandshakeError, HandshakeOptions, establish } from '../../nodes/dahua/handshake';
import { ClientRealms } from '../../nodes/dahua/client-realms';
import { DahuaConnection } from '../../nodes/dahua/dahua-connection';
import { encodeBody, encodePtcp } from '../../nodes/dahua/ptcp-packet';
import { waitFor } from '../support/node-red';

/** A TCP service that upper-cases what it receives, standing in for a device port. */
function upperServer(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      s.on('error', () => {});
      s.on('data', (d) => s.write(d.toString().toUpperCase()));
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

describe('Dahua handshake against the simulator', () => {
  let sim: DahuaSimulator;
  let upper: Server;
  before(async () => {
    upper = await upperServer();
    sim = await startDahuaSimulator({ services: { 80: portOf(upper) } });
  });
  after(async () => {
    await sim.close();
    await new Promise((r) => upper.close(r));
  });

  const options = (extra: Partial<HandshakeOptions> = {}): HandshakeOptions => ({
    serial: sim.serial,
    cloud: sim.cloud,
    app: sim.app,
    auth: 'legacy',
    path: 'direct',
    bindHost: '127.0.0.1',
    stepTimeoutMs: 3000,
    stunTimeoutMs: 3000,
    session: { heartbeatMs: 1000 },
    ...extra,
  });

  /** Opens one realm to device port 80 through the session and round-trips a line. */
  async function roundTrip(est: EstablishedSession): Promise<string> {
    const realms = new ClientRealms(est.session);
    est.hooks.onBody = (b) => realms.handleBody(b);
    est.hooks.onDrain = () => realms.drained();
    const listener = createServer((socket) => realms.open(socket, { port: 80, ip: '127.0.0.1' }));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
    try {
      const client = connect(portOf(listener), '127.0.0.1');
      client.write('hello through ptcp');
      const reply = await new Promise<string>((resolve, reject) => {
        let text = '';
        client.on('data', (d) => {
          text += d.toString();
          if (text.length >= 18) resolve(text);
        });
        client.on('error', reject);
      });
      client.destroy();
      return reply;
    } finally {
      realms.closeAll('test over');
      listener.close();
    }
  }

  it('goes direct in the order of the captured session, and the session carries a realm', async () => {
    const start = sim.requests.length;
    const est = await establish(options());
    try {
      assert.equal(est.path, 'direct');
      assert.equal(est.session.state, 'open');
      const steps = sim.requests.slice(start).filter((r, i, all) => all.indexOf(r) === i).map((r) => r.replace(sim.serial, 'SN').replace(/\/relay\/start\/.*/, '/relay/start/TOKEN'));
      assert.deepEqual(steps, [
        'DHGET /probe/p2psrv',
        'DHGET /online/p2psrv/SN',
        'DHGET /probe/device/SN',
        'DHGET /online/relay',
        'DHPOST /device/SN/p2p-channel',
        'DHGET /relay/agent',
        'DHPOST /relay/start/TOKEN',
        'DHPOST /device/SN/relay-channel',
      ]);
      assert.ok(sim.stats().stunAnswered > 0, 'the hole punch reached the device');
      assert.equal(await roundTrip(est), 'HELLO THROUGH PTCP');
    } finally {
      est.close();
    }
  });

  it('ignores datagrams from anyone but the peer, PTCP or not, and keeps working', async () => {
    const est = await establish(options());
    const stranger = createSocket('udp4');
    try {
      await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', () => r()));
      const forged = encodePtcp({ sent: 4, recv: 4, pid: 0, lmid: 0, rmid: 0 }, encodeBody({ type: 'status', realm: 1, status: 'DISC' }));
      const junk = [forged, Buffer.from('HTTP/1.1 200 OK\r\nCSeq: 1\r\n\r\n'), Buffer.from([0xff, 0xfe, 0, 1, 2]), Buffer.alloc(3000, 7)];
      for (const d of junk) {
        stranger.send(d, est.localPorts.dev, '127.0.0.1');
        stranger.send(d, est.localPorts.relay, '127.0.0.1');
      }
      await waitFor(() => est.strays() >= 4, 10_000, 'strays counted');
      assert.equal(est.session.state, 'open');
      assert.equal(await roundTrip(est), 'HELLO THROUGH PTCP');
    } finally {
      stranger.close();
      est.close();
    }
  });

  it('runs the relay path: the agent session itself carries the realm', async () => {
    const agentBefore = sim.stats().agentSessions;
    const est = await establish(options({ path: 'relay' }));
    try {
      assert.equal(est.path, 'relay');
      assert.equal(sim.stats().agentSessions, agentBefore + 1);
      assert.equal(await roundTrip(est), 'HELLO THROUGH PTCP');
    } finally {
      est.close();
    }
  });

  it('releases its relay token with /relay/unbind to the relay server on close, also from S_relay connected to the agent (relay path)', async () => {
    for (const path of ['direct', 'relay'] as const) {
      // earlier tests' tokens may still be on their way out: only ever fewer, never new ones
      const earlier = new Set(sim.relayTokens());
      const est = await establish(options({ path }));
      const ours = sim.relayTokens().filter((t) => !earlier.has(t));
      try {
        assert.equal(ours.length, 1, 'one token handed out for this session');
        assert.equal(await roundTrip(est), 'HELLO THROUGH PTCP');
      } finally {
        est.close();
      }
      await waitFor(() => !sim.relayTokens().includes(ours[0]), 10_000, `the relay server unbinds the token (${path})`);
    }
  });

  it('answers 403 DevPwd_InvalidSalt with a clear error, and passes with device credentials', async () => {
    sim.setRequireDeviceAuth(true);
    try {
      await assert.rejects(establish(options()), (err: unknown) => err instanceof HandshakeError && err.code === 'invalid-salt');
      await assert.rejects(establish(options({ auth: 'device-credential' })), (err: unknown) => err instanceof HandshakeError && err.code === 'no-account');
      await assert.rejects(establish(options({ auth: 'device-credential', account: { user: 'admin', password: 'wrong' } })), (err: unknown) => err instanceof HandshakeError && err.code === 'invalid-salt');
      const est = await establish(options({ auth: 'device-credential', account: { user: 'admin', password: 'admin123' } }));
      try {
        assert.ok(sim.requests.includes(`DHGET /info/device/${sim.serial}`), 'the salt came from /info/device');
        assert.equal(await roundTrip(est), 'HELLO THROUGH PTCP');
      } finally {
        est.close();
      }
    } finally {
      sim.setRequireDeviceAuth(false);
    }
  });

  it('reports 401 as a credentials problem that retrying will not fix', async () => {
    sim.setUnauthorized(true);
    try {
      await assert.rejects(establish(options()), (err: unknown) => err instanceof HandshakeError && err.code === 'unauthorized' && err.needsUser);
    } finally {
      sim.setUnauthorized(false);
    }
    await assert.rejects(establish(options({ app: { user: sim.app.user, key: 'not-the-key' } })), (err: unknown) => err instanceof HandshakeError && err.code === 'unauthorized');
  });

  it('times out on a relay that never answers, and on a dead device', async () => {
    sim.setRelayDead(true);
    try {
      await assert.rejects(establish(options()), (err: unknown) => err instanceof HandshakeError && err.code === 'relay-timeout');
    } finally {
      sim.setRelayDead(false);
    }
    sim.killDevice();
    try {
      await assert.rejects(establish(options()), (err: unknown) => err instanceof HandshakeError && (err.code === 'timeout' || err.code === 'not-found'));
    } finally {
      sim.reviveDevice();
    }
  });

  it('falls back to the relay when no hole can be punched (mode auto)', async () => {
    sim.setStunBlocked(true);
    const connection = new DahuaConnection({ serial: sim.serial, cloudHost: sim.cloud.host, cloudPort: sim.cloud.port, app: sim.app, auth: 'auto', mode: 'auto', bindHost: '127.0.0.1', stepTimeoutMs: 3000, stunTimeoutMs: 1500 });
    try {
      connection.start();
      await waitFor(() => connection.info.state === 'online', 30_000, 'online');
      assert.equal(connection.info.path, 'relay');
    } finally {
      connection.stop();
      sim.setStunBlocked(false);
    }
  });

  it('switches to device-credential auth by itself when the device asks (auth auto)', async () => {
    sim.setRequireDeviceAuth(true);
    const connection = new DahuaConnection({ serial: sim.serial, cloudHost: sim.cloud.host, cloudPort: sim.cloud.port, app: sim.app, auth: 'auto', account: { user: 'admin', password: 'admin123' }, mode: 'direct', bindHost: '127.0.0.1', stepTimeoutMs: 3000 });
    const states: string[] = [];
    connection.onState((i) => states.push(i.state));
    try {
      connection.start();
      await waitFor(() => connection.info.state === 'online', 30_000, 'online');
      assert.deepEqual(states, ['connecting', 'online'], 'no failed attempt in between');
    } finally {
      connection.stop();
      sim.setRequireDeviceAuth(false);
    }
  });

  it('refuses an unknown serial as not found', async () => {
    await assert.rejects(establish(options({ serial: 'NOSUCHDEVICE' })), (err: unknown) => err instanceof HandshakeError && err.code === 'not-found');
  });

  it('can be aborted mid-way', async () => {
    const controller = new AbortController();
    sim.setRelayDead(true);
    try {
      const attempt = establish(options({ signal: controller.signal, stepTimeoutMs: 20_000 }));
      await waitFor(() => sim.requests[sim.requests.length - 1] === 'DHGET /relay/agent', 10_000, 'relay agent request');
      controller.abort();
      await assert.rejects(attempt, (err: unknown) => err instanceof HandshakeError && err.code === 'aborted');
    } finally {
      sim.setRelayDead(false);
    }
  });
});
