import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RtspServer } from '../../nodes/media/rtsp/rtsp-server';
import { StreamOut } from '../../nodes/media/serving/stream-out-engine';
import { requireTool, runTool, testStream } from '../support/ffmpeg';
import { waitFor } from '../support/node-red';
import { digestResponse, parseDigestHeader } from '../../nodes/media/rtsp/rtsp-digest-auth';
import { FrameFeed, framesOfFile } from './frame-feed';
import { RtspTestClient } from './rtsp-test-client';
import { fuzzIterations, fuzzRandom } from '../fuzz/fuzz-support';

/** ffmpeg decodes `frames` video frames; any decoding error fails it (-xerror, -v error). */
async function decodeWithFfmpeg(url: string, transport: 'tcp' | 'udp', frames = 20): Promise<string[]> {
  const result = await runTool('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-rtsp_transport', transport, '-i', url, '-map', '0:v', '-frames:v', String(frames), '-f', 'framecrc', '-']);
  assert.equal(result.stderr, '', `ffmpeg (${transport}) reported: ${result.stderr}`);
  assert.equal(result.code, 0);
  const lines = result.stdout.split('\n').filter((l) => /^0,/.test(l));
  assert.equal(lines.length, frames, `ffmpeg (${transport}) decoded ${lines.length} of ${frames} frames`);
  return lines;
}

async function probe(url: string, transport: 'tcp' | 'udp'): Promise<Record<string, unknown>> {
  const result = await runTool('ffprobe', ['-v', 'error', '-rtsp_transport', transport, '-show_entries', 'stream=codec_name,width,height', '-of', 'json', url]);
  assert.equal(result.stderr, '', `ffprobe (${transport}) reported: ${result.stderr}`);
  assert.equal(result.code, 0);
  return JSON.parse(result.stdout).streams[0];
}

/** A server on an ephemeral loopback port, fed from an ffmpeg-made stream at 10 fps. */
async function servedStream(kind: 'h264' | 'h265' | 'mjpeg', options: { credentials?: { username: string; password: string }; maxClients?: number; sessionTimeoutSec?: number; size?: string; senderReportIntervalMs?: number } = {}) {
  const stream = new StreamOut();
  const errors: string[] = [];
  const frames = framesOfFile(testStream({ kind, seconds: 3, size: options.size }), kind);
  const feed = new FrameFeed(frames, 10, (f) => {
    const r = stream.push(f.payload, f.frame);
    if (!r.ok) errors.push(r.error);
  }).start();
  const server = new RtspServer({ port: 0, host: '127.0.0.1', maxClients: options.maxClients, sessionTimeoutSec: options.sessionTimeoutSec, senderReportIntervalMs: options.senderReportIntervalMs });
  server.addMount('cam', stream, { credentials: options.credentials });
  const port = await server.listen();
  return {
    stream, server, port, feed, errors, frames,
    url: `rtsp://127.0.0.1:${port}/cam`,
    async stop() {
      feed.stop();
      await server.close();
      stream.close();
    },
  };
}

describe('RTSP server with real clients', () => {
  for (const kind of ['h264', 'h265', 'mjpeg'] as const) {
    it(`ffprobe and ffmpeg read and decode ${kind} over TCP and UDP`, async () => {
      const served = await servedStream(kind);
      try {
        const [tcp, udp] = await Promise.all([probe(served.url, 'tcp'), probe(served.url, 'udp')]);
        const expected = { h264: 'h264', h265: 'hevc', mjpeg: 'mjpeg' }[kind];
        for (const info of [tcp, udp]) assert.deepEqual(info, { codec_name: expected, width: 320, height: 240 });
        await Promise.all([decodeWithFfmpeg(served.url, 'tcp'), decodeWithFfmpeg(served.url, 'udp')]);
        assert.deepEqual(served.errors, [], 'every frame was served');
      } finally {
        await served.stop();
      }
    });
  }

  for (const codec of ['pcma', 'pcmu'] as const) {
    it(`serves ${codec} audio beside the video, and ffmpeg decodes both`, async () => {
      requireTool('ffmpeg');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-g711-'));
      const file = path.join(dir, 'sine.raw');
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-t', '2', '-f', codec === 'pcma' ? 'alaw' : 'mulaw', file]);
      const samples = fs.readFileSync(file);
      fs.rmSync(dir, { recursive: true, force: true });
      const served = await servedStream('h264');
      let at = 0;
      const audio = setInterval(() => {
        const r = served.stream.push(samples.subarray(at, at + 320), { codec, keyframe: true, timestamp: Date.now() });
        if (!r.ok) served.errors.push(r.error);
        at = (at + 320) % (samples.length - 320);
      }, 40);
      try {
        await waitFor(() => served.stream.hasTrack(1), 5000, 'the first audio chunk');
        for (const transport of ['tcp', 'udp']) {
          const result = await runTool('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-rtsp_transport', transport, '-i', served.url, '-map', '0', '-t', '2', '-f', 'framecrc', '-']);
          assert.equal(result.stderr, '', `ffmpeg (${transport}) reported: ${result.stderr}`);
          assert.equal(result.code, 0);
          assert.match(result.stdout, /#codec_id 1: pcm_s16le/);
          const audioFrames = result.stdout.split('\n').filter((l) => /^1,/.test(l)).length;
          const videoFrames = result.stdout.split('\n').filter((l) => /^0,/.test(l)).length;
          assert.ok(audioFrames >= 20 && videoFrames >= 10, `${transport}: ${videoFrames} video and ${audioFrames} audio frames decoded`);
        }
        assert.deepEqual(served.errors, []);
      } finally {
        clearInterval(audio);
        await served.stop();
      }
    });
  }

  it('serves five clients at once, TCP and UDP mixed', async () => {
    const served = await servedStream('h264');
    try {
      const transports = ['tcp', 'udp', 'tcp', 'udp', 'tcp'] as const;
      const results = await Promise.all(transports.map((t) => decodeWithFfmpeg(served.url, t, 15)));
      assert.equal(results.length, 5);
      assert.equal(served.server.clientCount, 0, 'every client left, and the server noticed');
    } finally {
      await served.stop();
    }
  });

  it('asks for Digest credentials and lets the right ones in', async () => {
    const served = await servedStream('mjpeg', { credentials: { username: 'viewer', password: 'p@ss word' } });
    try {
      const denied = await runTool('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', served.url]);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /401/);
      const wrong = await runTool('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', `rtsp://viewer:nope@127.0.0.1:${served.port}/cam`]);
      assert.notEqual(wrong.code, 0);
      await decodeWithFfmpeg(`rtsp://viewer:p%40ss%20word@127.0.0.1:${served.port}/cam`, 'tcp', 5);
    } finally {
      await served.stop();
    }
  });
});

describe('RTSP server, request by request', () => {
  let served: Awaited<ReturnType<typeof servedStream>>;
  before(async () => {
    served = await servedStream('h264', { maxClients: 4, senderReportIntervalMs: 300 });
  });
  after(async () => {
    await served.stop();
  });

  it('answers OPTIONS, DESCRIBE with an SDP, and errors with their RFC 2326 statuses', async () => {
    const c = new RtspTestClient(served.port);
    try {
      const options = await c.request('OPTIONS', '*');
      assert.equal(options.status, 200);
      assert.equal(options.headers.get('cseq'), '1');
      assert.match(options.headers.get('public')!, /DESCRIBE.*SETUP.*PLAY.*PAUSE.*TEARDOWN.*GET_PARAMETER/);
      const describe = await c.request('DESCRIBE');
      assert.equal(describe.status, 200);
      assert.equal(describe.headers.get('content-type'), 'application/sdp');
      assert.equal(describe.headers.get('content-base'), `${c.url}/`);
      assert.match(describe.body, /^v=0\r\n/);
      assert.match(describe.body, /m=video 0 RTP\/AVP 96\r\na=rtpmap:96 H264\/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=[0-9A-F]{6};sprop-parameter-sets=[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]+\r\na=control:trackID=0\r\n/);
      assert.equal((await c.request('DESCRIBE', `rtsp://127.0.0.1:${served.port}/nothing`)).status, 404);
      assert.equal((await c.request('SETUP', `${c.url}/trackID=0`, { Transport: 'RTP/AVP;multicast' })).status, 461);
      assert.equal((await c.request('SETUP', `${c.url}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=80-81' })).status, 461, 'no stream to a privileged port');
      assert.equal((await c.request('SETUP', `${c.url}/trackID=5`, { Transport: 'RTP/AVP/TCP;unicast' })).status, 404);
      assert.equal((await c.request('PLAY', c.url, { Session: 'nope' })).status, 454);
      assert.equal((await c.request('ANNOUNCE')).status, 405);
      assert.equal((await c.request('FROB')).status, 501);
      assert.equal((await c.request('GET_PARAMETER')).status, 200, 'keepalive without a session');
    } finally {
      c.close();
    }
  });

  it('plays from the last keyframe, pauses, resumes at a keyframe and tears down', async () => {
    const c = new RtspTestClient(served.port);
    try {
      const play = await c.playTcp();
      assert.equal(play.status, 200);
      assert.equal(play.headers.get('session')!.split(';')[0], c.session);
      assert.match(play.headers.get('session')!, /;timeout=60$/);
      await waitFor(() => c.markers >= 3, 10_000, 'three frames');
      const first = c.packets[0];
      assert.equal(first.channel, 0);
      assert.equal(first.header.payloadType, 96);
      assert.equal(first.payload[0] & 0x1f, 7, 'the first thing a client gets is the keyframe\'s SPS');
      const seqs = c.packets.map((p) => p.header.seq);
      seqs.forEach((s, i) => i > 0 && assert.equal(s, (seqs[i - 1] + 1) & 0xffff, 'sequence numbers run on'));
      await waitFor(() => c.rtcp.length > 0, 10_000, 'an RTCP sender report');
      const sr = c.rtcp[0];
      assert.equal(sr.channel, 1, 'on the RTCP channel of the track');
      assert.equal(sr.data[1], 200);
      assert.equal(sr.data.readUInt32BE(4), first.header.ssrc, 'for the track\'s SSRC');
      assert.equal((await c.request('GET_PARAMETER')).status, 200);
      assert.equal((await c.request('PAUSE')).status, 200);
      const pausedAt = c.packetCount;
      const sentAt = served.feed.sent;
      await waitFor(() => served.feed.sent >= sentAt + 3, 10_000, 'frames sent while paused');
      assert.equal(c.packetCount, pausedAt, 'nothing arrives while paused');
      c.packets.length = 0;
      assert.equal((await c.request('PLAY')).status, 200);
      await waitFor(() => c.markers >= 5 && c.packets.length > 0, 10_000, 'frames after resuming');
      assert.equal(c.packets[0].payload[0] & 0x1f, 7, 'resumed at a keyframe');
      assert.equal((await c.request('TEARDOWN')).status, 200);
      c.session = null;
      await waitFor(() => served.server.playingCount === 0, 5000, 'the session to end');
    } finally {
      c.close();
    }
  });

  it('sends RTP and RTCP over UDP to the client\'s own address and ports only', async () => {
    const c = new RtspTestClient(served.port);
    const dgram = await import('node:dgram');
    const bound = async () => {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      return socket;
    };
    const rtp = await bound();
    const rtcp = await bound();
    const got: Buffer[] = [];
    const reports: { data: Buffer; port: number }[] = [];
    rtp.on('message', (m) => got.push(m));
    rtcp.on('message', (m, rinfo) => reports.push({ data: m, port: rinfo.port }));
    try {
      const ports = `${rtp.address().port}-${rtcp.address().port}`;
      await c.request('DESCRIBE');
      const setup = await c.request('SETUP', `${c.url}/trackID=0`, { Transport: `RTP/AVP;unicast;client_port=${ports};destination=10.0.0.1` });
      assert.equal(setup.status, 200);
      assert.match(setup.headers.get('transport')!, new RegExp(`^RTP/AVP;unicast;client_port=${ports};server_port=(\\d+)-(\\d+);ssrc=[0-9A-F]{8}$`));
      const [, rtpPort, rtcpPort] = /server_port=(\d+)-(\d+)/.exec(setup.headers.get('transport')!)!.map(Number);
      assert.equal(rtpPort % 2, 0);
      assert.equal(rtcpPort, rtpPort + 1);
      c.session = setup.headers.get('session')!.split(';')[0];
      assert.equal((await c.request('PLAY')).status, 200);
      await waitFor(() => got.length >= 10, 10_000, 'RTP over UDP');
      assert.equal(got[0][0] >> 6, 2);
      await waitFor(() => reports.length > 0, 10_000, 'an RTCP sender report over UDP');
      assert.equal(reports[0].data[1], 200);
      assert.equal(reports[0].port, rtcpPort, 'sent from the server\'s RTCP port');
    } finally {
      c.close();
      rtp.close();
      rtcp.close();
    }
  });

  it('closes a connection that sends an oversized request, answering 431', async () => {
    const c = new RtspTestClient(served.port);
    try {
      const answer = await c.raw(`OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: ${'a'.repeat(10_000)}\r\n\r\n`);
      assert.equal(answer.status, 431);
      await c.whenClosed();
    } finally {
      c.close();
    }
  });

  it('refuses clients past maxClients with 503, and takes them again when one leaves', async () => {
    const clients = Array.from({ length: 4 }, () => new RtspTestClient(served.port));
    try {
      await Promise.all(clients.map((c) => c.request('OPTIONS')));
      assert.equal(served.server.clientCount, 4);
      const extra = new RtspTestClient(served.port);
      const refused = await new Promise<string>((resolve) => {
        let text = '';
        extra.socket.removeAllListeners('data');
        extra.socket.on('data', (d) => (text += d.toString()));
        extra.socket.on('close', () => resolve(text));
      });
      assert.match(refused, /^RTSP\/1.0 503 /);
      clients.pop()!.close();
      await waitFor(() => served.server.clientCount === 3, 5000, 'a client to leave');
      const again = new RtspTestClient(served.port);
      assert.equal((await again.request('OPTIONS')).status, 200);
      again.close();
    } finally {
      clients.forEach((c) => c.close());
    }
  });
});

describe('RTSP server, lifecycle', () => {
  it('ends a session whose client falls silent for the timeout', async () => {
    const served = await servedStream('mjpeg', { sessionTimeoutSec: 1 });
    try {
      const c = new RtspTestClient(served.port);
      assert.equal((await c.playTcp()).status, 200);
      await c.whenClosed();
      assert.ok(c.markers > 0, 'it played until then');
      await waitFor(() => served.server.clientCount === 0, 5000, 'the server to forget it');
    } finally {
      await served.stop();
    }
  });

  it('checks Digest on every request of a session', async () => {
    const creds = { username: 'u', password: 'p' };
    const served = await servedStream('mjpeg', { credentials: creds });
    const c = new RtspTestClient(served.port);
    try {
      assert.equal((await c.request('OPTIONS')).status, 200, 'OPTIONS stays open');
      const challenge = await c.request('DESCRIBE');
      assert.equal(challenge.status, 401);
      const fields = parseDigestHeader(challenge.headers.get('www-authenticate')!)!;
      const auth = (method: string, uri: string) => ({ Authorization: digestResponse(method, uri, creds, fields.realm, fields.nonce) });
      assert.equal((await c.request('DESCRIBE', c.url, auth('DESCRIBE', c.url))).status, 200);
      const track = `${c.url}/trackID=0`;
      assert.equal((await c.request('SETUP', track, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })).status, 401);
      const setup = await c.request('SETUP', track, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1', ...auth('SETUP', track) });
      assert.equal(setup.status, 200);
      c.session = setup.headers.get('session')!.split(';')[0];
      assert.equal((await c.request('PLAY', c.url)).status, 401);
      assert.equal((await c.request('PLAY', c.url, auth('PLAY', c.url))).status, 200);
    } finally {
      c.close();
      await served.stop();
    }
  });

  it('frees its TCP and UDP ports on close, so the next server can bind them', async () => {
    const served = await servedStream('h264');
    const c = new RtspTestClient(served.port);
    const setup = await c.request('DESCRIBE').then(() => c.request('SETUP', `${c.url}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=40000-40001' }));
    const [, rtpPort] = /server_port=(\d+)-/.exec(setup.headers.get('transport')!)!.map(Number);
    await served.stop();
    await c.whenClosed();
    const again = new RtspServer({ port: served.port, host: '127.0.0.1' });
    assert.equal(await again.listen(), served.port);
    await again.close();
    const dgram = await import('node:dgram');
    for (const port of [rtpPort, rtpPort + 1]) {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, '127.0.0.1', () => resolve());
      });
      s.close();
    }
  });

  it('lets a client that stops reading lose frames without stalling another', async () => {
    const stream = new StreamOut();
    const server = new RtspServer({ port: 0, host: '127.0.0.1' });
    server.addMount('cam', stream, { queueLimit: 10 });
    const port = await server.listen();
    const sps = Buffer.from([0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80]);
    const big = (n: number, key: boolean): Buffer => {
      const nal = Buffer.alloc(100_000, (n % 200) + 1);
      nal[0] = key ? 0x65 : 0x41;
      return Buffer.concat([key ? sps : Buffer.alloc(0), Buffer.from([0, 0, 0, 1]), nal]);
    };
    let n = 0;
    const pushOne = () => {
      const key = n % 10 === 0;
      assert.ok(stream.push(big(n++, key), { codec: 'h264', keyframe: key }).ok);
    };
    pushOne();
    const fast = new RtspTestClient(port);
    const slow = new RtspTestClient(port);
    fast.keepPackets = false;
    slow.keepPackets = false;
    try {
      assert.equal((await fast.playTcp()).status, 200);
      assert.equal((await slow.playTcp()).status, 200);
      slow.socket.pause(); // stops reading: its kernel buffers fill, then its queue overflows
      const slowConnection = () => [...(server as unknown as { connections: Set<{ currentSession: { dropped: number } | null }> }).connections]
        .map((c) => c.currentSession?.dropped ?? 0);
      const startN = n;
      while (Math.max(...slowConnection()) === 0) {
        pushOne();
        await new Promise((resolve) => setImmediate(resolve));
        if (n - startN > 5000) throw new Error('the slow client never dropped a frame');
      }
      for (let k = 0; k < 20; k++) {
        pushOne();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await waitFor(() => fast.markers === n, 20_000, `the fast client to get all ${n} frames (has ${fast.markers})`);
      assert.equal(Math.min(...slowConnection()), 0, 'the fast client dropped nothing');
    } finally {
      fast.close();
      slow.close();
      await server.close();
      stream.close();
    }
  });

  it('answers 503 to DESCRIBE when no frame comes in time', async () => {
    const stream = new StreamOut();
    const server = new RtspServer({ port: 0, host: '127.0.0.1', describeWaitMs: 200 });
    server.addMount('cam', stream);
    const port = await server.listen();
    const c = new RtspTestClient(port);
    try {
      assert.equal((await c.request('DESCRIBE')).status, 503);
    } finally {
      c.close();
      await server.close();
      stream.close();
    }
  });
});

describe('RTSP server under hostile clients', () => {
  // a connection costs far more than a parsed request: one per 50 cases
  const cases = Math.floor(fuzzIterations(20_000) / 50);
  it(`fuzz: survives ${cases} connections of mutated request sequences and still serves`, async () => {
    const served = await servedStream('h264', { maxClients: 50, sessionTimeoutSec: 5 });
    const random = fuzzRandom(0xbad);
    const corpus = [
      'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n',
      `DESCRIBE ${served.url} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n`,
      `SETUP ${served.url}/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n`,
      `SETUP ${served.url}/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=50000-50001\r\n\r\n`,
      `PLAY ${served.url}/ RTSP/1.0\r\nCSeq: 4\r\nSession: 0123456789abcdef\r\n\r\n`,
      `PAUSE ${served.url}/ RTSP/1.0\r\nCSeq: 5\r\n\r\n`,
      `TEARDOWN ${served.url}/ RTSP/1.0\r\nCSeq: 6\r\n\r\n`,
      `GET_PARAMETER ${served.url}/ RTSP/1.0\r\nCSeq: 7\r\nContent-Length: 4\r\n\r\nping`,
      '$\u0001\u0000\u0004abcd',
    ];
    const oneCase = (): Promise<void> => new Promise((resolve) => {
      const parts: string[] = [];
      for (let k = 0, n = 1 + Math.floor(random() * 6); k < n; k++) parts.push(corpus[Math.floor(random() * corpus.length)]);
      const data = Buffer.from(parts.join(''), 'latin1');
      for (let k = 0, n = Math.floor(random() * 4); k < n; k++) data[Math.floor(random() * data.length)] = Math.floor(random() * 256);
      const socket = net.connect(served.port, '127.0.0.1', () => {
        socket.write(data);
        // Some clients leave at once, some linger for their answers (or the data they asked for).
        setTimeout(() => socket.destroy(), random() < 0.5 ? 0 : 50);
      });
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
    try {
      for (let done = 0; done < cases; done += 20) await Promise.all(Array.from({ length: Math.min(20, cases - done) }, oneCase));
      await waitFor(() => served.server.clientCount === 0, 10_000, 'every hostile connection to be forgotten');
      await decodeWithFfmpeg(served.url, 'tcp', 5);
    } finally {
      await served.stop();
    }
  });
});
