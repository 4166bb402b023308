#!/usr/bin/env node
'use strict';
// Pack-and-install smoke test: clone the committed HEAD afresh (no dist/, no node_modules), `npm ci`
// and `npm pack` there (the prepack script must build), check that the tarball holds the compiled
// nodes and nothing of the simulators or tests, install the tarball into a fresh Node-RED user
// directory, start Node-RED 4 (Node 20) and Node-RED 5 (Node 22) headless on loopback, and
// assert through the admin API (GET /nodes) that every node type of the collection is
// registered and enabled with no load error. Exits non-zero, loudly, on any miss.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawn } = require('child_process');
const { freePort, httpGet } = require('./loopback');
const { node22Path } = require('./node22');
const { packageTypes, root } = require('./package-types');

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

async function waitForNodes(port, child, log) {
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited early (code ${child.exitCode}):\n${log()}`);
    try {
      return JSON.parse((await httpGet(port, '/nodes')).body);
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`Node-RED did not answer GET /nodes within 90 s:\n${log()}`);
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function checkLine(label, nodeBin, redJs, userDir, expectedTypes) {
  const port = await freePort();
  const settings = path.join(userDir, `settings-${port}.js`);
  fs.writeFileSync(settings, `module.exports = { uiHost: '127.0.0.1', uiPort: ${port}, flowFile: 'flows.json', logging: { console: { level: 'info' } } };\n`);
  let output = '';
  const child = spawn(nodeBin, [redJs, '--userDir', userDir, '--settings', settings, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  try {
    const nodeSets = await waitForNodes(port, child, () => output);
    const ours = nodeSets.filter((s) => s.module === pkg.name);
    const problems = [];
    if (ours.length === 0) problems.push(`module ${pkg.name} is not loaded at all`);
    for (const set of ours) {
      if (!set.enabled) problems.push(`node set ${set.id} is disabled`);
      if (set.err) problems.push(`node set ${set.id} failed to load: ${set.err}`);
      if (set.version !== pkg.version) problems.push(`node set ${set.id} has version ${set.version}, expected ${pkg.version}`);
    }
    const registered = new Set(ours.filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
    for (const type of expectedTypes) if (!registered.has(type)) problems.push(`type ${type} is not registered`);
    if (problems.length) throw new Error(`${label}:\n  ${problems.join('\n  ')}\nNode-RED output:\n${output}`);
    console.log(`smoke: ${label}: ${registered.size} types registered and enabled (${[...registered].join(', ')})`);
  } finally {
    await stop(child);
  }
}

/** What a user or the registry would get: a clone of HEAD, its own `npm ci`, `npm pack` (prepack builds). */
function packFreshClone(work) {
  if (execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim()) {
    console.log('smoke: note: uncommitted changes are not in the packed clone; this checks HEAD');
  }
  const clone = path.join(work, 'clone');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', root, clone], { stdio: 'inherit' });
  execFileSync(npm, ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: clone, stdio: ['ignore', 'ignore', 'inherit'] });
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))[0];
  const files = packed.files.map((f) => f.path);
  const misplaced = files.filter((f) => /^(dist\/(sim|test|bench)\/|sim\/|test\/|bench\/)|\.ts$/.test(f));
  if (misplaced.length) throw new Error(`the tarball holds simulator or test files:\n  ${misplaced.join('\n  ')}`);
  for (const js of Object.values(pkg['node-red'].nodes)) {
    if (!files.includes(js)) throw new Error(`the tarball from a fresh clone has no ${js}: is the prepack build missing?`);
  }
  return packed;
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-smoke-'));
  try {
    const packed = packFreshClone(work);
    const tarball = path.join(work, packed.filename);
    console.log(`smoke: packed ${packed.filename} from a fresh clone (${packed.entryCount} files, ${packed.size} bytes, ${packed.unpackedSize} unpacked)`);
    const userDir = path.join(work, 'user');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, description: 'smoke test' }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: userDir, stdio: 'inherit' });
    const expectedTypes = packageTypes();
    const redJs = (name) => require.resolve(`${name}/red.js`, { paths: [root] });
    await checkLine('Node-RED 4 on Node 20', process.execPath, redJs('node-red'), userDir, expectedTypes);
    await checkLine('Node-RED 5 on Node 22', node22Path(), redJs('node-red-5'), userDir, expectedTypes);
    console.log('smoke: ok');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`smoke: FAILED\n${err.stack || err}`);
  process.exit(1);
});
