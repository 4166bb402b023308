#!/usr/bin/env node
'use strict';
// `npm run fuzz`: every fuzz test with many more cases than CI runs.
//   node scripts/fuzz.js [iterations] [--seed N]
// A fuzz test is one that takes its case count from test/fuzz/fuzz-support and has "fuzz" in
// its name or its suite's; the other tests in the same files are skipped.
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
    if (e.isDirectory()) return find(full);
    return e.name.endsWith('.test.js') && fs.readFileSync(full, 'utf8').includes('fuzz/fuzz-support') ? [full] : [];
  });
}

const files = find(path.join(root, 'dist', 'test'));
console.log(`fuzz: ${files.length} files, ${iterations} cases per fuzz test, seed ${seed}`);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-force-exit', '--test-timeout=0', '--test-name-pattern=fuzz', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, P2PCAM_FUZZ_ITERATIONS: String(iterations), P2PCAM_FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
