import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FramerEvent, JsonFramer } from '../../nodes/amba/json-framer';
import { CAMERA_TEXTS, MISSING_BRACE } from './vectors';

function objects(events: FramerEvent[]): Record<string, unknown>[] {
  return events.flatMap((e) => (e.kind === 'object' ? [e.value] : []));
}

function feed(framer: JsonFramer, chunks: (string | Buffer)[]): FramerEvent[] {
  return chunks.flatMap((c) => framer.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
}

describe('JsonFramer: spec vectors', () => {
  it('T2: splits, merges and skips the NUL of one logical sequence', () => {
    const f = new JsonFramer();
    const got = feed(f, [
      '{"rval":0,"msg_id":3,"param":[{"camera_clock":"2015-04-07 02:32:29"},{"video_sta',
      'ndard":"NTSC"},{"video_stamp":"date\\/time"}]}{"msg_id":7,"type":"battery","param":"81"}',
      '\u0000{"msg_id":7,"type":"vf_start"}',
    ]);
    assert.deepEqual(objects(got), [
      { rval: 0, msg_id: 3, param: [{ camera_clock: '2015-04-07 02:32:29' }, { video_standard: 'NTSC' }, { video_stamp: 'date/time' }] },
      { msg_id: 7, type: 'battery', param: '81' },
      { msg_id: 7, type: 'vf_start' },
    ]);
    assert.equal(f.counters.skippedBytes, 1, 'one garbage byte: the NUL');
    assert.equal(f.counters.errors, 0);
    assert.equal(f.bufferedBytes, 0);
  });

  it('T3: braces inside strings and escaped quotes do not count', () => {
    const f = new JsonFramer();
    const got = objects(f.push(Buffer.from('{"rval":0,"msg_id":1,"type":"x","param":"a}{\\"b{"}')));
    assert.deepEqual(got, [{ rval: 0, msg_id: 1, type: 'x', param: 'a}{"b{' }]);
  });

  it('every vector survives being cut after every byte', () => {
    for (const text of CAMERA_TEXTS) {
      const bytes = Buffer.from(text);
      const expected = splitExpected(text);
      for (let cut = 1; cut < bytes.length; cut++) {
        const f = new JsonFramer();
        const got = objects([...f.push(bytes.subarray(0, cut)), ...f.push(bytes.subarray(cut))]);
        assert.deepEqual(got, expected, `${text} cut at ${cut}`);
      }
    }
  });

  it('the SJ8 msg 3 reply cut by the TCP stack at 1448 bytes arrives whole', () => {
    const items = Array.from({ length: 57 }, (_, i) => `{"Setting ${i}":"Value number ${i}"}`);
    const text = `{"rval":0,"msg_id":3,"param":[${items.join(',')}]}`;
    const bytes = Buffer.from(text);
    assert.ok(bytes.length > 1448);
    const f = new JsonFramer();
    assert.deepEqual(f.push(bytes.subarray(0, 1448)), []);
    assert.ok(f.bufferedBytes === 1448);
    const got = objects(f.push(bytes.subarray(1448)));
    assert.equal(got.length, 1);
    assert.equal((got[0].param as unknown[]).length, 57);
  });

  it('decodes UTF-8 only when the object is complete, even when a character straddles chunks', () => {
    const text = '{"rval":0,"msg_id":1,"type":"wifi_ssid","param":"Kamera-Ümlaut-日本-😀"}';
    const bytes = Buffer.from(text);
    const emoji = bytes.indexOf(Buffer.from('😀'));
    for (const cut of [emoji + 1, emoji + 2, emoji + 3, bytes.indexOf(Buffer.from('日')) + 1]) {
      const f = new JsonFramer();
      const got = objects([...f.push(bytes.subarray(0, cut)), ...f.push(bytes.subarray(cut))]);
      assert.equal(got[0].param, 'Kamera-Ümlaut-日本-😀');
    }
  });
});

describe('JsonFramer: bad input', () => {
  it('closes the reply that lost its brace when the next object starts', () => {
    const f = new JsonFramer();
    const got = feed(f, [MISSING_BRACE, '{"rval":0,"msg_id":13,"type":"battery","param":"50"}']);
    assert.deepEqual(objects(got), [
      { rval: -9, msg_id: 1539 },
      { rval: 0, msg_id: 13, type: 'battery', param: '50' },
    ]);
    assert.equal(got[0].kind === 'object' && got[0].repaired, true);
    assert.equal(f.counters.repaired, 1);
  });

  it('closes a dangling reply on request, but never one that is mid-value', () => {
    const f = new JsonFramer();
    assert.deepEqual(f.push(Buffer.from(MISSING_BRACE)), []);
    assert.equal(f.danglingAfterValue, true);
    assert.deepEqual(objects(f.closeDangling()), [{ rval: -9, msg_id: 1539 }]);
    assert.equal(f.bufferedBytes, 0);
    f.push(Buffer.from(MISSING_BRACE + '\u0000'));
    assert.deepEqual(objects(f.closeDangling()), [{ rval: -9, msg_id: 1539 }], 'with the trailing NUL too');
    f.push(Buffer.from('{"rval":0,"msg_id":1,"param":"half'));
    assert.equal(f.danglingAfterValue, false);
    assert.deepEqual(f.closeDangling(), []);
    f.push(Buffer.from('{"rval":0,"msg_id":1,"param":'));
    assert.equal(f.danglingAfterValue, false, 'after a colon the value is still to come');
  });

  it('a nested object after a colon is not mistaken for a new one', () => {
    const f = new JsonFramer();
    const got = objects(f.push(Buffer.from('{"rval":0,"msg_id":1026,"info":{"a":{"b":[{"c":1},{"d":"}"}]}},"x":1}')));
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].info, { a: { b: [{ c: 1 }, { d: '}' }] } });
  });

  it('reports unparsable objects and goes on with the next', () => {
    const f = new JsonFramer();
    const got = feed(f, ['{rval:0}{"msg_id":7,"type":"vf_stop"}{"a":1,,}']);
    assert.deepEqual(got.map((e) => e.kind), ['error', 'object', 'error']);
    assert.equal(got[0].kind === 'error' && got[0].reason, 'parse');
    assert.equal(f.counters.errors, 2);
  });

  it('skips garbage between objects and counts it', () => {
    const f = new JsonFramer();
    const got = objects(f.push(Buffer.from('hello}]" \r\n\u0000\u0000{"rval": -7}\u0000')));
    assert.deepEqual(got, [{ rval: -7 }]);
    assert.equal(f.counters.skippedBytes, 'hello}]" \r\n\u0000\u0000'.length + 1);
  });

  it('caps an oversized object, throws it away and finds the next one', () => {
    const f = new JsonFramer({ maxFrameBytes: 64 });
    const big = `{"rval":0,"msg_id":1282,"listing":[${'{"f.jpg":"1 bytes|x"},'.repeat(20)}{}]}`;
    const events = feed(f, [big.slice(0, 50), big.slice(50, 120), big.slice(120), '{"rval":0,"msg_id":13}']);
    assert.deepEqual(events.map((e) => e.kind), ['error', 'object']);
    assert.equal(events[0].kind === 'error' && events[0].reason, 'oversize');
    assert.ok(f.bufferedBytes <= 64);
    const inOneChunk = new JsonFramer({ maxFrameBytes: 64 }).push(Buffer.from(big + '{"rval":0,"msg_id":13}'));
    assert.deepEqual(inOneChunk.map((e) => e.kind), ['error', 'object']);
  });

  it('recovers from an object that never ends (an unterminated string)', () => {
    const f = new JsonFramer({ maxFrameBytes: 100 });
    const events = feed(f, ['{"rval":0,"param":"', 'x'.repeat(1000), 'x'.repeat(1000), 'x'.repeat(1000), '{"rval":0,"msg_id":13}']);
    assert.deepEqual(events.map((e) => e.kind), ['error', 'object']);
    assert.ok(f.bufferedBytes <= 100);
  });

  it('rejects non-object values inside braces only as protocol errors', () => {
    const f = new JsonFramer();
    const got = f.push(Buffer.from('[1,2]{"rval":0}'));
    assert.deepEqual(objects(got), [{ rval: 0 }]);
  });
});

/** The objects a vector holds (T11's write holds two). */
function splitExpected(text: string): unknown[] {
  const f = new JsonFramer();
  const got = objects(f.push(Buffer.from(text)));
  assert.ok(got.length >= 1, `vector ${text} must hold an object`);
  return got;
}
