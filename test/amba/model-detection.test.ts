import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { AmbaClient } from '../../nodes/amba/amba-client';
import { SimulatedCamera, startSimulatedCamera } from '../../sim/amba/camera-simulator';
import { SimModelName } from '../../sim/amba/sim-models';
import { ProfileName } from '../../nodes/amba/model-profiles';
import { waitFor } from '../support/node-red';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(model: SimModelName, configured: ProfileName | 'auto'): Promise<{ cam: SimulatedCamera; client: AmbaClient }> {
  const cam = await startSimulatedCamera({ model });
  cleanup.push(() => cam.stop());
  const client = new AmbaClient({ host: '127.0.0.1', port: cam.controlPort, dataPort: cam.dataPort, model: configured, keepaliveMs: 0, backoff: { initialMs: 50, jitter: 0 } });
  cleanup.push(() => client.stop());
  client.start();
  return { cam, client };
}

const sent = (cam: SimulatedCamera): Record<string, unknown>[] => cam.requests.map((r) => JSON.parse(r.text) as Record<string, unknown>);

describe('model auto-detection and the session keys of the model', () => {
  it('auto: a camera that names itself a Yi 4K gets its session started again with the Yi 4K keys, and a heartbeat in every request', async () => {
    const { cam, client } = await setup('yi4k', 'auto');
    const profiles: string[] = [];
    client.on('profile', (p: { name: string }) => profiles.push(p.name));
    assert.equal((await client.ensureProfile()).name, 'yi4k');
    const battery = await client.call({ msg_id: 13 });
    assert.equal(battery.rval, 0);
    const texts = sent(cam);
    assert.deepEqual(texts.slice(0, 3), [
      { msg_id: 257, token: 0 },
      { msg_id: 258, token: 1, heartbeat: '1' },
      { msg_id: 257, token: 0, param: 0, heartbeat: 1 },
    ], 'the plain start, ended, then the Yi 4K start');
    const after = texts.slice(3);
    assert.ok(after.length >= 2);
    assert.ok(after.every((q) => q.token === 2 && typeof q.heartbeat === 'string'), `every later request carries the new token and a heartbeat: ${JSON.stringify(after)}`);
    assert.deepEqual(after.map((q) => Number(q.heartbeat)), after.map((_, i) => Number(after[0].heartbeat) + i), 'the heartbeat counts up');
    assert.deepEqual(profiles, ['yi4k'], 'announced once');

    // A new connection starts with the Yi 4K keys at once: no second plain 257, no 258.
    const before = cam.requests.length;
    const states: string[] = [];
    client.on('state', (st: { state: string }) => states.push(st.state));
    cam.dropConnections();
    await waitFor(() => states.includes('offline'), 5000, 'the drop noticed');
    assert.equal((await client.call({ msg_id: 13 })).rval, 0);
    const again = sent(cam).slice(before);
    assert.deepEqual(again[0], { msg_id: 257, token: 0, param: 0, heartbeat: 1 });
    assert.ok(!again.some((q) => q.msg_id === 258));
  });

  it('auto: a Yi 1 found by its version settings keeps the plain session start and no heartbeat', async () => {
    const { cam, client } = await setup('yi1', 'auto');
    assert.equal((await client.ensureProfile()).name, 'yi1');
    await client.call({ msg_id: 13 });
    const texts = sent(cam);
    assert.deepEqual(texts[0], { msg_id: 257, token: 0 });
    assert.ok(!texts.some((q) => q.msg_id === 258 || 'heartbeat' in q), JSON.stringify(texts));
    assert.equal(texts.filter((q) => q.msg_id === 257).length, 1);
  });

  it('configured as Yi 4K: the first session start already carries the keys', async () => {
    const { cam, client } = await setup('yi4k', 'yi4k');
    await client.call({ msg_id: 13 });
    const texts = sent(cam);
    assert.deepEqual(texts[0], { msg_id: 257, token: 0, param: 0, heartbeat: 1 });
    assert.equal(texts.filter((q) => q.msg_id === 257).length, 1);
    assert.equal(typeof texts[1].heartbeat, 'string');
  });
});
