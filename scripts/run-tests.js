#!/usr/bin/env node
'use strict';
// `npm test`: every compiled test file, once on Node 20 against Node-RED 4.1 and once on Node 22
// against Node-RED 5 (the `node-red-5` alias in devDependencies). Each run ends with the test
// runner's own summary; the exit code is non-zero if either run failed.
//   --only nr4|nr5    run one line only
//   --grep <text>     only test files whose path contains <text>
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { node22Path } = require('./node22');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const grep = args.includes('--grep') ? args[args.indexOf('--grep') + 1] : null;

function testFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

const files = testFiles(path.join(root, 'dist', 'test')).filter((f) => !grep || f.includes(grep));
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/test (did the build run?)');
  process.exit(1);
}

const lines = [
  { id: 'nr4', label: 'Node-RED 4.1 on Node 20', node: () => process.execPath, expectNode: 20 },
  { id: 'nr5', label: 'Node-RED 5 on Node 22', node: node22Path, expectNode: 22 },
].filter((l) => !only || l.id === only);

let failed = false;
for (const line of lines) {
  const nodeBin = line.node();
  console.log(`\n=== ${line.label} (${nodeBin}) ===`);
  // A leak that keeps a test file's process alive must fail the run, not hang it: tests assert
  // on leaks themselves; force-exit ends the file once its tests are done, and no single test
  // may run for more than 10 minutes.
  const result = spawnSync(nodeBin, ['--test', '--test-reporter=spec', '--test-force-exit', '--test-timeout=600000', ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, P2PCAM_NODE_RED: line.id, P2PCAM_EXPECT_NODE: String(line.expectNode) },
  });
  if (result.status !== 0) {
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
