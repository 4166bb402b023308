#!/usr/bin/env node
'use strict';
// Build: TypeScript (incremental) into dist/, then put every node's .html, the icons and the
// locales beside the compiled .js, where Node-RED's loader looks for them:
//   dist/nodes/<room>/<type>.js + <type>.html + icons/ + locales/<lang>/<type>.{json,html}
// `--watch` keeps both running for development.
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });

function walk(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

/** Copy only when the content differs, so the incremental build stays fast and mtimes stay stable. */
function copyIfChanged(from, to) {
  const data = fs.readFileSync(from);
  try {
    if (fs.readFileSync(to).equals(data)) return false;
  } catch { /* missing: copy */ }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, data);
  return true;
}

function copyAssets() {
  let copied = 0;
  const nodeHtml = walk(path.join(root, 'nodes')).filter((f) => f.endsWith('.html'));
  const nodeDirs = new Set();
  for (const html of nodeHtml) {
    const rel = path.relative(root, html);
    const target = path.join(root, 'dist', rel);
    copied += copyIfChanged(html, target);
    nodeDirs.add(path.dirname(target));
    const base = path.basename(html, '.html');
    const localesDir = path.join(root, 'locales');
    if (!fs.existsSync(localesDir)) continue;
    for (const lang of fs.readdirSync(localesDir)) {
      for (const ext of ['.json', '.html']) {
        const src = path.join(localesDir, lang, base + ext);
        if (fs.existsSync(src)) copied += copyIfChanged(src, path.join(path.dirname(target), 'locales', lang, base + ext));
      }
    }
  }
  const iconsDir = path.join(root, 'icons');
  if (fs.existsSync(iconsDir)) {
    for (const icon of fs.readdirSync(iconsDir)) {
      for (const dir of nodeDirs) copied += copyIfChanged(path.join(iconsDir, icon), path.join(dir, 'icons', icon));
    }
  }
  return copied;
}

function buildOnce() {
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', root], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    console.error('build: TypeScript reported errors');
    process.exit(result.status || 1);
  }
  const copied = copyAssets();
  if (process.env.P2PCAM_BUILD_VERBOSE) console.log(`build: done in ${Date.now() - started} ms, ${copied} assets copied`);
}

function watch() {
  copyAssets();
  const child = spawn(process.execPath, [tsc, '-p', root, '--watch', '--preserveWatchOutput'], { stdio: 'inherit', cwd: root });
  let pending = null;
  const onChange = () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      try {
        const n = copyAssets();
        if (n) console.log(`build: ${n} assets copied`);
      } catch (err) {
        console.error('build: asset copy failed:', err.message);
      }
    }, 100);
  };
  for (const dir of ['nodes', 'icons', 'locales']) {
    const full = path.join(root, dir);
    if (fs.existsSync(full)) fs.watch(full, { recursive: true }, onChange);
  }
  process.on('SIGINT', () => { child.kill(); process.exit(0); });
}

if (process.argv.includes('--watch')) watch();
else buildOnce();
