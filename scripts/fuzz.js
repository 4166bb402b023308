#!/usr/bin/env node
'use strict';
// `npm run fuzz`: every fuzz test (test/**/*.fuzz.test.ts) with many more cases than CI runs.
//   node scripts/fuzz.js [iterations] [--seed N]
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const iterations = Number(args.find((a) => /^\d+$/.test(a))) || 500_000;
const seed = args.includes('--seed') ? args[args.indexOf('--seed') + 1] : String(Date.now() % 1e9);

function find(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? find(full) : e.name.endsWith('.fuzz.test.js') ? [full] : [];
  });
}

const files = find(path.join(root, 'dist', 'test'));
console.log(`fuzz: ${files.length} targets, ${iterations} cases each, seed ${seed}`);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-force-exit', '--test-timeout=0', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, P2PCAM_FUZZ_ITERATIONS: String(iterations), P2PCAM_FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
