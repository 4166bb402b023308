import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { AmbaClient } from '../../nodes/amba/amba-client';
import { AmbaSession } from '../../nodes/amba/amba-session';
import { waitFor } from '../support/node-red';
import { SimulatedCamera, SimulatedCameraOptions, startSimulatedCamera } from '../../sim/amba/camera-simulator';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(options: SimulatedCameraOptions): Promise<{ cam: SimulatedCamera; client: AmbaClient }> {
  const cam = await startSimulatedCamera(options);
  cleanup.push(() => cam.stop());
  const client = new AmbaClient({ host: '127.0.0.1', port: cam.controlPort, dataPort: cam.dataPort, keepaliveMs: 0, backoff: { initialMs: 50, jitter: 0 } });
  cleanup.push(() => client.stop());
  client.start();
  return { cam, client };
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('data port 8787', () => {
  for (const model of ['yi1', 'mijia4k', 'generic'] as const) {
    it(`${model}: a download dropped half-way resumes from its offset and checks the md5`, async () => {
      const { cam, client } = await setup({ model, videoBytes: 300_000, faults: { dropDataAfterBytes: 120_000 } });
      const path = cam.sd.addVideo('RESUME.MP4', 7);
      const original = cam.sd.get(path)!.data;
      const r = await client.data.download(path);
      assert.equal(r.size, 300_000);
      assert.ok(r.data.equals(original), 'same bytes as on the card');
      assert.equal(r.md5, md5(original));
      assert.equal(r.resumed, 1);
      assert.equal(r.md5Verified, true, `the camera's ${cam.model.event_md5} md5 was checked`);
      const gets = cam.requests.map((q) => JSON.parse(q.text)).filter((q) => q.msg_id === 1285);
      assert.deepEqual(gets.map((q) => [q.offset, q.fetch_size]), [[0, 0], [120_000, 180_000]]);
    });
  }

  it('a download survives the control connection dropping in the middle', async () => {
    const { cam, client } = await setup({ model: 'sj8', videoBytes: 400_000, dataRate: 400_000 });
    const path = cam.sd.addVideo('CTRL.MP4', 3);
    cam.once('request', function onRequest(r: { text: string }) {
      if (!r.text.includes('"msg_id":1285')) return void cam.once('request', onRequest);
      setTimeout(() => cam.dropConnections(), 300);
    });
    const download = client.data.download(path);
    const r = await download;
    assert.ok(r.data.equals(cam.sd.get(path)!.data));
    assert.ok(r.resumed >= 1);
  });

  it('control commands keep working while bytes stream', async () => {
    const { cam, client } = await setup({ model: 'mijia4k', videoBytes: 500_000, dataRate: 250_000 });
    const path = cam.sd.addVideo('LONG.MP4', 4);
    let finished = false;
    const download = client.data.download(path).then((r) => {
      finished = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    const battery = await client.call({ msg_id: 13 });
    const setting = await client.call({ msg_id: 1, type: 'video_resolution' });
    assert.equal(finished, false, 'the commands were answered during the transfer');
    assert.equal(battery.level, '90');
    assert.equal(setting.param, '1920x1080/30');
    assert.equal((await download).size, 500_000);
  });

  it('cancel stops a download (1287) and the next transfer works', async () => {
    const { cam, client } = await setup({ model: 'yi1', videoBytes: 600_000, dataRate: 200_000 });
    const path = cam.sd.addVideo('CANCEL.MP4', 5);
    const download = client.data.download(path).catch((err: Error & { code?: string }) => err);
    await new Promise((r) => setTimeout(r, 400));
    const cancelled = await client.data.cancel();
    assert.equal(cancelled.path, path);
    assert.ok((cancelled.transferredSize ?? 0) > 0 && (cancelled.transferredSize ?? 0) < 600_000);
    const err = (await download) as Error & { code?: string };
    assert.equal(err.code, 'CANCELLED');
    const again = await client.data.download(cam.model.media_dir + '/' + cam.model.default_file.name);
    assert.equal(again.md5Verified, true);
  });

  it('uploads with md5 (1286), then the file downloads identical; thumbnails come with their md5 (1025)', async () => {
    const { cam, client } = await setup({ model: 'mijia4k' });
    const content = Buffer.from('telnet please\n'.repeat(1000));
    const up = await client.data.upload('/tmp/SD0/enable_info_display.script', content);
    assert.equal(up.md5, md5(content));
    assert.ok(cam.sd.get('/tmp/SD0/enable_info_display.script')!.data.equals(content));
    const down = await client.data.download('/tmp/SD0/enable_info_display.script');
    assert.ok(down.data.equals(content));
    const thumb = await client.data.thumbnail(cam.model.media_dir + '/' + cam.model.default_file.name);
    assert.deepEqual([...thumb.data.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
    assert.equal(thumb.md5, md5(thumb.data));
    await assert.rejects(client.data.upload('/tmp/SD0/enable_info_display.script', content), /rval -13/);
  });

  it('a missing file fails with the camera rval; an over-large one is refused before it is read', async () => {
    const { cam, client } = await setup({ model: 'sj8' });
    await assert.rejects(client.data.download('/tmp/SD0/DCIM/100MEDIA/NOPE.MP4'), /rval -26, invalid path/);
    const small = new AmbaClient({ host: '127.0.0.1', port: cam.controlPort, dataPort: cam.dataPort, keepaliveMs: 0, maxDownloadBytes: 1000 });
    cleanup.push(() => small.stop());
    await client.stop();
    small.start();
    await assert.rejects(small.data.download('/tmp/SD0/DCIM/100MEDIA/FILE0001.JPG'), /more than the 1000 allowed/);
  });

  it('gives the camera its address (261) once per session before a transfer; the reference server refuses transfers without it', async () => {
    const { cam, client } = await setup({ model: 'generic' });
    const file = cam.model.media_dir + '/' + cam.model.default_file.name;
    await client.data.download(file);
    await client.data.thumbnail(file);
    const sent = (): Record<string, unknown>[] => cam.requests.map((q) => JSON.parse(q.text) as Record<string, unknown>);
    assert.deepEqual(sent().filter((q) => [261, 1285, 1025].includes(q.msg_id as number)).map((q) => q.msg_id), [261, 1285, 1025], 'one 261, before the first transfer');
    assert.deepEqual(sent().find((q) => q.msg_id === 261), { msg_id: 261, type: 'TCP', param: '127.0.0.1', token: client.session.token });
    assert.equal(cam.clientAddress, '127.0.0.1');

    // The camera forgets the address with its session; the transfer sent again under the new
    // token is refused (-14) until the address is given again.
    const before = cam.requests.length;
    cam.endSession();
    const again = await client.data.download(file);
    assert.equal(again.md5Verified, true);
    assert.deepEqual(sent().slice(before, before + 5).map((q) => q.msg_id), [1285, 257, 1285, 261, 1285]);

    const raw = new AmbaSession({ host: '127.0.0.1', port: cam.controlPort, keepaliveMs: 0 });
    cleanup.push(() => raw.stop());
    await client.stop();
    raw.start();
    assert.equal((await raw.request({ msg_id: 1285, param: file, offset: 0, fetch_size: 0 })).rval, -14, 'no transfer before 261');
    assert.equal((await raw.request({ msg_id: 261, type: 'TCP', param: 'camera-app' })).rval, -13, 'not an IPv4 address');
    assert.equal((await raw.request({ msg_id: 261, type: 'TCP', param: '127.0.0.1' })).rval, 0);
    const data = net.connect(cam.dataPort, '127.0.0.1');
    cleanup.push(async () => void data.destroy());
    await new Promise((r) => data.once('connect', r));
    const ack = await raw.request({ msg_id: 1025, param: file, type: 'thumb' });
    assert.equal(ack.rval, 0, 'served once the address is known');
  });

  it('a Yi 1 transfers without 261, as its community clients expect', async () => {
    const cam = await startSimulatedCamera({ model: 'yi1' });
    cleanup.push(() => cam.stop());
    const raw = new AmbaSession({ host: '127.0.0.1', port: cam.controlPort, keepaliveMs: 0 });
    cleanup.push(() => raw.stop());
    raw.start();
    const reply = await raw.request({ msg_id: 1026, param: cam.model.media_dir + '/' + cam.model.default_file.name });
    assert.equal(reply.rval, 0);
    assert.equal(cam.clientAddress, undefined);
    const put = await raw.request({ msg_id: 1286, param: '/tmp/fuse_d/empty.script', offset: 0, size: 0, md5sum: md5(Buffer.alloc(0)) });
    assert.equal(put.rval, 0);
  });

  it('cancelling an upload ends it at once on both sides: no more bytes, no file, no completion event', async () => {
    const { cam, client } = await setup({ model: 'mijia4k', dataRate: 400_000 });
    const content = Buffer.alloc(4_000_000, 7);
    const target = '/tmp/SD0/DCIM/100MEDIA/BIG.MP4';
    const order: string[] = [];
    const events: string[] = [];
    client.session.on('notification', (n: Record<string, unknown>) => events.push(String(n.type)));
    const upload = client.data.upload(target, content).then(
      () => order.push('upload finished'),
      (err: Error & { code?: string }) => order.push(`upload ${err.code}`),
    );
    await waitForBytes(cam, 'put');
    const cancelled = await client.data.cancel().then((r) => {
      order.push('camera confirmed');
      return r;
    });
    await upload;
    assert.deepEqual(order, ['upload CANCELLED', 'camera confirmed'], 'the upload ended before the camera answered');
    assert.equal(cancelled.path, target);
    const cancel = cam.requests.map((q) => JSON.parse(q.text) as Record<string, unknown>).find((q) => q.msg_id === 1287)!;
    assert.equal(cancel.param, target);
    assert.ok(typeof cancel.sent_size === 'number' && cancel.sent_size > 0 && cancel.sent_size < content.length, `sent_size ${String(cancel.sent_size)}`);
    assert.ok((cancelled.transferredSize ?? 0) > 0 && (cancelled.transferredSize ?? 0) < content.length);
    assert.equal(cam.sd.has(target), false, 'the partial upload is not on the card');
    // The camera's data service is free again at once: the next upload is not refused as busy.
    const small = Buffer.from('after the cancel');
    const next = await client.data.upload('/tmp/SD0/after.txt', small);
    assert.equal(next.size, small.length);
    assert.deepEqual(events, ['put_file_complete'], 'only the second upload completed; the cancelled one sent no event');
  });
});

/** Resolves once the simulated camera has taken some bytes of a running transfer of `kind`. */
async function waitForBytes(cam: SimulatedCamera, kind: string): Promise<void> {
  await waitFor(() => cam.transferProgress?.kind === kind && cam.transferProgress.sent > 0, 5000, `bytes of a ${kind} transfer`);
}
