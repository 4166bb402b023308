// A minimal RTSP client for the tests that real clients cannot do: reading answers field by
// field, sending broken or hostile requests, and reading interleaved RTP without decoding it.
import * as net from 'node:net';
import { readRtpHeader, RtpHeader } from '../../nodes/media/rtp/rtp-packet';

export interface RtspAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

export interface ReceivedPacket {
  channel: number;
  header: RtpHeader;
  payload: Buffer;
}

export class RtspTestClient {
  readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private cseq = 0;
  private waiting: ((answer: RtspAnswer) => void)[] = [];
  readonly packets: ReceivedPacket[] = [];
  /** Interleaved packets on odd channels: RTCP. */
  readonly rtcp: { channel: number; data: Buffer }[] = [];
  /** Set false to keep packets out of memory in long tests; they are still counted. */
  keepPackets = true;
  packetCount = 0;
  markers = 0;
  closed = false;
  private readonly closeWaiters: (() => void)[] = [];
  session: string | null = null;

  constructor(readonly port: number, readonly path = 'cam') {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  get url(): string {
    return `rtsp://127.0.0.1:${this.port}/${this.path}`;
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Sends a request (CSeq and Session added) and resolves with its answer. */
  request(method: string, uri = this.url, headers: Record<string, string> = {}): Promise<RtspAnswer> {
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${++this.cseq}`];
    if (this.session && !('Session' in headers)) lines.push(`Session: ${this.session}`);
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    return this.raw(`${lines.join('\r\n')}\r\n\r\n`);
  }

  raw(text: string | Buffer): Promise<RtspAnswer> {
    const answer = new Promise<RtspAnswer>((resolve) => this.waiting.push(resolve));
    this.socket.write(text);
    return answer;
  }

  /** OPTIONS, DESCRIBE, SETUP of every track over TCP, PLAY. */
  async playTcp(): Promise<RtspAnswer> {
    await this.request('OPTIONS');
    const describe = await this.request('DESCRIBE', this.url, { Accept: 'application/sdp' });
    if (describe.status !== 200) throw new Error(`DESCRIBE answered ${describe.status}`);
    const tracks = [...describe.body.matchAll(/a=control:(trackID=\d+)/g)].map((m) => m[1]);
    for (const [i, track] of tracks.entries()) {
      const setup = await this.request('SETUP', `${this.url}/${track}`, { Transport: `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}` });
      if (setup.status !== 200) throw new Error(`SETUP answered ${setup.status}`);
      this.session = setup.headers.get('session')!.split(';')[0];
    }
    return this.request('PLAY', `${this.url}/`, { Range: 'npt=0.000-' });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length === 0) return;
      if (this.buffer[0] === 0x24) {
        if (this.buffer.length < 4) return;
        const length = this.buffer.readUInt16BE(2);
        if (this.buffer.length < 4 + length) return;
        const packet = this.buffer.subarray(4, 4 + length);
        const header = this.buffer[1] % 2 === 1 ? null : readRtpHeader(packet);
        if (!header) this.rtcp.push({ channel: this.buffer[1], data: Buffer.from(packet) });
        else {
          this.packetCount++;
          if (header.marker) this.markers++;
          if (this.keepPackets) this.packets.push({ channel: this.buffer[1], header, payload: Buffer.from(packet.subarray(header.payloadOffset)) });
        }
        this.buffer = this.buffer.subarray(4 + length);
        continue;
      }
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map<string, string>();
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const length = Number(headers.get('content-length') ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 4 + length);
      const status = Number(head[0].split(' ')[1]);
      this.waiting.shift()?.({ status, headers, body });
    }
  }
}
