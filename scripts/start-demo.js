#!/usr/bin/env node
'use strict';
// `npm start`: runs the camera simulators on loopback, prepares a throw-away Node-RED user
// directory (.demo/, ignored by git) with this collection linked in and the demo flow, and
// starts Node-RED (the version in devDependencies) on http://127.0.0.1:1880.
//   PORT=1881 npm start     another editor port
//   --check                 start, wait until every part of the demo works, print a report, stop
const fs = require('fs');
const path = require('path');
const { spawn, execFile } = require('child_process');
const { demoFlow, demoCredentials } = require('./demo-flow');
const { freePort, httpGet } = require('./loopback');

const root = path.resolve(__dirname, '..');
const dist = (file) => path.join(root, 'dist', 'nodes', file);
const sim = (file) => path.join(root, 'dist', 'sim', file);
const userDir = path.join(root, '.demo');
const port = Number(process.env.PORT) || 1880;
const check = process.argv.includes('--check');

function prepareUserDir(flow, credentials) {
  fs.mkdirSync(path.join(userDir, 'node_modules', '@p2pcam'), { recursive: true });
  const link = path.join(userDir, 'node_modules', '@p2pcam', 'node-red-cameras');
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(root, link, 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'p2pcam-demo', private: true, dependencies: { '@p2pcam/node-red-cameras': 'file:..' } }, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `// Written by scripts/start-demo.js on every start.\nmodule.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      // A throw-away directory with simulated cameras only: credentials stay readable.
      credentialSecret: false,
      editorTheme: { tours: false },
      // The demo runs on a closed loopback set-up: no consent dialog, nothing sent anywhere.
      telemetry: { enabled: false, updateNotification: false },
      logging: { console: { level: 'info', metrics: false, audit: false } },
    }, null, 2)};\n`,
  );
}

/** The fake TUTK library, if a C compiler is there to build it. */
function buildXiaomiFake() {
  try {
    return require(sim('xiaomi/fake-tutk-build.js')).buildFakeTutk();
  } catch (err) {
    console.log(`demo: no Xiaomi camera (${err.message.split('\n')[0]})`);
    return null;
  }
}

/** Simulators that Node-RED connects to: they run before it starts. */
async function startServerSimulators() {
  const { startTestPatternCamera } = require(sim('media/test-pattern-camera.js'));
  const { startSimulatedCamera } = require(sim('amba/camera-simulator.js'));
  // The square crosses in 4 s and rests 6 s: a motion start and end every 10 s.
  const testPattern = await startTestPatternCamera({ width: 640, height: 360, fps: 10, period: 40, pauseFrames: 60 });
  const amba = await startSimulatedCamera({ model: 'yi1' });
  const { startDahuaSimulator } = require(sim('dahua/dahua-simulator.js'));
  const dahua = await startDahuaSimulator({ h264: h264Clip(), fps: 10 });
  return { testPattern, amba, dahua };
}

/** Ten seconds of the test pattern as H.264 for the Dahua device's RTSP server (no ffmpeg needed). */
function h264Clip() {
  const { TestPattern } = require(sim('media/test-pattern.js'));
  const { H264PcmEncoder, rgbaToYuv420 } = require(sim('media/h264-pcm-encoder.js'));
  const pattern = new TestPattern({ width: 320, height: 240, period: 50 });
  const encoder = new H264PcmEncoder(320, 240);
  const units = [];
  for (let n = 0; n < 100; n++) units.push(n % 10 === 0 ? encoder.keyframe(rgbaToYuv420(pattern.rgba(n), 320, 240)) : encoder.repeat());
  return Buffer.concat(units);
}

/** V720 cameras register with the cloud inside Node-RED, so they start once it is up. */
async function startV720Cameras(v720) {
  const { startSimulatedCameras } = require(sim('v720/camera-simulator.js'));
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      return await startSimulatedCameras(2, { cloudHost: '127.0.0.1', httpPort: v720.httpPort, mqttUrl: `mqtt://127.0.0.1:${v720.mqttPort}`, localAddress: '127.0.0.1', fps: 5 });
    } catch (err) {
      if (Date.now() > until) throw new Error(`the simulated V720 cameras could not register: ${err.message}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function waitForEditor() {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      return JSON.parse((await httpGet(port, '/flows')).body);
    } catch (err) {
      if (Date.now() > until) throw new Error(`the editor did not answer on port ${port}: ${err.message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

async function main() {
  const servers = await startServerSimulators();
  const sims = {
    ...servers,
    editorPort: port,
    rtspPort: await freePort(),
    v720: { httpPort: await freePort(), tcpPort: await freePort(true), mqttPort: await freePort() },
    xiaomi: buildXiaomiFake(),
    dahuaTunnelPort: await freePort(),
  };
  prepareUserDir(demoFlow(sims), demoCredentials(sims));
  const redJs = require.resolve('node-red/red.js', { paths: [root] });
  const child = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: check ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  let output = '';
  if (check) for (const s of [child.stdout, child.stderr]) s.on('data', (d) => (output += d));
  let v720Cameras = null;
  const closeAll = () => Promise.allSettled([servers.testPattern.close(), servers.amba.stop(), servers.dahua.close(), v720Cameras?.close()]);
  const stop = async (code) => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await closeAll();
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  child.on('exit', (code) => closeAll().then(() => process.exit(code ?? 0)));

  console.log(`demo: test pattern camera on tcp://127.0.0.1:${servers.testPattern.tcpPort} and http://127.0.0.1:${servers.testPattern.httpPort}/video.mjpeg`);
  console.log(`demo: simulated Easy4IP cloud on ${servers.dahua.cloud.host}:${servers.dahua.cloud.port} with Dahua device ${servers.dahua.serial}`);
  console.log(`demo: simulated Yi camera on 127.0.0.1:${servers.amba.controlPort} (data ${servers.amba.dataPort})`);
  console.log(`demo: Node-RED editor on http://127.0.0.1:${port}/`);
  await waitForEditor();
  v720Cameras = await startV720Cameras(sims.v720);
  console.log(`demo: 2 simulated V720 cameras registered; live view at http://127.0.0.1:${port}/v720/${v720Cameras.cameras[0].uid}/live.mjpeg`);
  console.log(`demo: RTSP at rtsp://127.0.0.1:${sims.rtspPort}/testpattern, MJPEG at http://127.0.0.1:${port}/testpattern/stream.mjpeg`);
  console.log(`demo: the Dahua camera through its tunnel at rtsp://127.0.0.1:${sims.dahuaTunnelPort}/cam/realmonitor?channel=1&subtype=0`);
  if (check) await selfCheck(sims, () => output, stop);
}

/**
 * For CI and the curious: listens on the editor's own comms channel, as the browser does, until
 * every part of the demo shows that it works, and reads the served streams with real clients.
 */
async function selfCheck(sims, output, stop) {
  const WebSocket = require(require.resolve('ws', { paths: [require.resolve('node-red/package.json', { paths: [root] })] }));
  const expectations = {
    'demo-fa-mjpeg': /^streaming/,
    'demo-fa-multipart': /^streaming/,
    'demo-debug-motion': /^(start|end)$/,
    'demo-debug-snapshot': /^\d+$/,
    'demo-v720-server': /streaming/,
    'demo-amba-replies': /^deviceInfo$/,
    'demo-dahua-tunnel': /^(direct|relay)/,
    ...(sims.xiaomi ? { 'demo-xiaomi-video': /^\d+$/ } : {}),
  };
  const seen = new Map();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/comms`);
  ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'status/#' })));
  ws.on('message', (data) => {
    for (const event of [].concat(JSON.parse(data))) {
      const id = /^status\/(.+)$/.exec(event.topic || '')?.[1];
      const text = String(event.data?.text ?? '');
      if (expectations[id] && expectations[id].test(text)) seen.set(id, text);
    }
  });
  const until = Date.now() + 90_000;
  while (Date.now() < until && seen.size < Object.keys(expectations).length) await new Promise((r) => setTimeout(r, 250));
  ws.close();
  const problems = Object.keys(expectations).filter((id) => !seen.has(id)).map((id) => `${id} never showed ${expectations[id]}`);
  try {
    const snapshot = await httpGet(port, '/testpattern/snapshot.jpg', 'image/jpeg');
    if (snapshot.body[0] !== 0xff || snapshot.body[1] !== 0xd8) problems.push('/testpattern/snapshot.jpg is not a JPEG');
  } catch (err) {
    problems.push(err.message);
  }
  const rtsp = await probeRtsp(`rtsp://127.0.0.1:${sims.rtspPort}/testpattern`);
  if (rtsp !== null && !/^mjpeg,640,360/.test(rtsp)) problems.push(`ffprobe read "${rtsp}" from the RTSP stream`);
  const tunnel = await probeRtsp(`rtsp://127.0.0.1:${sims.dahuaTunnelPort}/cam/realmonitor?channel=1&subtype=0`);
  if (tunnel !== null && !/^h264,320,240/.test(tunnel)) problems.push(`ffprobe read "${tunnel}" through the Dahua tunnel`);
  if (problems.length === 0) {
    console.log(`demo check: ok: ${[...seen].map(([id, text]) => `${id} "${text}"`).join(', ')}; snapshot.jpg served; ffprobe read ${rtsp === null ? 'nothing (not installed)' : `RTSP out: ${rtsp}, Dahua tunnel: ${tunnel}`}`);
    return stop(0);
  }
  console.error(`demo check: FAILED:\n  ${problems.join('\n  ')}\n${output()}`);
  return stop(1);
}

/**
 * What ffprobe sees in the RTSP stream, or null without ffprobe. Asynchronous on purpose: the
 * test-pattern camera lives in this process and must keep serving frames meanwhile.
 */
function probeRtsp(url) {
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', url], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && err.code === 'ENOENT') resolve(null);
      else if (err) resolve(`error: ${(stderr || err.message).trim()}`);
      else resolve(stdout.trim());
    });
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
