'use strict';
// Loopback helpers for the scripts that start Node-RED (the demo and the smoke test): a free
// port to configure, and an HTTP GET against the editor or the admin API.
const net = require('net');
const dgram = require('dgram');
const http = require('http');

/** A port on 127.0.0.1 free a moment ago for TCP, and for UDP too when asked (the V720 cloud uses one number for both). */
async function freePort(withUdp = false) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = net.createServer();
    const port = await new Promise((resolve, reject) => tcp.once('error', reject).listen(0, '127.0.0.1', () => resolve(tcp.address().port)));
    let udpFree = true;
    if (withUdp) {
      const udp = dgram.createSocket('udp4');
      udpFree = await new Promise((resolve) => udp.once('error', () => resolve(false)).bind(port, '127.0.0.1', () => resolve(true)));
      udp.close();
    }
    await new Promise((resolve) => tcp.close(resolve));
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

/** GET http://127.0.0.1:<port><path>; resolves with body and content type on 200, rejects otherwise. */
function httpGet(port, urlPath, accept = 'application/json') {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { Accept: accept }, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => (res.statusCode === 200 ? resolve({ body: Buffer.concat(chunks), type: res.headers['content-type'] }) : reject(new Error(`GET ${urlPath}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath}: timeout`)));
    req.on('error', reject);
  });
}

module.exports = { freePort, httpGet };
