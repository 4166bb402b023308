// A small RTSP server that plays an H.264 Annex-B clip in a loop over RTP interleaved on the
// TCP connection (RFC 2326 §10.12, RFC 6184 packetization). It stands in for the camera's own
// RTSP server behind the simulated device, so that real RTSP clients (ffprobe, ffmpeg, VLC)
// can be pointed at the tunnel. Only TCP transport is offered: that is all a PTCP realm
// carries (spec §7).

import { createServer, Server, Socket } from 'net';
import { AnnexBSplitter } from '../../nodes/media/splitters/annexb-splitter';
import { closeServer, listenTcp } from '../../nodes/core/listening';

export interface RtspTestServerOptions {
  /** An H.264 Annex-B elementary stream; it is played from its first keyframe, in a loop. */
  h264: Buffer;
  fps?: number;
  host?: string;
  port?: number;
}

export interface RtspTestServer {
  readonly port: number;
  readonly host: string;
  /** Sessions that have sent PLAY and not yet gone. */
  readonly playing: number;
  /** The most sessions that were playing at the same time. */
  readonly peakPlaying: number;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 8192;
const MAX_RTP_PAYLOAD = 1400;
/** A client that does not read is skipped (frames dropped) rather than buffered without end. */
const MAX_CLIENT_BACKLOG = 2 * 1024 * 1024;

interface AccessUnit {
  nals: Buffer[];
  keyframe: boolean;
}

function splitNals(unit: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < unit.length) {
    if (unit[i] === 0 && unit[i + 1] === 0 && unit[i + 2] === 1) {
      if (start >= 0) nals.push(trimZeros(unit.subarray(start, i)));
      i += 3;
      start = i;
    } else i++;
  }
  if (start >= 0 && start < unit.length) nals.push(unit.subarray(start));
  return nals.filter((n) => n.length > 0);
}

function trimZeros(nal: Buffer): Buffer {
  let end = nal.length;
  while (end > 0 && nal[end - 1] === 0) end--;
  return nal.subarray(0, end);
}

function accessUnits(h264: Buffer): AccessUnit[] {
  const splitter = new AnnexBSplitter('h264');
  const units: AccessUnit[] = [];
  const out = { frame: (f: { payload: Buffer; keyframe: boolean }) => units.push({ nals: splitNals(f.payload), keyframe: f.keyframe }), drop: () => {} };
  splitter.push(h264, out);
  splitter.flush(out);
  const first = units.findIndex((u) => u.keyframe);
  if (first < 0) throw new Error('the H.264 clip has no keyframe');
  return units.slice(first);
}

function sdp(units: AccessUnit[], host: string): string {
  const nals = units[0].nals;
  const sps = nals.find((n) => (n[0] & 0x1f) === 7);
  const pps = nals.find((n) => (n[0] & 0x1f) === 8);
  if (!sps || !pps) throw new Error('the first keyframe carries no SPS/PPS');
  return [
    'v=0',
    `o=- 0 0 IN IP4 ${host}`,
    's=p2pcam simulated Dahua camera',
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    `a=fmtp:96 packetization-mode=1;profile-level-id=${sps.subarray(1, 4).toString('hex')};sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`,
    'a=control:trackID=0',
    '',
  ].join('\r\n');
}

/** RFC 6184: one NAL per packet when it fits, else FU-A fragments. */
function rtpPackets(nal: Buffer): Buffer[] {
  if (nal.length <= MAX_RTP_PAYLOAD) return [nal];
  const out: Buffer[] = [];
  const indicator = (nal[0] & 0xe0) | 28;
  const type = nal[0] & 0x1f;
  for (let at = 1; at < nal.length; at += MAX_RTP_PAYLOAD - 2) {
    const end = Math.min(at + MAX_RTP_PAYLOAD - 2, nal.length);
    const header = (at === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
    out.push(Buffer.concat([Buffer.from([indicator, header]), nal.subarray(at, end)]));
  }
  return out;
}

class RtspConnection {
  private buffer = Buffer.alloc(0);
  private readonly sessionId = Math.floor(Math.random() * 0x7fffffff).toString(16);
  private channel = 0;
  private timer: NodeJS.Timeout | null = null;
  private seq = Math.floor(Math.random() * 0xffff);
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff) >>> 0;
  private timestamp = Math.floor(Math.random() * 0xffffffff) >>> 0;
  private unit = 0;
  private waitKey = false;

  constructor(private readonly socket: Socket, private readonly server: RtspTestServerImpl) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.stop());
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.server.playingCount--;
    }
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      // RTCP from the client, interleaved: skip it
      if (this.buffer.length >= 4 && this.buffer[0] === 0x24) {
        const len = 4 + this.buffer.readUInt16BE(2);
        if (this.buffer.length < len) return;
        this.buffer = this.buffer.subarray(len);
        continue;
      }
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffer.length > MAX_REQUEST_BYTES) this.socket.destroy();
        return;
      }
      const head = this.buffer.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (length > MAX_REQUEST_BYTES) {
        this.socket.destroy();
        return;
      }
      if (this.buffer.length < end + 4 + length) return;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.handle(head);
    }
  }

  private handle(head: string): void {
    const [requestLine, ...lines] = head.split('\r\n');
    const [method, url] = requestLine.split(' ');
    const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
    const cseq = headers.get('cseq') ?? '0';
    const reply = (status: string, extra: string[] = [], body = ''): void => {
      const all = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, 'Server: p2pcam-sim', ...extra];
      if (body) all.push(`Content-Length: ${Buffer.byteLength(body)}`);
      this.socket.write(all.join('\r\n') + '\r\n\r\n' + body);
    };
    switch (method) {
      case 'OPTIONS':
        reply('200 OK', ['Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, SET_PARAMETER']);
        return;
      case 'DESCRIBE':
        reply('200 OK', ['Content-Type: application/sdp', `Content-Base: ${url.endsWith('/') ? url : url + '/'}`], this.server.sdp);
        return;
      case 'SETUP': {
        const transport = headers.get('transport') ?? '';
        const m = /interleaved=(\d+)(?:-(\d+))?/.exec(transport);
        if (!transport.includes('RTP/AVP/TCP') || !m) {
          reply('461 Unsupported Transport');
          return;
        }
        this.channel = Number(m[1]) & 0xff;
        reply('200 OK', [`Transport: RTP/AVP/TCP;unicast;interleaved=${this.channel}-${(this.channel + 1) & 0xff}`, `Session: ${this.sessionId};timeout=60`]);
        return;
      }
      case 'PLAY':
        reply('200 OK', [`Session: ${this.sessionId}`, `RTP-Info: url=${url};seq=${this.seq};rtptime=${this.timestamp}`, 'Range: npt=0.000-']);
        this.play();
        return;
      case 'TEARDOWN':
        this.stop();
        reply('200 OK', [`Session: ${this.sessionId}`]);
        return;
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        reply('200 OK', [`Session: ${this.sessionId}`]);
        return;
      default:
        reply('501 Not Implemented');
    }
  }

  private play(): void {
    if (this.timer) return;
    this.server.playingCount++;
    this.server.peakPlaying = Math.max(this.server.peakPlaying, this.server.playingCount);
    this.unit = 0;
    this.sendUnit();
    this.timer = setInterval(() => this.sendUnit(), 1000 / this.server.fps);
  }

  private sendUnit(): void {
    const units = this.server.units;
    const unit = units[this.unit];
    this.unit = (this.unit + 1) % units.length;
    const ticks = Math.round(90_000 / this.server.fps);
    if (this.socket.writableLength > MAX_CLIENT_BACKLOG) this.waitKey = true;
    if (this.waitKey && !unit.keyframe) {
      this.timestamp = (this.timestamp + ticks) >>> 0;
      return;
    }
    this.waitKey = false;
    const payloads = unit.nals.filter((n) => (n[0] & 0x1f) !== 9).flatMap(rtpPackets);
    payloads.forEach((payload, i) => {
      const rtp = Buffer.alloc(12);
      rtp[0] = 0x80;
      rtp[1] = 96 | (i === payloads.length - 1 ? 0x80 : 0);
      rtp.writeUInt16BE(this.seq, 2);
      rtp.writeUInt32BE(this.timestamp, 4);
      rtp.writeUInt32BE(this.ssrc, 8);
      this.seq = (this.seq + 1) & 0xffff;
      const frame = Buffer.alloc(4);
      frame[0] = 0x24;
      frame[1] = this.channel;
      frame.writeUInt16BE(12 + payload.length, 2);
      this.socket.write(Buffer.concat([frame, rtp, payload]));
    });
    this.timestamp = (this.timestamp + ticks) >>> 0;
  }
}

class RtspTestServerImpl implements RtspTestServer {
  playingCount = 0;
  peakPlaying = 0;
  readonly units: AccessUnit[];
  readonly sdp: string;
  readonly fps: number;
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  port = 0;
  host: string;

  constructor(options: RtspTestServerOptions) {
    this.units = accessUnits(options.h264);
    this.host = options.host ?? '127.0.0.1';
    this.sdp = sdp(this.units, this.host);
    this.fps = options.fps ?? 10;
  }

  get playing(): number {
    return this.playingCount;
  }

  async listen(port: number): Promise<void> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      new RtspConnection(socket, this);
    });
    this.port = await listenTcp(server, port, this.host);
    server.on('error', () => {});
    this.server = server;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    return closeServer(server);
  }
}

export async function startRtspTestServer(options: RtspTestServerOptions): Promise<RtspTestServer> {
  const server = new RtspTestServerImpl(options);
  await server.listen(options.port ?? 0);
  return server;
}
