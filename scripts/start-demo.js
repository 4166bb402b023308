#!/usr/bin/env node
'use strict';
// `npm start`: runs the camera simulators on loopback, prepares a throw-away Node-RED user
// directory (.demo/, ignored by git) with this collection linked in and the demo flow, and
// starts Node-RED (the version in devDependencies) on http://127.0.0.1:1880.
//   PORT=1881 npm start     another editor port
//   --check                 start, wait until the demo emits frames, print a report, stop
const fs = require('fs');
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');
const { demoFlow } = require('./demo-flow');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.demo');
const port = Number(process.env.PORT) || 1880;
const check = process.argv.includes('--check');

function prepareUserDir(flow) {
  fs.mkdirSync(path.join(userDir, 'node_modules', '@p2pcam'), { recursive: true });
  const link = path.join(userDir, 'node_modules', '@p2pcam', 'node-red-cameras');
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(root, link, 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'p2pcam-demo', private: true, dependencies: { '@p2pcam/node-red-cameras': 'file:..' } }, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow, null, 2));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `// Written by scripts/start-demo.js on every start.\nmodule.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      credentialSecret: 'p2pcam-demo',
      editorTheme: { tours: false },
      // The demo runs on a closed loopback set-up: no consent dialog, nothing sent anywhere.
      telemetry: { enabled: false, updateNotification: false },
      logging: { console: { level: 'info', metrics: false, audit: false } },
    }, null, 2)};\n`,
  );
}

function startSimulators() {
  const { startTestPatternCamera } = require(path.join(root, 'dist/nodes/media/test-pattern-camera.js'));
  return Promise.all([startTestPatternCamera({ width: 640, height: 360, fps: 10 })]).then(([testPattern]) => ({
    testPattern,
    close: () => Promise.all([testPattern.close()]),
  }));
}

function get(urlPath) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, headers: { Accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

async function main() {
  const sims = await startSimulators();
  prepareUserDir(demoFlow(sims));
  const redJs = require.resolve('node-red/red.js', { paths: [root] });
  const child = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: check ? ['ignore', 'pipe', 'inherit'] : 'inherit',
  });
  let output = '';
  if (check) child.stdout.on('data', (d) => (output += d));
  const stop = async (code) => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await sims.close();
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  child.on('exit', (code) => {
    sims.close().then(() => process.exit(code ?? 0));
  });
  console.log(`demo: test pattern camera on tcp://127.0.0.1:${sims.testPattern.tcpPort} and http://127.0.0.1:${sims.testPattern.httpPort}/video.mjpeg`);
  console.log(`demo: Node-RED editor on http://127.0.0.1:${port}/`);
  if (check) await selfCheck(sims, () => output, stop);
}

/**
 * For CI and the curious: listens on the editor's own comms channel, as the browser does, until
 * every frame assembler of the demo shows "streaming" in its status.
 */
async function selfCheck(sims, output, stop) {
  const WebSocket = require(require.resolve('ws', { paths: [require.resolve('node-red/package.json', { paths: [root] })] }));
  const flows = await waitForEditor();
  const assemblers = flows.filter((n) => n.type === 'frame-assembler').map((n) => n.id);
  const streaming = new Map();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/comms`);
  ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'status/#' })));
  ws.on('message', (data) => {
    for (const event of [].concat(JSON.parse(data))) {
      const id = /^status\/(.+)$/.exec(event.topic || '')?.[1];
      if (assemblers.includes(id) && /^streaming/.test(event.data?.text || '')) streaming.set(id, event.data.text);
    }
  });
  const until = Date.now() + 60_000;
  while (Date.now() < until && streaming.size < assemblers.length) await new Promise((r) => setTimeout(r, 250));
  ws.close();
  if (streaming.size === assemblers.length) {
    console.log(`demo check: ok: ${flows.length} nodes deployed; ${[...streaming].map(([id, text]) => `${id} "${text}"`).join(', ')}; ${sims.testPattern.framesEncoded} frames served`);
    return stop(0);
  }
  console.error(`demo check: FAILED: streaming ${JSON.stringify([...streaming])} of ${assemblers.join(', ')}\n${output()}`);
  return stop(1);
}

async function waitForEditor() {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      return JSON.parse(await get('/flows'));
    } catch (err) {
      if (Date.now() > until) throw new Error(`the editor did not answer on port ${port}: ${err.message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
