import assert from 'node:assert/strict';
import * as net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { AmbaReply, AmbaSession, AmbaSessionOptions, StateInfo } from '../../nodes/amba/amba-session';
import { SimulatedCamera, SimulatedCameraOptions, startSimulatedCamera } from '../../sim/amba/camera-simulator';
import { waitFor } from '../support/node-red';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function camera(options: SimulatedCameraOptions = {}): Promise<SimulatedCamera> {
  const cam = await startSimulatedCamera(options);
  cleanup.push(() => cam.stop());
  return cam;
}

function session(cam: SimulatedCamera, options: Partial<AmbaSessionOptions> = {}): AmbaSession {
  const s = new AmbaSession({ host: '127.0.0.1', port: cam.controlPort, keepaliveMs: 0, backoff: { initialMs: 50, jitter: 0 }, ...options });
  cleanup.push(() => s.stop());
  s.on('error', () => undefined);
  s.start();
  return s;
}

function states(s: AmbaSession): StateInfo[] {
  const seen: StateInfo[] = [];
  s.on('state', (st: StateInfo) => seen.push(st));
  return seen;
}

/** A bare TCP client, to play a second app against the camera. */
async function rawClient(port: number): Promise<{ socket: net.Socket; received: () => string }> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (c) => (text += c.toString()));
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  cleanup.push(async () => {
    socket.destroy();
  });
  return { socket, received: () => text };
}

describe('AmbaSession against the simulated cameras', () => {
  it('starts a session, carries the token and matches replies by msg_id (T1, Yi 1)', async () => {
    const cam = await camera({ model: 'yi1' });
    const s = session(cam);
    const battery = await s.request({ msg_id: 13 });
    assert.deepEqual(battery, { rval: 0, msg_id: 13, type: 'adapter', param: '100' });
    assert.equal(s.token, 1);
    const clock = await s.request({ msg_id: 1, type: 'camera_clock' });
    assert.equal(clock.param, '2015-04-07 02:32:29');
    assert.ok(cam.requests.some((r) => r.text.includes('"token":1') && r.text.includes('"msg_id":1,')));
  });

  it('routes notifications that arrive before the reply to the event stream (T4, Yi 1 photo)', async () => {
    const cam = await camera({ model: 'yi1' });
    const s = session(cam);
    const order: string[] = [];
    s.on('notification', (n: Record<string, unknown>) => order.push(`event ${String(n.type)}`));
    const reply = await s.request({ msg_id: 769 });
    order.push(`reply ${reply.msg_id}`);
    assert.deepEqual(order, ['event vf_stop', 'event start_photo_capture', 'event precise_capture_data_ready', 'event photo_taken', 'reply 769']);
  });

  it('never writes two requests in one chunk, however many are queued (T13)', async () => {
    const cam = await camera({ model: 'yi1' });
    const s = session(cam);
    const replies = await Promise.all([
      s.request({ msg_id: 13 }),
      s.request({ msg_id: 1, type: 'video_resolution' }),
      s.request({ msg_id: 5, type: 'free' }),
      s.request({ msg_id: 1, type: 'photo_size' }),
      s.request({ msg_id: 515 }),
    ]);
    assert.deepEqual(replies.map((r) => [r.msg_id, r.rval]), [[13, 0], [1, 0], [5, 0], [1, 0], [515, -14]]);
    assert.equal(replies[1].param, '1920x1080 60P 16:9');
    assert.equal(replies[3].param, '16M (4608x3456 4:3)');
    assert.ok(cam.requests.length >= 6);
    assert.ok(cam.requests.every((r) => r.objects === 1), 'every received chunk held exactly one request');
  });

  it('re-authenticates on -4 and sends the request once more', async () => {
    const cam = await camera({ model: 'mijia4k' });
    const s = session(cam);
    await s.request({ msg_id: 13 });
    const first = s.token;
    const lost: unknown[] = [];
    s.on('sessionLost', (e: unknown) => lost.push(e));
    cam.endSession();
    const reply = await s.request({ msg_id: 1, type: 'video_resolution' });
    assert.equal(reply.rval, 0);
    assert.equal(reply.param, '1920x1080/30');
    assert.equal(lost.length, 1);
    assert.notEqual(s.token, first);
    const texts = cam.requests.map((r) => JSON.parse(r.text).msg_id);
    assert.deepEqual(texts.slice(-3), [1, 257, 1], 'the refused request, a new 257, the same request again');
  });

  it('keeps the session when another client asks for it (T10, keep)', async () => {
    const cam = await camera({ model: 'yi1' });
    const s = session(cam, { takeover: 'keep' });
    await s.request({ msg_id: 13 });
    const other = await rawClient(cam.controlPort);
    other.socket.write('{"msg_id":257,"token":0}');
    await waitFor(() => other.received().includes('"rval":-3'), 5000, 'the -3 refusal');
    assert.equal(other.received(), '{"rval":-3,"msg_id":257}');
    const still = await s.request({ msg_id: 13 });
    assert.equal(still.rval, 0);
    assert.ok(cam.requests.some((r) => r.text === `{"msg_id":1793,"token":${s.token},"rval":0}`), 'answered the holder query with rval 0');
  });

  it('the takeover race: two sessions with keep, the first keeps, the second retries offline', async () => {
    const cam = await camera({ model: 'sj8' });
    const a = session(cam, { takeover: 'keep' });
    await a.request({ msg_id: 13 });
    const b = session(cam, { takeover: 'keep', backoff: { initialMs: 5000, jitter: 0 } });
    const bStates = states(b);
    const bReply = b.request({ msg_id: 13 }).catch((err: Error) => err);
    await waitFor(() => bStates.some((st) => st.state === 'offline'), 8000, 'b offline');
    assert.match(String(bStates.find((st) => st.state === 'offline')?.reason), /another device holds the camera/);
    const aReplies = await Promise.all([a.request({ msg_id: 13 }), a.request({ msg_id: 3 })]);
    assert.deepEqual(aReplies.map((r) => r.rval), [0, 0]);
    const refused = (await bReply) as Error & { rval?: number };
    assert.equal(refused.rval, -3, 'what waited for b is refused at once, not after the queue time');
    assert.match(refused.message, /another device holds the camera/);
  });

  it('hands the session over when told to yield, then stays away until asked (T10, yield)', async () => {
    const cam = await camera({ model: 'mijia4k' });
    const a = session(cam, { takeover: 'yield' });
    await a.request({ msg_id: 13 });
    const aStates = states(a);
    const other = await rawClient(cam.controlPort);
    other.socket.write('{"msg_id":257,"token":0}');
    await waitFor(() => /"rval":0,"msg_id":257,"param":2/.test(other.received()), 5000, 'the newcomer gets token 2');
    const refused = await a.request({ msg_id: 13 });
    assert.equal(refused.rval, -4);
    assert.equal(a.state.state, 'yielded');
    assert.ok(aStates.some((st) => st.state === 'yielded'));
    // The flow asks again: the session comes back; the silent raw client loses it after 800 ms.
    const back = await a.request({ msg_id: 13 });
    assert.equal(back.rval, 0);
    assert.equal(a.token, 3);
  });

  it('a request that gets no reply fails alone and the connection is replaced', async () => {
    const cam = await camera({ model: 'mijia4k', faults: { silentMsgIds: [515] } });
    const s = session(cam);
    await s.request({ msg_id: 13 });
    const seen = states(s);
    await assert.rejects(s.request({ msg_id: 515 }, { timeoutMs: 300 }), (err: Error & { code?: string }) => err.code === 'TIMEOUT' && /no reply within 300 ms/.test(err.message));
    const next = await s.request({ msg_id: 1, type: 'video_resolution' });
    assert.equal(next.param, '1920x1080/30', 'the next request gets its own reply');
    assert.deepEqual(seen.map((st) => st.state).slice(0, 3), ['offline', 'connecting', 'online']);
  });

  it('a dropped connection fails the request on the wire only; queued ones go through after the reconnect', async () => {
    const cam = await camera({ model: 'yi1', faults: { dropOnMsgId: [5] } });
    const s = session(cam);
    await s.request({ msg_id: 13 });
    const results = await Promise.allSettled([s.request({ msg_id: 5, type: 'free' }), s.request({ msg_id: 13 }), s.request({ msg_id: 1, type: 'photo_size' })]);
    assert.equal(results[0].status, 'rejected');
    assert.match(String((results[0] as PromiseRejectedResult).reason.message), /connection (closed|reset)|ECONNRESET|closed/);
    assert.deepEqual(results.slice(1).map((r) => r.status === 'fulfilled' && (r.value as AmbaReply).rval), [0, 0]);
    assert.equal((results[2] as PromiseFulfilledResult<AmbaReply>).value.param, '16M (4608x3456 4:3)');
  });

  it('reads replies through split writes, trailing NULs and a missing closing brace', async () => {
    const cam = await camera({ model: 'generic', faults: { splitWrites: true, trailingNul: true, missingBrace: [1] } });
    const s = session(cam, { danglingMs: 200 });
    const events: unknown[] = [];
    s.on('notification', (e: unknown) => events.push(e));
    const clock = await s.request({ msg_id: 1, type: 'camera_clock' });
    assert.deepEqual(clock, { rval: 0, msg_id: 1, type: 'camera_clock', param: '2020-01-01 00:00:00' });
    const all = await s.request({ msg_id: 3 });
    assert.equal((all.param as unknown[]).length, 7);
    const rec = await s.request({ msg_id: 513 });
    assert.equal(rec.rval, 0);
    await waitFor(() => events.length > 0, 5000, 'start_video_record');
    assert.deepEqual(events[0], { msg_id: 7, type: 'start_video_record' });
  });

  it('retries an offline camera with backoff until it answers', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const s = new AmbaSession({ host: '127.0.0.1', port, keepaliveMs: 0, backoff: { initialMs: 100, jitter: 0 } });
    cleanup.push(() => s.stop());
    const seen = states(s);
    s.start();
    const pending = s.request({ msg_id: 13 });
    await waitFor(() => seen.filter((st) => st.state === 'offline').length >= 2, 5000, 'two failed attempts');
    const offline = seen.filter((st) => st.state === 'offline');
    assert.deepEqual(offline.slice(0, 2).map((st) => st.retryMs), [100, 200], 'doubling backoff');
    await camera({ model: 'yi1', controlPort: port });
    const reply = await pending;
    assert.equal(reply.rval, 0);
  });

  it('sends the keepalive (msg 13, not 1794) when idle', async () => {
    const cam = await camera({ model: 'mijia4k' });
    const s = session(cam, { keepaliveMs: 150 });
    const pings: AmbaReply[] = [];
    s.on('keepalive', (r: AmbaReply) => pings.push(r));
    await waitFor(() => pings.length >= 2, 5000, 'two keepalives');
    assert.deepEqual(pings[0], { rval: 0, msg_id: 13, param: 'adapter', level: '90' });
    assert.ok(!cam.requests.some((r) => r.text.includes('1794')));
  });

  it('refuses malformed and oversized requests locally, and frees the camera on stop (258)', async () => {
    const cam = await camera({ model: 'yi1' });
    const s = session(cam);
    await assert.rejects(s.request({ msg_id: 1.5 }), /integer msg_id/);
    await assert.rejects(s.request({ msg_id: 2, type: 'x', param: 'y'.repeat(1100) }), /1024-byte command buffer/);
    await s.request({ msg_id: 13 });
    assert.equal(cam.currentToken, 1);
    await s.stop();
    await waitFor(() => cam.currentToken === 0, 2000, 'the camera freed the session');
    await assert.rejects(s.request({ msg_id: 13 }), /not started/);
  });

  it('writes the request as given with the session token in place, and the Yi 4K heartbeat after it', async () => {
    const cam = await camera({ model: 'yi4k' });
    const s = session(cam, { startSessionExtras: { param: 0, heartbeat: 1 }, heartbeatField: true });
    await s.request({ msg_id: 13 });
    // A raw object from a flow may carry its own (stale) token: it is replaced where it stands.
    await s.request({ msg_id: 1, token: 99, type: 'video_resolution' });
    const texts = cam.requests.map((r) => r.text);
    assert.deepEqual(texts, [
      '{"msg_id":257,"token":0,"param":0,"heartbeat":1}',
      `{"msg_id":13,"token":${s.token},"heartbeat":"1"}`,
      `{"msg_id":1,"token":${s.token},"type":"video_resolution","heartbeat":"2"}`,
    ]);
  });
});
