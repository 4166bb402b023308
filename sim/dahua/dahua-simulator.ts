// The whole far side of a Dahua P2P connection in one process, on loopback: the Easy4IP main
// server, P2P server, relay server and agent, and a device behind them whose realms reach local
// TCP services (by default a small RTSP server playing an H.264 test pattern). Used by the
// tests and by the demo. Faults can be switched at run time: loss, duplication and reordering
// of PTCP datagrams, a dead device, 401, 403 DevPwd_InvalidSalt, a relay that never answers.

import { EASY4IP_APP } from '../../nodes/dahua/cloud-presets';
import { FaultOptions } from './fault-injector';
import { WsseCredentials } from '../../nodes/dahua/dh-http';
import { RtspTestServer, startRtspTestServer } from './rtsp-test-server';
import { SimCloud, SimCloudState } from './sim-cloud';
import { DeviceServices } from './sim-device-realms';
import { SimPtcpPeer } from './sim-ptcp-peer';
import { Address } from '../../nodes/dahua/udp-endpoint';

export { EASY4IP_APP };

export interface DahuaSimulatorOptions {
  serial?: string;
  app?: WsseCredentials;
  /** Loopback address to bind every actor to (127.0.0.0/8 only). */
  host?: string;
  device?: { user?: string; password?: string; randsalt?: string; requireAuth?: boolean };
  /** Device port → local TCP port. 554 is added for the RTSP test server when `h264` is given. */
  services?: DeviceServices;
  /** An H.264 Annex-B clip for the device's RTSP server on port 554. */
  h264?: Buffer;
  fps?: number;
  faults?: FaultOptions;
  /** The device's own PTCP heartbeat interval (unknown on real devices; spec §10.4). */
  deviceHeartbeatMs?: number;
  p2pReplyDelayMs?: number;
}

export interface DahuaSimulator {
  readonly serial: string;
  readonly app: WsseCredentials;
  /** Where the "Easy4IP" main server listens: the cloud host and port a client is given. */
  readonly cloud: Address;
  /** The RTSP test server's own port (not tunnelled), when one runs. */
  readonly rtspPort: number | null;
  /** Every DH-HTTP request received, as "METHOD path", in order (bounded). */
  readonly requests: readonly string[];
  /** Every local UDP port a client has reached the cloud from (the first 1000): S_dev and S_relay of each handshake. */
  clientUdpPorts(): number[];
  setFaults(faults: FaultOptions): void;
  /** The device goes silent: sessions drop without a word, STUN and PTCP go unanswered, the cloud cannot reach it. */
  killDevice(): void;
  reviveDevice(): void;
  setUnauthorized(on: boolean): void;
  setRelayDead(on: boolean): void;
  setRequireDeviceAuth(on: boolean): void;
  /** No hole punching possible (strict NAT): only the relay path works. */
  setStunBlocked(on: boolean): void;
  setServices(services: DeviceServices): void;
  stats(): { deviceSessions: number; agentSessions: number; realmsOpen: number; stunAnswered: number; rtspPlaying: number; rtspPeakPlaying: number };
  /** Relay tokens handed out by /relay/agent and not yet released by /relay/unbind to the relay server. */
  relayTokens(): string[];
  close(): Promise<void>;
}

export async function startDahuaSimulator(options: DahuaSimulatorOptions = {}): Promise<DahuaSimulator> {
  const host = options.host ?? '127.0.0.1';
  if (!host.startsWith('127.')) throw new RangeError('the Dahua simulator binds to loopback (127.0.0.0/8) only');
  let faults: FaultOptions = options.faults ?? {};
  let rtsp: RtspTestServer | null = null;
  if (options.h264) rtsp = await startRtspTestServer({ h264: options.h264, fps: options.fps, host });
  const withRtsp = (extra: DeviceServices): DeviceServices => {
    const all: DeviceServices = {};
    if (rtsp) all[554] = rtsp.port;
    return Object.assign(all, extra);
  };
  let services = withRtsp(options.services ?? {});
  const signs = new Set<string>();
  const ctx = { signs, services: () => services, faults: () => faults, heartbeatMs: options.deviceHeartbeatMs ?? 5000 };
  const state: SimCloudState = {
    serial: options.serial ?? 'SIMDAHUA0000001',
    app: options.app ?? EASY4IP_APP,
    account: {
      user: options.device?.user ?? 'admin',
      password: options.device?.password ?? 'admin123',
      randsalt: options.device?.randsalt ?? '5daf91fc5cfc1be8e081cfb08f792726',
      requireAuth: options.device?.requireAuth ?? false,
    },
    unauthorized: false,
    relayDead: false,
    p2pReplyDelayMs: options.p2pReplyDelayMs ?? 30,
    requests: [],
    clientPorts: new Set(),
  };
  const device = new SimPtcpPeer('device', ctx);
  let cloud: SimCloud | null = null;
  const agent = new SimPtcpPeer('agent', ctx, (d, r) => cloud?.onAgentDatagram(d, r));
  cloud = new SimCloud(state, device, agent);
  await device.listen(host);
  await agent.listen(host);
  await cloud.listen(host);
  const main = cloud.main.address;

  return {
    serial: state.serial,
    app: state.app,
    cloud: main,
    rtspPort: rtsp ? rtsp.port : null,
    requests: state.requests,
    clientUdpPorts: () => [...state.clientPorts],
    setFaults: (f) => (faults = { ...f }),
    killDevice: () => {
      device.alive = false;
      agent.alive = false;
      device.dropSessions();
      agent.dropSessions();
    },
    reviveDevice: () => {
      device.alive = true;
      agent.alive = true;
    },
    setUnauthorized: (on) => (state.unauthorized = on),
    setRelayDead: (on) => (state.relayDead = on),
    setRequireDeviceAuth: (on) => (state.account.requireAuth = on),
    setStunBlocked: (on) => (device.stunBlocked = on),
    setServices: (s) => (services = withRtsp(s)),
    stats: () => ({
      deviceSessions: device.sessionsOpened,
      agentSessions: agent.sessionsOpened,
      realmsOpen: device.realmsOpen + agent.realmsOpen,
      stunAnswered: device.stunRequestsAnswered,
      rtspPlaying: rtsp ? rtsp.playing : 0,
      rtspPeakPlaying: rtsp ? rtsp.peakPlaying : 0,
    }),
    relayTokens: () => cloud?.relayTokens ?? [],
    close: async () => {
      cloud?.close();
      device.close();
      agent.close();
      if (rtsp) await rtsp.close();
    },
  };
}
