import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer } from 'net';
import { createSocket } from 'dgram';
import { bindUdp, closeServer, closeUdp, listenTcp } from '../../nodes/core/listening';
import { SharedUse } from '../../nodes/core/shared-use';
import { portIsFree, udpPortIsFree } from '../support/ports';

describe('listening sockets', () => {
  it('resolves the port a TCP server got, rejects a taken one as an error, and frees it on close', async () => {
    const first = createServer();
    const port = await listenTcp(first, 0, '127.0.0.1');
    assert.ok(port > 0);
    const second = createServer();
    await assert.rejects(listenTcp(second, port, '127.0.0.1'), { code: 'EADDRINUSE' });
    assert.equal(second.listenerCount('error'), 0, 'the rejecting listener must not stay behind');
    await closeServer(first);
    await closeServer(second); // never listened: still fine
    await closeServer(null);
    assert.ok(await portIsFree(port));
  });

  it('does the same for UDP, and closing a socket twice is harmless', async () => {
    const first = createSocket('udp4');
    const port = await bindUdp(first, 0, '127.0.0.1');
    const second = createSocket('udp4');
    await assert.rejects(bindUdp(second, port, '127.0.0.1'), { code: 'EADDRINUSE' });
    await closeUdp(first);
    await closeUdp(first);
    await closeUdp(second);
    assert.ok(await udpPortIsFree(port));
  });
});

describe('SharedUse', () => {
  it('starts for the first user, stops after the last, and ignores strangers and repeats', async () => {
    const events: string[] = [];
    const use = new SharedUse<string>(() => events.push('start'), async () => void events.push('stop'));
    use.add('a');
    use.add('b');
    use.add('a');
    assert.equal(use.count, 2);
    await use.remove('stranger');
    await use.remove('a');
    assert.deepEqual(events, ['start']);
    await use.remove('b');
    assert.deepEqual(events, ['start', 'stop']);
    use.add('c');
    await use.end();
    assert.deepEqual(events, ['start', 'stop', 'start', 'stop']);
    assert.equal(use.count, 0);
  });
});
