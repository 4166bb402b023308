import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InterleavedFrame, RtspParseError, RtspRequest, RtspRequestParser } from '../../nodes/media/rtsp/rtsp-request-parser';
import { fuzzIterations, fuzzRandom } from '../fuzz/fuzz-support';

type Event = { request: RtspRequest } | { interleaved: InterleavedFrame } | { error: RtspParseError };

function parseAll(chunks: Buffer[], parser = new RtspRequestParser()): Event[] {
  const events: Event[] = [];
  const out = {
    request: (request: RtspRequest) => events.push({ request }),
    interleaved: (interleaved: InterleavedFrame) => events.push({ interleaved }),
    error: (error: RtspParseError) => events.push({ error }),
  };
  for (const chunk of chunks) parser.push(chunk, out);
  return events;
}

/** What ffmpeg 5.1 sends to open a stream over TCP (captured from `ffprobe -rtsp_transport tcp` against our server). */
const FFMPEG_SESSION = [
  'OPTIONS rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n\r\n',
  'DESCRIBE rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\nUser-Agent: Lavf59.27.100\r\n\r\n',
  'SETUP rtsp://127.0.0.1:8554/cam/trackID=0 RTSP/1.0\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nCSeq: 3\r\nUser-Agent: Lavf59.27.100\r\n\r\n',
  'PLAY rtsp://127.0.0.1:8554/cam/ RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 4\r\nUser-Agent: Lavf59.27.100\r\nSession: 8d0c2bba34f1a7e2\r\n\r\n',
].join('');

function requests(events: Event[]): RtspRequest[] {
  return events.filter((e): e is { request: RtspRequest } => 'request' in e).map((e) => e.request);
}

describe('RtspRequestParser', () => {
  it('reads a client session whole and byte by byte alike', () => {
    const data = Buffer.from(FFMPEG_SESSION, 'latin1');
    const whole = requests(parseAll([data]));
    const bytes = requests(parseAll([...data].map((b) => Buffer.from([b]))));
    assert.deepEqual(whole.map((r) => r.method), ['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY']);
    assert.deepEqual(bytes, whole);
    assert.equal(whole[2].uri, 'rtsp://127.0.0.1:8554/cam/trackID=0');
    assert.equal(whole[2].headers.get('transport'), 'RTP/AVP/TCP;unicast;interleaved=0-1');
    assert.equal(whole[3].headers.get('session'), '8d0c2bba34f1a7e2');
    assert.deepEqual(whole.map((r) => r.cseq), [1, 2, 3, 4]);
  });

  it('reads interleaved RTCP between requests, and a body by its Content-Length', () => {
    const rtcp = Buffer.from([0x80, 0xc9, 0x00, 0x01, 1, 2, 3, 4]);
    const data = Buffer.concat([
      Buffer.from([0x24, 1, 0, rtcp.length]),
      rtcp,
      Buffer.from('GET_PARAMETER rtsp://h/cam RTSP/1.0\r\nCSeq: 9\r\nContent-Length: 9\r\nSession: x\r\n\r\nposition\n', 'latin1'),
      Buffer.from('\r\nTEARDOWN * RTSP/1.0\nCSeq: 10\n\n', 'latin1'),
    ]);
    const events = parseAll([data]);
    assert.equal(events.length, 3);
    assert.deepEqual(events[0], { interleaved: { channel: 1, data: rtcp } });
    const [get, teardown] = requests(events);
    assert.equal(get.body.toString(), 'position\n');
    assert.equal(teardown.method, 'TEARDOWN');
    assert.equal(teardown.cseq, 10, 'bare LF line ends are accepted');
  });

  it('joins repeated headers and folded lines', () => {
    const [req] = requests(parseAll([Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nRequire: a\r\nRequire: b\r\nX-Long: one\r\n two\r\n\r\n')]));
    assert.equal(req.headers.get('require'), 'a, b');
    assert.equal(req.headers.get('x-long'), 'one two');
  });

  it('answers bad requests with the right status and stops reading', () => {
    const cases: [string, number][] = [
      ['OPTIONS * RTSP/2.0\r\nCSeq: 5\r\n\r\n', 505],
      ['OPTIONS * HTTP/1.1\r\nCSeq: 5\r\n\r\n', 400],
      ['OPTIONS *\r\nCSeq: 5\r\n\r\n', 400],
      ['OPTIONS * RTSP/1.0\r\nCSeq: 5\r\nContent-Length: -1\r\n\r\n', 400],
      ['OPTIONS * RTSP/1.0\r\nCSeq: 5\r\nContent-Length: 5000\r\n\r\n', 413],
      ['OPTIONS * RTSP/1.0\r\nCSeq: 5\r\nno colon here\r\n\r\n', 400],
      [`OPTIONS * RTSP/1.0\r\nCSeq: 5\r\nX: ${'a'.repeat(9000)}\r\n\r\n`, 431],
      [`OPTIONS * RTSP/1.0\r\nCSeq: 5\r\n${'X: y\r\n'.repeat(70)}\r\n`, 431],
    ];
    for (const [text, status] of cases) {
      const parser = new RtspRequestParser();
      const events = parseAll([Buffer.from(text), Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 6\r\n\r\n')], parser);
      assert.equal(events.length, 1, text.slice(0, 40));
      assert.ok('error' in events[0]);
      assert.equal(events[0].error.status, status, text.slice(0, 40));
      assert.ok(parser.broken);
      assert.equal(parser.bufferedBytes, 0);
    }
  });

  it('never holds more than a head while waiting for its end', () => {
    const parser = new RtspRequestParser({ maxHeadBytes: 1024 });
    const events = parseAll(Array.from({ length: 100 }, () => Buffer.alloc(100, 0x41)), parser);
    assert.equal(events.length, 1);
    assert.ok('error' in events[0] && events[0].error.status === 431);
    assert.equal(parser.bufferedBytes, 0);
  });

  const iterations = fuzzIterations(20_000);
  it(`fuzz: survives ${iterations} mutated and re-chunked inputs, whole and chunked alike`, () => {
    const random = fuzzRandom(0x5eed);
    const corpus = Buffer.concat([
      Buffer.from(FFMPEG_SESSION, 'latin1'),
      Buffer.from([0x24, 0, 0, 4, 0x80, 0xc8, 0, 0]),
      Buffer.from('SET_PARAMETER rtsp://h/c RTSP/1.0\r\nCSeq: 7\r\nContent-Length: 5\r\n\r\nhello', 'latin1'),
    ]);
    const limits = { maxHeadBytes: 512, maxBodyBytes: 64, maxHeaders: 8 };
    let requestsSeen = 0;
    let errorsSeen = 0;
    for (let n = 0; n < iterations; n++) {
      const input = mutate(corpus, random);
      const whole = parseAll([input], new RtspRequestParser(limits));
      const parser = new RtspRequestParser(limits);
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length;) {
        const size = 1 + Math.floor(random() * 64);
        chunks.push(input.subarray(i, i + size));
        i += size;
      }
      const events: Event[] = [];
      const out = {
        request: (request: RtspRequest) => events.push({ request }),
        interleaved: (interleaved: InterleavedFrame) => events.push({ interleaved }),
        error: (error: RtspParseError) => events.push({ error }),
      };
      for (const chunk of chunks) {
        parser.push(chunk, out);
        assert.ok(parser.bufferedBytes <= 65_539 + 64, `case ${n}: buffer grew to ${parser.bufferedBytes}`);
      }
      assert.deepEqual(events, whole, `case ${n}: chunking changed the result`);
      for (const e of events) {
        if ('request' in e) {
          requestsSeen++;
          assert.match(e.request.method, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
          assert.ok(e.request.headers.size <= limits.maxHeaders);
          assert.ok(e.request.body.length <= limits.maxBodyBytes);
          assert.equal(e.request.body.length, Number(e.request.headers.get('content-length') ?? 0));
        } else if ('error' in e) {
          errorsSeen++;
          assert.ok([400, 413, 431, 505].includes(e.error.status));
          assert.equal(e, events[events.length - 1], 'an error is the last event');
        } else {
          assert.ok(e.interleaved.channel >= 0 && e.interleaved.channel <= 255);
        }
      }
    }
    assert.ok(requestsSeen > iterations, 'the mutations leave most requests readable');
    assert.ok(errorsSeen > iterations / 10, 'and break a good share of them');
  });
});

/** One to four random edits: flip, insert, delete, duplicate, truncate, or a hostile length. */
function mutate(corpus: Buffer, random: () => number): Buffer {
  let data = Buffer.from(corpus);
  const edits = 1 + Math.floor(random() * 4);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(random() * data.length);
    switch (Math.floor(random() * 7)) {
      case 0:
        data[at] ^= 1 << Math.floor(random() * 8);
        break;
      case 1:
        data = Buffer.concat([data.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), data.subarray(at)]);
        break;
      case 2:
        data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1 + Math.floor(random() * 8))]);
        break;
      case 3:
        data = Buffer.concat([data.subarray(0, at), data.subarray(at, at + 200), data.subarray(at)]);
        break;
      case 4:
        data = data.subarray(0, at);
        break;
      case 5:
        data = Buffer.concat([data.subarray(0, at), Buffer.from(`Content-Length: ${Math.floor(random() * 100_000)}\r\n`), data.subarray(at)]);
        break;
      default:
        data = Buffer.concat([data.subarray(0, at), Buffer.from([0x24, Math.floor(random() * 256), 0xff, 0xff]), data.subarray(at)]);
    }
  }
  return data;
}
