// miIO (spec §4): the spec's test vectors, and credential discovery against the fake device on
// loopback in every outcome (credentials, hidden by firmware, wrong token, device error,
// recoverable error, malformed reply, silence).
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { afterEach, describe, it } from 'node:test';
import { fetchP2PCredentials } from '../../nodes/xiaomi/miio-client';
import { FakeMiioDevice, startFakeMiioDevice } from '../../sim/xiaomi/miio-fake-device';
import {
  MIIO_HELLO, MiioError, decodeMiioHeader, encodeHelloReply, decodeMiioPacket, decryptPayload, encodeMiioPacket, encryptPayload, miioKeys, parseMiioJson, parseToken,
} from '../../nodes/xiaomi/miio-packet';

const hex = (b: Buffer) => b.toString('hex');
const TOKEN = '00112233445566778899aabbccddeeff';

describe('miIO packet (spec vectors)', () => {
  it('V0: the hello request', () => {
    assert.equal(hex(MIIO_HELLO), '21310020' + 'ff'.repeat(28));
  });

  it('V1 and V3: key and iv from the token', () => {
    assert.deepEqual({ key: hex(miioKeys(Buffer.alloc(16)).key), iv: hex(miioKeys(Buffer.alloc(16)).iv) },
      { key: '4ae71336e44bf9bf79d2752e234818a5', iv: '1e38275872be38346a6f072771a7f58b' });
    const k = miioKeys(parseToken(TOKEN));
    assert.deepEqual({ key: hex(k.key), iv: hex(k.iv) }, { key: '6e8311168ee16d6aa1aa48c64145003c', iv: '6f434fa9acd75da73e5fb999f641cda2' });
  });

  it('V2: python-miio\'s recipe', () => {
    const token = Buffer.alloc(16);
    const plaintext = Buffer.from('{"id": 123456}');
    assert.equal(hex(encryptPayload(token, plaintext)), '754865dce4359d961e1bfee48e12817e');
    const packet = encodeMiioPacket(token, 0x01234567, 0, plaintext);
    assert.equal(hex(packet), '21310030000000000123456700000000dbcfd26369cf65a172b5737cc131f6de754865dce4359d961e1bfee48e12817e');
    const decoded = decodeMiioPacket(token, packet);
    assert.equal(decoded.header.did, 0x01234567);
    assert.ok(decoded.plaintext.equals(plaintext));
  });

  it('V4: get_ipcprop, 96 bytes', () => {
    const plaintext = Buffer.from('{"id":1,"method":"get_ipcprop","params":["all"]}');
    assert.equal(plaintext.length, 48);
    const packet = encodeMiioPacket(parseToken(TOKEN), 0x0001e240, 0x5f5e1000, plaintext);
    assert.equal(packet.length, 96);
    assert.equal(hex(packet.subarray(16, 32)), 'c140296ee89c99dac8302a1b124ad526');
    assert.equal(hex(packet), '21310060000000000001e2405f5e1000c140296ee89c99dac8302a1b124ad526a5516ec6151955dc2bb2d43e7c84c18374b36a8300cd3dd6ec9587fb58904aced1b9babc90575efce6a1b37eb16e6a30112170533a0030fb87455b4f7d6aa150');
  });

  it('rejects a wrong token by the checksum, before decrypting', () => {
    const packet = encodeMiioPacket(parseToken(TOKEN), 1, 2, Buffer.from('{"id":1}'));
    assert.throws(() => decodeMiioPacket(Buffer.alloc(16, 9), packet), (e: unknown) => e instanceof MiioError && e.kind === 'invalid-token');
  });

  it('accepts replies with and without a trailing NUL', () => {
    assert.deepEqual(parseMiioJson(Buffer.from('{"id":3}\0')), { id: 3 });
    assert.deepEqual(parseMiioJson(Buffer.from('{"id":3}')), { id: 3 });
    assert.throws(() => parseMiioJson(Buffer.from('[1]')), /not a JSON object/);
    assert.throws(() => parseMiioJson(Buffer.from('{"id":')), /not JSON/);
  });

  it('checks lengths, magic and block sizes', () => {
    assert.throws(() => decodeMiioHeader(Buffer.alloc(10)), /shorter than its header/);
    assert.throws(() => decodeMiioHeader(Buffer.alloc(32)), /bad magic/);
    const lying = Buffer.from(MIIO_HELLO);
    lying.writeUInt16BE(500, 2);
    assert.throws(() => decodeMiioHeader(lying), /does not fit/);
    assert.throws(() => decryptPayload(parseToken(TOKEN), Buffer.alloc(15)), /not whole AES blocks/);
    assert.throws(() => parseToken('abc'), /32 hexadecimal characters/);
  });
});

describe('miIO credential discovery (fake device on loopback)', () => {
  let device: FakeMiioDevice | null = null;
  afterEach(async () => {
    await device?.close();
    device = null;
  });
  const fast = { helloTimeoutMs: 300, requestTimeoutMs: 300 };

  it('gets UID (upper-cased), account and password from get_ipcprop', async () => {
    device = await startFakeMiioDevice({ token: TOKEN, mode: 'credentials', uid: 'abcdefghij0123456789', password: 'secret' });
    const creds = await fetchP2PCredentials({ host: '127.0.0.1', port: device.port, token: TOKEN });
    assert.equal(creds.uid, 'ABCDEFGHIJ0123456789');
    assert.equal(creds.account, 'admin');
    assert.equal(creds.password, 'secret');
    assert.equal(creds.properties.avPass, undefined, 'the password is not repeated in the properties');
    assert.equal(device.requests[0].method, 'get_ipcprop');
    assert.deepEqual(device.requests[0].params, ['all']);
  });

  it('works with NUL-terminated replies', async () => {
    device = await startFakeMiioDevice({ token: TOKEN, nulTerminated: true });
    assert.equal((await fetchP2PCredentials({ host: '127.0.0.1', port: device.port, token: TOKEN })).account, 'admin');
  });

  it('says "does not expose P2P credentials" when the firmware hides them', async () => {
    device = await startFakeMiioDevice({ token: TOKEN, mode: 'hidden' });
    await assert.rejects(fetchP2PCredentials({ host: '127.0.0.1', port: device.port, token: TOKEN }),
      (e: unknown) => e instanceof MiioError && e.kind === 'no-credentials' && /does not expose P2P credentials/.test(e.message));
  });

  it('says the token is wrong when the reply does not check out', async () => {
    device = await startFakeMiioDevice({ token: 'ffeeddccbbaa99887766554433221100', mode: 'credentials' });
    // The device cannot read our request, so it stays silent after the hello: indistinguishable
    // from a lost request, reported as such after the retries.
    await assert.rejects(fetchP2PCredentials({ host: '127.0.0.1', port: device.port, token: TOKEN, ...fast }), (e: unknown) => e instanceof MiioError && e.kind === 'timeout' && /hello but not the get_ipcprop request/.test(e.message));
    assert.equal(device.hellos, 3, 'one hello per attempt');
  });

  it('reports a reply that fails the checksum as a wrong token', async () => {
    // A responder that reads nothing and answers under another token: the reply's checksum fails.
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.on('message', (msg, rinfo) => {
      const reply = msg.length === 32 ? encodeHelloReply(7, 8) : encodeMiioPacket(Buffer.alloc(16, 9), 7, 8, Buffer.from('{"id":1,"result":{}}'));
      socket.send(reply, rinfo.port, rinfo.address);
    });
    try {
      await assert.rejects(fetchP2PCredentials({ host: '127.0.0.1', port: socket.address().port, token: TOKEN, ...fast }),
        (e: unknown) => e instanceof MiioError && e.kind === 'invalid-token' && /not with this token/.test(e.message));
    } finally {
      socket.close();
    }
  });

  it('retries the recoverable "user ack timeout" error', async () => {
    device = await startFakeMiioDevice({ token: TOKEN, mode: 'busy-once' });
    const creds = await fetchP2PCredentials({ host: '127.0.0.1', port: device.port, token: TOKEN, ...fast });
    assert.equal(creds.uid, 'FAKEUID0000000000001');
    assert.equal(device.requests.length, 2);
    assert.equal(Number(device.requests[1].id), (Number(device.requests[0].id) + 100 - 1) % 9999 + 1, 'the retry uses id + 100');
  });

  it('reports a device error with its message and code', async () => {
    device = await startFakeMiioDevice({ token: TOKEN, mode: 'error' });
    await assert.rejects(fetchP2PCredentials({ host: '127.0.0.1', port: device.port, token: TOKEN }), /refused get_ipcprop: invalid arg \(-5001\)/);
  });

  it('a malformed reply and a silent device time out with a clear message', async () => {
    device = await startFakeMiioDevice({ token: TOKEN, mode: 'malformed' });
    await assert.rejects(fetchP2PCredentials({ host: '127.0.0.1', port: device.port, token: TOKEN, ...fast, attempts: 1 }), /hello but not the get_ipcprop request/);
    device.setMode('silent');
    await assert.rejects(fetchP2PCredentials({ host: '127.0.0.1', port: device.port, token: TOKEN, ...fast, attempts: 1 }), /no answer from 127\.0\.0\.1:\d+: check the IP address/);
  });

  it('refuses a token that is not 32 hex characters before sending anything', async () => {
    await assert.rejects(fetchP2PCredentials({ host: '127.0.0.1', port: 9, token: 'xyz' }), (e: unknown) => e instanceof MiioError && e.kind === 'bad-token-format');
  });
});
