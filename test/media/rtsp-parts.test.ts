import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { GopCache } from '../../nodes/media/serving/gop-cache';
import { DigestAuthenticator, digestResponse, parseDigestHeader } from '../../nodes/media/rtsp/rtsp-digest-auth';
import { buildSenderReport } from '../../nodes/media/rtp/rtcp-sender-report';
import { RtpStreamState, readRtpHeader } from '../../nodes/media/rtp/rtp-packet';
import { buildSdp } from '../../nodes/media/rtsp/sdp';
import { StreamOut } from '../../nodes/media/serving/stream-out-engine';

function nonceOf(challenge: string): string {
  return parseDigestHeader(challenge)!.nonce;
}

describe('Digest authentication (RFC 2617)', () => {
  const creds = { username: 'viewer', password: 's3cret' };

  it('accepts the response a client computes for our nonce, and nothing else', () => {
    let now = 1000;
    const auth = new DigestAuthenticator(creds, { realm: 'cam', now: () => now, nonceLifetimeMs: 60_000 });
    const challenge = auth.challenge();
    assert.match(challenge, /^Digest realm="cam", nonce="[0-9a-f]{32}", algorithm="MD5"$/);
    const nonce = nonceOf(challenge);
    const uri = 'rtsp://127.0.0.1:8554/cam';
    assert.ok(auth.verify('DESCRIBE', digestResponse('DESCRIBE', uri, creds, 'cam', nonce)));
    assert.ok(!auth.verify('PLAY', digestResponse('DESCRIBE', uri, creds, 'cam', nonce)), 'method is part of the hash');
    assert.ok(!auth.verify('DESCRIBE', digestResponse('DESCRIBE', uri, { ...creds, password: 'x' }, 'cam', nonce)));
    assert.ok(!auth.verify('DESCRIBE', digestResponse('DESCRIBE', uri, creds, 'cam', 'f'.repeat(32))), 'a nonce we never issued');
    assert.ok(!auth.verify('DESCRIBE', digestResponse('DESCRIBE', uri, creds, 'other', nonce)), 'another realm');
    assert.ok(!auth.verify('DESCRIBE', undefined));
    assert.ok(!auth.verify('DESCRIBE', 'Basic dmlld2VyOnMzY3JldA=='));
    now += 50_000;
    assert.ok(auth.verify('DESCRIBE', digestResponse('DESCRIBE', uri, creds, 'cam', nonce)), 'each use restarts the lifetime');
    now += 50_000;
    assert.ok(auth.verify('DESCRIBE', digestResponse('DESCRIBE', uri, creds, 'cam', nonce)));
    now += 60_001;
    assert.equal(auth.check('DESCRIBE', digestResponse('DESCRIBE', uri, { ...creds, password: 'x' }, 'cam', nonce)), 'denied', 'expired and wrong');
    assert.equal(auth.check('DESCRIBE', digestResponse('DESCRIBE', uri, creds, 'cam', nonce)), 'stale', 'expired but right');
    assert.match(auth.challenge(true), /, stale=TRUE$/);
    assert.equal(auth.check('DESCRIBE', digestResponse('DESCRIBE', uri, creds, 'cam', nonce)), 'denied', 'a stale nonce is forgotten');
  });

  it('accepts qop=auth responses (RFC 2617 §3.2.2.1)', () => {
    const auth = new DigestAuthenticator(creds);
    const nonce = nonceOf(auth.challenge());
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const ha1 = md5(`viewer:p2pcam:s3cret`);
    const ha2 = md5('SETUP:rtsp://h/cam/trackID=0');
    const response = md5(`${ha1}:${nonce}:00000001:abcd:auth:${ha2}`);
    const header = `Digest username="viewer", realm="p2pcam", nonce="${nonce}", uri="rtsp://h/cam/trackID=0", qop=auth, nc=00000001, cnonce="abcd", response="${response}"`;
    assert.ok(auth.verify('SETUP', header));
  });

  it('parses quoted, escaped and bare fields, and rejects garbage', () => {
    assert.deepEqual(parseDigestHeader('Digest username="a\\"b", nc=00000001,realm = "r"'), { username: 'a"b', nc: '00000001', realm: 'r' });
    assert.equal(parseDigestHeader('Basic abc'), null);
    assert.equal(parseDigestHeader('Digest username="unterminated'), null);
  });

  it('remembers a bounded number of nonces', () => {
    const auth = new DigestAuthenticator(creds, { maxNonces: 2 });
    const first = nonceOf(auth.challenge());
    auth.challenge();
    auth.challenge();
    assert.ok(!auth.verify('OPTIONS', digestResponse('OPTIONS', '*', creds, 'p2pcam', first)), 'the oldest was forgotten');
  });
});

describe('SDP', () => {
  it('describes one media section per track with its control URL', () => {
    const sdp = buildSdp({
      sessionId: '123',
      sessionName: 'cam\r\nx',
      address: '127.0.0.1',
      tracks: [
        { media: 'video', payloadType: 96, rtpmap: 'H264/90000', fmtp: 'packetization-mode=1', control: 'trackID=0' },
        { media: 'audio', payloadType: 8, rtpmap: 'PCMA/8000', fmtp: '', control: 'trackID=1' },
      ],
    });
    assert.equal(sdp, [
      'v=0', 'o=- 123 1 IN IP4 127.0.0.1', 's=cam  x', 'c=IN IP4 0.0.0.0', 't=0 0', 'a=tool:@p2pcam/node-red-cameras', 'a=range:npt=0-', 'a=control:*',
      'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1', 'a=control:trackID=0',
      'm=audio 0 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000', 'a=control:trackID=1', '',
    ].join('\r\n'));
  });
});

describe('GOP cache', () => {
  it('keeps the frames since the last keyframe, and gives up past its caps', () => {
    const gop = new GopCache<number>({ maxFrames: 4, maxBytes: 100 });
    gop.add(1, false, 10);
    assert.deepEqual(gop.snapshot(), [], 'nothing before the first keyframe');
    gop.add(2, true, 10);
    gop.add(3, false, 10);
    assert.deepEqual(gop.snapshot(), [2, 3]);
    gop.add(4, true, 10);
    assert.deepEqual(gop.snapshot(), [4]);
    for (let i = 5; i < 9; i++) gop.add(i, false, 10);
    assert.deepEqual(gop.snapshot(), [], 'a fifth frame passes maxFrames');
    gop.add(9, true, 10);
    gop.add(10, false, 95);
    assert.deepEqual(gop.snapshot(), [], 'past maxBytes');
  });
});

describe('RTP header', () => {
  it('writes version 2, marker, payload type, sequence, offset timestamp and SSRC', () => {
    const state = new RtpStreamState(96, () => Buffer.from([1, 2, 3, 4, 0xff, 0xff, 0, 0, 0, 5]));
    const buf = Buffer.alloc(24);
    state.writeHeader(buf, 0, true, 2 ** 32 - 1, 100);
    state.writeHeader(buf, 12, false, 10, 100);
    assert.deepEqual(readRtpHeader(buf), { version: 2, marker: true, payloadType: 96, seq: 0xffff, timestamp: 4, ssrc: 0x01020304, payloadOffset: 12 });
    assert.deepEqual(readRtpHeader(buf.subarray(12)), { version: 2, marker: false, payloadType: 96, seq: 0, timestamp: 15, ssrc: 0x01020304, payloadOffset: 12 });
    assert.equal(state.packets, 2);
    assert.equal(state.octets, 200);
  });
});

describe('RTCP sender report', () => {
  it('carries the NTP time, RTP timestamp and counts, and an SDES CNAME (RFC 3550 §6.4.1, §6.5.1)', () => {
    const packet = buildSenderReport({ ssrc: 0xdeadbeef, nowMs: 1_700_000_000_500, rtpTimestamp: 2 ** 32 + 5, packets: 10, octets: 1000, cname: 'abc' });
    assert.equal(packet.length, 28 + 16);
    assert.deepEqual([...packet.subarray(0, 4)], [0x80, 200, 0, 6]);
    assert.equal(packet.readUInt32BE(4), 0xdeadbeef);
    assert.equal(packet.readUInt32BE(8), 1_700_000_000 + 2_208_988_800);
    assert.equal(packet.readUInt32BE(12), 2 ** 31, 'half a second');
    assert.equal(packet.readUInt32BE(16), 5);
    assert.equal(packet.readUInt32BE(20), 10);
    assert.equal(packet.readUInt32BE(24), 1000);
    assert.deepEqual([...packet.subarray(28, 32)], [0x81, 202, 0, 3]);
    assert.equal(packet.readUInt32BE(32), 0xdeadbeef);
    assert.deepEqual([...packet.subarray(36)], [1, 3, 0x61, 0x62, 0x63, 0, 0, 0]);
  });
});

describe('StreamOut', () => {
  it('refuses codecs and frames it cannot serve, and the next good frame works', () => {
    const out = new StreamOut();
    const aac = out.push(Buffer.alloc(10), { codec: 'aac', keyframe: true });
    assert.equal(aac.ok, false);
    assert.match(aac.ok ? '' : aac.error, /codec aac/);
    assert.equal(out.push(Buffer.from('garbage'), { codec: 'jpeg', keyframe: true }).ok, false);
    assert.equal(out.push(Buffer.from([0, 0, 0, 1, 0x65, 1, 2]), { codec: 'h264', keyframe: true }).ok, false, 'SPS/PPS missing');
    const good = out.push(Buffer.from([0, 0, 0, 1, 0x67, 0x42, 0, 0x1e, 0, 0, 0, 1, 0x68, 1, 0, 0, 0, 1, 0x65, 1, 2]), { codec: 'h264', keyframe: true, timestamp: 1000 });
    assert.ok(good.ok);
    assert.equal(good.ok && good.frame.rtpTimestamp, 90_000);
    assert.equal(out.rejected, 3);
    assert.equal(out.startFrames().length, 1);
    assert.equal(out.sdpTracks()[0].rtpmap, 'H264/90000');
    out.close();
  });

  it('tells its listeners when the video codec changes', () => {
    const out = new StreamOut();
    let changes = 0;
    out.onTracksChanged(() => changes++);
    const g711 = Buffer.alloc(160, 0xd5);
    assert.ok(out.push(g711, { codec: 'pcmu', keyframe: true }).ok);
    assert.ok(out.push(Buffer.from([0, 0, 0, 1, 0x41, 1, 2]), { codec: 'h264', keyframe: false }).ok);
    assert.equal(changes, 0, 'new tracks are not changes');
    assert.ok(out.push(Buffer.from([0, 0, 0, 1, 0x02, 1, 2]), { codec: 'h265', keyframe: false }).ok);
    assert.equal(changes, 1);
    assert.deepEqual(out.sdpTracks().map((t) => t.rtpmap), ['H265/90000', 'PCMU/8000']);
    out.close();
  });
});
