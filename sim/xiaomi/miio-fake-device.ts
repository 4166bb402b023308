// A Xiaomi camera's miIO side on loopback, for the tests and the demo (spec §4): answers the hello
// with a fixed did and stamp, and `get_ipcprop` with the credentials, the properties newer
// firmware returns (no credentials), an error, a malformed reply, or nothing at all.
import * as dgram from 'dgram';
import { decodeMiioHeader, decodeMiioPacket, encodeHelloReply, encodeMiioPacket, parseMiioJson, parseToken } from '../../nodes/xiaomi/miio-packet';
import { bindUdp, closeUdp } from '../../nodes/core/listening';

export type FakeMiioMode = 'credentials' | 'hidden' | 'error' | 'busy-once' | 'malformed' | 'silent' | 'silent-request';

export interface FakeMiioOptions {
  token: string;
  did?: number;
  stamp?: number;
  mode?: FakeMiioMode;
  uid?: string;
  account?: string;
  password?: string;
  /** Append one NUL to replies, as python-miio does to requests. */
  nulTerminated?: boolean;
}

export interface FakeMiioDevice {
  port: number;
  /** Every decrypted request, in order. */
  requests: Record<string, unknown>[];
  hellos: number;
  setMode(mode: FakeMiioMode): void;
  close(): Promise<void>;
}

/** What an aq1 on firmware 3.3.7_248 and later returns: no p2p_id, avID or avPass. */
const HIDDEN_PROPS = { app_type: 'ipc', offset_x: 0, offset_y: 0, offset_radius: 0, md_status: 1, video_state: 1, fullstop: 0, led_status: 1, ir_status: 1, mdsensitivity: 2, channel_id: 0, flip_state: 0 };

export async function startFakeMiioDevice(options: FakeMiioOptions): Promise<FakeMiioDevice> {
  const token = parseToken(options.token);
  const did = options.did ?? 0x0001e240;
  const stamp = options.stamp ?? 0x5f5e1000;
  let mode: FakeMiioMode = options.mode ?? 'credentials';
  let busyAnswered = false;
  const socket = dgram.createSocket('udp4');
  const device: FakeMiioDevice = {
    port: 0,
    requests: [],
    hellos: 0,
    setMode: (m) => { mode = m; },
    close: () => closeUdp(socket),
  };

  const reply = (body: unknown, to: dgram.RemoteInfo) => {
    let plaintext = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    if (options.nulTerminated) plaintext = Buffer.concat([plaintext, Buffer.from([0])]);
    socket.send(encodeMiioPacket(token, did, stamp, plaintext), to.port, to.address);
  };

  socket.on('message', (msg, rinfo) => {
    try {
      const h = decodeMiioHeader(msg);
      if (h.length === 32 && h.did === 0xffffffff) {
        device.hellos++;
        if (mode !== 'silent') socket.send(encodeHelloReply(did, stamp), rinfo.port, rinfo.address);
        return;
      }
      const request = parseMiioJson(decodeMiioPacket(token, msg).plaintext);
      device.requests.push(request);
      const id = request.id;
      if (mode === 'silent' || mode === 'silent-request') return;
      if (request.method !== 'get_ipcprop') return reply({ id, error: { code: -10000, message: 'method not supported' } }, rinfo);
      switch (mode) {
        case 'credentials':
          return reply({ id, result: { p2p_id: (options.uid ?? 'FAKEUID0000000000001').toLowerCase(), avID: options.account ?? 'admin', avPass: options.password ?? '888888', ...HIDDEN_PROPS } }, rinfo);
        case 'hidden':
          return reply({ id, result: HIDDEN_PROPS }, rinfo);
        case 'error':
          return reply({ id, error: { code: -5001, message: 'invalid arg' } }, rinfo);
        case 'busy-once':
          if (!busyAnswered) {
            busyAnswered = true;
            return reply({ id, error: { code: -9999, message: 'user ack timeout' } }, rinfo);
          }
          return reply({ id, result: { p2p_id: options.uid ?? 'FAKEUID0000000000001', avID: options.account ?? 'admin', avPass: options.password ?? '888888' } }, rinfo);
        case 'malformed':
          return reply('{"id":' + String(id) + ',"result":', rinfo);
      }
    } catch {
      // A request we cannot read (wrong token, garbage) gets no answer, like a real device.
    }
  });

  device.port = await bindUdp(socket, 0, '127.0.0.1');
  socket.on('error', () => undefined);
  return device;
}
