'use strict';
// Node 22 (for Node-RED 5) from the npm registry's `node@22` package, run through npx and
// cached by npm, so nothing but npm is needed on the machine. Resolved once per process.
const { execFileSync } = require('child_process');

let cached = null;

function node22Path() {
  if (cached) return cached;
  const major = Number(process.versions.node.split('.')[0]);
  if (major === 22) return (cached = process.execPath);
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const run = (extra) => execFileSync(npx, ['-y', ...extra, '-p', 'node@22', 'node', '-e', 'process.stdout.write(process.execPath)'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
  try {
    cached = run(['--prefer-offline']);
  } catch {
    cached = run([]);
  }
  return cached;
}

module.exports = { node22Path };
