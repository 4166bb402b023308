// The spec's test vectors (docs/protocols/dahua.md §9): WSSE digests, DH-HTTP messages, LocalAddr
// encodings, device-credential derivation, the Info blob, inverted STUN and PTCP packets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDhReply, buildDhRequest, makeWsseToken, parseDhReply, parseDhRequest, parseHostPort, parseWsse, wsseDigest } from '../../nodes/dahua/dh-http';
import {
  decodeLocalAddrList,
  decryptInfoBlob,
  decryptLocalAddr,
  deriveLocalAddrKey,
  devAuth,
  deviceKey,
  encodeLocalAddrV1,
  encryptInfoBlob,
  encryptLocalAddr,
  formatIdentify,
  parseDeviceInfo,
  parseIdentify,
} from '../../nodes/dahua/device-auth';
import { buildXmlBody, parseXmlBody } from '../../nodes/dahua/xml-body';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('WSSE digest (T1)', () => {
  const NEW_USER = 'cba1b29e32cb17aa46b8ff9e73c7f40b';
  const NEW_KEY = '996103384cdf19179e19243e959bbf8b';
  it('matches the three captured digests', () => {
    assert.equal(wsseDigest('126839946', '2024-06-07T02:31:50Z', 'P2PClient', 'YXQ3Mahe-5H-R1Z_'), 'HkuFHhEl5VFGBwSBAtBfEsyhW8g=');
    assert.equal(wsseDigest('145000918', '2024-06-07T02:31:50Z', 'P2PClient', 'YXQ3Mahe-5H-R1Z_'), 'F1yXkDG+a3Bntz4AOa14szAVlY0=');
    assert.equal(wsseDigest('403748975', '2025-07-14T12:10:45Z', NEW_USER, NEW_KEY), 'CL16HGn7S4vceptOXNT+hZEmE1I=');
  });
});

describe('DH-HTTP messages (T2)', () => {
  const wsse = makeWsseToken({ user: 'P2PClient', key: 'YXQ3Mahe-5H-R1Z_' }, '126839946', '2024-06-07T02:31:50Z');

  it('builds the captured /probe/p2psrv request byte for byte', () => {
    const expected =
      'DHGET /probe/p2psrv HTTP/1.1\r\nCSeq: 1\r\nAuthorization: WSSE profile="UsernameToken"\r\n' +
      'X-WSSE: UsernameToken Username="P2PClient", PasswordDigest="HkuFHhEl5VFGBwSBAtBfEsyhW8g=", Nonce="126839946", Created="2024-06-07T02:31:50Z"\r\n\r\n';
    assert.equal(buildDhRequest({ method: 'DHGET', path: '/probe/p2psrv', cseq: 1, wsse }).toString(), expected);
  });

  it('parses the request back, WSSE included', () => {
    const req = parseDhRequest(buildDhRequest({ method: 'DHGET', path: '/probe/p2psrv', cseq: 1, wsse }));
    assert.ok(req);
    assert.equal(req.method, 'DHGET');
    assert.equal(req.path, '/probe/p2psrv');
    assert.equal(req.cseq, 1);
    assert.deepEqual(parseWsse(req.headers.get('x-wsse') ?? ''), { username: 'P2PClient', passwordDigest: 'HkuFHhEl5VFGBwSBAtBfEsyhW8g=', nonce: '126839946', created: '2024-06-07T02:31:50Z' });
  });

  it('gives the captured p2p-channel body its Content-Length of 142', () => {
    const body = buildXmlBody([
      ['Identify', '4a 16 eb e 33 41 6 df'],
      ['IpEncrpt', 'true'],
      ['LocalAddr', '127.0.0.1:59474'],
      ['version', '5.0.0'],
    ]);
    assert.equal(body, '<body><Identify>4a 16 eb e 33 41 6 df</Identify><IpEncrpt>true</IpEncrpt><LocalAddr>127.0.0.1:59474</LocalAddr><version>5.0.0</version></body>');
    const text = buildDhRequest({ method: 'DHPOST', path: '/device/SN/p2p-channel', cseq: 5, wsse, body }).toString();
    assert.match(text, /\r\nContent-Type: \r\nContent-Length: 142\r\n\r\n<body>/);
    const req = parseDhRequest(Buffer.from(text));
    assert.equal(req?.fields?.LocalAddr, '127.0.0.1:59474');
    assert.deepEqual(parseIdentify(req?.fields?.Identify), hex('4a16eb0e334106df'));
  });

  it('parses the captured replies and their bodies', () => {
    const probe = parseDhReply(Buffer.from('HTTP/1.1 200 OK\r\nDate: 2024-06-07T02:31:52Z\r\nCSeq: 1\r\n\r\n'));
    assert.equal(probe?.status, 200);
    assert.equal(probe?.cseq, 1);
    assert.equal(probe?.headers.get('date'), '2024-06-07T02:31:52Z');
    assert.deepEqual({ ...probe?.fields }, {});

    const p2psrvBody = '<body><DS>165.154.178.80:8802</DS><US>165.154.178.80:8803</US></body>';
    assert.equal(Buffer.byteLength(p2psrvBody), 69);
    const p2psrv = parseDhReply(buildDhReply({ status: 200, reason: 'OK', cseq: 2, date: '2024-06-07T02:31:52Z', body: p2psrvBody }));
    assert.deepEqual(parseHostPort(p2psrv?.fields?.US), { host: '165.154.178.80', port: 8803 });

    const agent = parseDhReply(
      Buffer.from(
        'HTTP/1.1 200 OK\r\nCSeq: 6\r\nContent-Type: \r\nContent-Length: 166\r\n\r\n<?xml version="1.0" encoding="UTF-8"?><body><Agent>165.154.178.11:31407</Agent><Token>FD018CD1A4BBD241382073FB3F54A624-fc25841dde401f88fdbbae22d198d24b</Token></body>',
      ),
    );
    assert.equal(agent?.fields?.Agent, '165.154.178.11:31407');
    assert.equal(agent?.fields?.Token, 'FD018CD1A4BBD241382073FB3F54A624-fc25841dde401f88fdbbae22d198d24b');

    const nat = parseDhReply(
      buildDhReply({
        status: 200,
        reason: 'Server Nat Info!',
        cseq: 5,
        body: '<body><Identify>a8 16 f4 f1 d8 4c 9f 8f</Identify><IpEncrpt>false</IpEncrpt><LocalAddr>192.168.1.64:23730</LocalAddr><NatValueT>0</NatValueT><Policy>p2p,udprelay</Policy><PubAddr>201.119.201.240:23730</PubAddr><Relay>:0</Relay><version>6.3.0</version></body>',
      }),
    );
    assert.equal(nat?.reason, 'Server Nat Info!');
    assert.deepEqual(parseHostPort(nat?.fields?.PubAddr), { host: '201.119.201.240', port: 23730 });
    assert.equal(nat?.fields?.Policy, 'p2p,udprelay');
    assert.deepEqual(parseIdentify(nat?.fields?.Identify), hex('a816f4f1d84c9f8f'));

    const trying = parseDhReply(Buffer.from('HTTP/1.1 100 Trying\r\nCSeq: 5\r\nContent-Length: 13\r\n\r\n<body></body>'));
    assert.equal(trying?.status, 100);
    assert.deepEqual({ ...trying?.fields }, {});

    const forbidden = parseDhReply(buildDhReply({ status: 403, reason: 'Forbidden', cseq: 5, body: '<body><ErrCode>4</ErrCode><Error>DevPwd_InvalidSalt</Error><Policy>p2p,udprelay</Policy></body>' }));
    assert.equal(forbidden?.status, 403);
    assert.equal(forbidden?.fields?.Error, 'DevPwd_InvalidSalt');
  });

  it('refuses a Content-Length longer than the datagram and a missing CSeq', () => {
    assert.equal(parseDhReply(Buffer.from('HTTP/1.1 200 OK\r\nCSeq: 1\r\nContent-Length: 50\r\n\r\n<body></body>')), null);
    assert.equal(parseDhReply(Buffer.from('HTTP/1.1 200 OK\r\nDate: x\r\n\r\n')), null);
    assert.equal(parseDhRequest(Buffer.from('GET / HTTP/1.1\r\nCSeq: 1\r\n\r\n')), null);
  });
});

describe('flat XML bodies', () => {
  it('parses leaves, self-closing elements and entities; refuses nesting', () => {
    assert.deepEqual({ ...parseXmlBody('<body><A>x &amp; y</A><B/></body>') }, { A: 'x & y', B: '' });
    assert.equal(parseXmlBody('<body><A><B>1</B></A></body>'), null);
    assert.equal(parseXmlBody('<body><A>1</body>'), null);
    assert.equal(parseXmlBody('<html></html>'), null);
    assert.deepEqual({ ...parseXmlBody(buildXmlBody([['Client', ':0']])) }, { Client: ':0' });
  });
});

describe('LocalAddr and Identify encodings (T3)', () => {
  it('inverts each octet', () => {
    assert.equal(encodeLocalAddrV1(['192.168.112.1', '192.168.1.82'], 40000), '63.87.143.254,63.87.254.173:40000');
    assert.deepEqual(decodeLocalAddrList('63.87.143.254,63.87.254.173:40000', true), { hosts: ['192.168.112.1', '192.168.1.82'], port: 40000 });
    assert.deepEqual(decodeLocalAddrList('192.168.1.64:23730', false), { hosts: ['192.168.1.64'], port: 23730 });
  });
  it('zero-pads Identify and reads the PoC unpadded form', () => {
    assert.equal(formatIdentify(hex('4a16eb0e334106df')), '4a 16 eb 0e 33 41 06 df');
    assert.deepEqual(parseIdentify('4a 16 eb e 33 41 6 df'), hex('4a16eb0e334106df'));
    assert.equal(parseIdentify('4a 16 eb'), null);
  });
});

describe('device-credential auth (T6)', () => {
  it('derives the key, dk, encrypted LocalAddr and DevAuth of the spec', async () => {
    const key = deviceKey('admin', '5daf91fc5cfc1be8e081cfb08f792726', 'password123');
    assert.equal(key, '251254A110F9521D2DDC26F7240DC9AD');
    const dk = await deriveLocalAddrKey(key, '123456789');
    assert.equal(dk.toString('hex'), 'f143a87ffe45f184eeacf6a8c635d2041f6923e3cd5197847effa59be0ba0159');
    const encrypted = encryptLocalAddr(dk, '127.0.0.1:50000');
    assert.equal(encrypted, 'VQyupQg+m8DRRs2lxUNz');
    assert.equal(decryptLocalAddr(dk, encrypted), '127.0.0.1:50000');
    assert.equal(devAuth(key, '123456789', '1700000000', encrypted), 'm/X8AZbzsgCZnJSws6swYMhE8Y++a8GvtqjkIRqc4sI=');
    assert.equal(devAuth(key, '123456789', '1700000000', ''), 'za4JkPMN78Fkyd3EpA1wfBsIXzZvAvRK6s3SNZ/AGfA=');
    assert.equal(deviceKey('admin', '', 'password123'), '26ECF20B7CAB387937ECEE90727375AF');
  });
});

describe('/info/device Info blob (T7)', () => {
  it('decrypts the published prefix with the fixed key and IV', () => {
    assert.equal(decryptInfoBlob('sJRI1JVcQjAKP/skwV5WD6+E9B+t').toString('utf8'), '{\n   "httpport" : 80,');
  });
  it('round-trips the fixture and yields its randsalt', () => {
    const json = '{"httpport":80,"privport":37777,"randsalt":"5daf91fc5cfc1be8e081cfb08f792726","rtspport":554,"tlsprivport":37778}';
    const blob = encryptInfoBlob(json);
    assert.ok(blob.startsWith('sLwAgMEOWisMO6lxixpYDeXWpVnxEMzx'), blob);
    assert.deepEqual(parseDeviceInfo(blob), { randsalt: '5daf91fc5cfc1be8e081cfb08f792726', httpport: 80, privport: 37777, rtspport: 554, tlsprivport: 37778 });
    assert.deepEqual(parseDeviceInfo(''), { randsalt: '' });
    assert.equal(parseDeviceInfo('AAAAAAAA'), null);
  });
});
