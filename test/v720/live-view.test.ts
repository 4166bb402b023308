// The live-view state machine (spec §3.3, §3.4) driven by hand, with step deadlines of a few
// tens of milliseconds: each missed step fails the attempt with its own reason and, past the
// base-info step, stops the camera with 301/0; the watchdog catches a stream that goes quiet; a
// re-registration starts over; and under a FanoutHub a failed attempt is retried with backoff
// until the camera answers. Outcomes are asserted, never durations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FanoutHub } from '../../nodes/core/fanout-hub';
import { fragmentJpeg } from '../../nodes/v720/jpeg-reassembler';
import { CLI_TARGET, LiveView, LiveViewPort, LiveViewState } from '../../nodes/v720/live-view';
import { Cmd, decodeDatagram } from '../../nodes/v720/naxclow-header';
import { waitFor } from '../support/node-red';

const CAMERA = { address: '127.0.0.5', port: 40000 };
const STEP_MS = 40;

interface Rig {
  view: LiveView;
  tcp: Record<string, unknown>[];
  udp: Buffer[];
  states: LiveViewState[];
  failures: Error[];
  frames: Buffer[];
  registered: boolean;
  /** Where failures go besides the list (the hub, in the retry test). */
  onFail?(err: Error): void;
}

function rig(options: ConstructorParameters<typeof LiveView>[1] = {}): Rig {
  const r = { tcp: [], udp: [], states: [], failures: [], frames: [], registered: true } as unknown as Rig;
  const port: LiveViewPort = {
    uid: 'A9STEPS00001',
    sendTcp: (m) => (r.registered ? (r.tcp.push(m as Record<string, unknown>), true) : false),
    sendUdp: (_peer, packet) => void r.udp.push(packet),
    bindPeer: () => undefined,
    cameraAddress: () => CAMERA.address,
    advertisedHost: () => '127.0.0.1',
    udpPort: () => 6123,
    video: (jpeg) => void r.frames.push(jpeg),
    audio: () => undefined,
    baseInfo: () => undefined,
    state: (s) => void r.states.push(s),
    failed: (err) => {
      r.failures.push(err);
      r.onFail?.(err);
    },
  };
  r.view = new LiveView(port, { stepTimeoutMs: STEP_MS, firstMediaTimeoutMs: STEP_MS, mediaTimeoutMs: STEP_MS * 2, confirmIntervalMs: 10, ...options });
  return r;
}

const forward = (content: Record<string, unknown>) => ({ code: 301, target: CLI_TARGET, content });
const codes = (r: Rig) => r.tcp.map((m) => (m.code === 301 ? `301/${(m.content as { code: number }).code}` : String(m.code)));

/** Walks the handshake up to (and including) `until`. */
function advance(r: Rig, until: 'nat' | 'probing' | 'infoSent' | 'starting' | 'streaming'): void {
  r.view.start();
  if (until === 'nat') return;
  r.view.tcpMessage({ code: 12, status: 200 });
  if (until === 'probing') return;
  r.view.probe(CAMERA);
  r.view.probe(CAMERA);
  if (until === 'infoSent') return;
  r.view.tcpMessage(forward({ code: 4, version: '202212011602' }));
  if (until === 'starting') return;
  r.view.tcpMessage(forward({ code: 3 }));
}

async function failsWith(r: Rig, reason: RegExp): Promise<void> {
  await waitFor(() => r.failures.length > 0, 10_000, 'the attempt to fail');
  assert.match(r.failures[0].message, reason);
  assert.equal(r.view.state, 'idle');
}

describe('v720 live view steps', () => {
  it('walks 11 → 12 → 51 (answered 50) → 51 → 53, 298, 4 → base info → 3 → streaming', () => {
    const r = rig();
    advance(r, 'streaming');
    assert.deepEqual(codes(r), ['11', '53', '301/298', '301/4', '301/3']);
    assert.deepEqual(r.states, ['natSent', 'probing', 'infoSent', 'starting', 'streaming']);
    assert.equal(decodeDatagram(r.udp[0])!.payload.toString(), '{"code":50}', 'the first probe is answered with 50');
    r.view.stop();
    assert.equal(codes(r).at(-1), '301/0');
  });

  it('no code 12 after the NAT request: fails, naming the step; nothing to stop yet', async () => {
    const r = rig();
    advance(r, 'nat');
    await failsWith(r, /A9STEPS00001: no answer to the NAT request \(code 11\) within/);
    assert.deepEqual(codes(r), ['11']);
  });

  it('no probe after code 12', async () => {
    const r = rig();
    advance(r, 'probing');
    await failsWith(r, /no code 51 probe after code 12/);
  });

  it('a probe from another address than the camera\'s link is ignored and the step times out', async () => {
    const r = rig();
    advance(r, 'probing');
    r.view.probe({ address: '127.0.0.99', port: 1 });
    r.view.probe({ address: '127.0.0.99', port: 1 });
    await failsWith(r, /no code 51 probe/);
    assert.equal(r.udp.length, 0);
  });

  it('no base info: fails and tells the camera to stop (301/0)', async () => {
    const r = rig();
    advance(r, 'infoSent');
    await failsWith(r, /no base info \(301\/4\)/);
    assert.equal(codes(r).at(-1), '301/0');
  });

  it('no echo of 301/3: fails and stops', async () => {
    const r = rig();
    advance(r, 'starting');
    await failsWith(r, /did not confirm the stream start \(301\/3\)/);
    assert.equal(codes(r).at(-1), '301/0');
  });

  it('streaming but no media: the watchdog fails it and stops the camera', async () => {
    const r = rig();
    advance(r, 'streaming');
    await failsWith(r, /no media for/);
    assert.equal(codes(r).at(-1), '301/0');
  });

  it('media keeps the watchdog quiet; frames come through and are confirmed', async () => {
    const r = rig({ mediaTimeoutMs: 60_000, firstMediaTimeoutMs: 60_000 });
    advance(r, 'streaming');
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(1500, 1), Buffer.from([0xff, 0xd9])]);
    fragmentJpeg(jpeg).forEach((f, i) => r.view.media({ cmd: Cmd.JPEG, msgFlag: f.msgFlag, dealFlag: 0, forwardId: Buffer.alloc(8), pkgId: 100 + i, payload: f.payload }));
    assert.equal(r.frames.length, 1);
    assert.ok(r.frames[0].equals(jpeg));
    await waitFor(() => r.udp.some((p) => decodeDatagram(p)?.cmd === Cmd.RETRANSMISSION_CONFIRM && decodeDatagram(p)!.payload.length > 0), 10_000, 'a 605 with the ids');
    assert.equal(r.failures.length, 0);
    r.view.stop();
  });

  it('a camera that re-registers mid-stream starts over from 11; one that goes offline parks the view', () => {
    const r = rig({ mediaTimeoutMs: 60_000, firstMediaTimeoutMs: 60_000 });
    advance(r, 'streaming');
    r.view.cameraOnline();
    assert.equal(r.view.state, 'natSent');
    assert.equal(codes(r).filter((c) => c === '11').length, 2);
    r.view.cameraOffline();
    assert.equal(r.view.state, 'waiting');
    r.registered = false;
    r.view.stop();
    r.view.start();
    assert.equal(r.view.state, 'waiting', 'not registered: waits for the camera');
    r.registered = true;
    r.view.cameraOnline();
    assert.equal(r.view.state, 'natSent');
    r.view.stop();
  });

  it('under the camera\'s hub a failed attempt is retried with backoff until the camera answers', async () => {
    const r = rig();
    let sink: { up(): void; fail(e: Error): void } | null = null;
    const hub = new FanoutHub<Buffer>({
      start: (s) => {
        sink = s;
        r.view.start();
      },
      stop: () => r.view.stop(),
    }, { backoff: { initialMs: 20, maxMs: 40, jitter: 0 } });
    r.onFail = (err) => sink?.fail(err); // as the fake cloud wires it
    const sub = hub.subscribe({ deliver: () => undefined });
    await waitFor(() => codes(r).filter((c) => c === '11').length >= 3, 10_000, 'three NAT requests: the first and two retries');
    // Now the camera answers the whole handshake.
    await waitFor(() => r.view.state === 'natSent', 10_000, 'a fresh attempt');
    r.view.tcpMessage({ code: 12, status: 200 });
    r.view.probe(CAMERA);
    r.view.probe(CAMERA);
    r.view.tcpMessage(forward({ code: 4 }));
    r.view.tcpMessage(forward({ code: 3 }));
    assert.equal(r.view.state, 'streaming');
    assert.ok(r.failures.length >= 2 && r.failures.every((e) => /code 11/.test(e.message)));
    sub.close();
    hub.close();
    assert.equal(r.view.state, 'idle');
  });
});
