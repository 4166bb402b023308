#!/usr/bin/env node
'use strict';
// `npm run lint:package`: the Node-RED Flow Library scorecard rules (node-red-dev validate),
// checked offline against package.json, the examples and the packed file list, plus the house
// rules the scorecard does not check (help sections, locales, `export =`). Fails on any miss.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const semver = require('semver');
const { editorTypes } = require('./package-types');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const problems = [];
const fail = (rule, message) => problems.push(`${rule}: ${message}`);

function installedVersion(name) {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [root] }), 'utf8'));
}

function packedFiles() {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return new Set(JSON.parse(out)[0].files.map((f) => f.path));
}

// P01 licence, P03 repository/bugs, P04 scoped name, P05 keyword.
if (!pkg.license) fail('P01', 'package.json has no license');
if (!fs.existsSync(path.join(root, 'LICENSE'))) fail('P01', 'no LICENSE file');
if (!pkg.repository || !pkg.repository.url) fail('P03', 'package.json has no repository.url');
if (!pkg.bugs || !pkg.bugs.url) fail('P03', 'package.json has no bugs.url');
if (!/^@[a-z0-9-~][a-z0-9-._~]*\/[a-z0-9-~][a-z0-9-._~]*$/.test(pkg.name || '')) fail('P04', `name "${pkg.name}" is not a scoped npm name`);
if (!(pkg.keywords || []).includes('node-red')) fail('P05', 'keywords do not include "node-red"');

// P06: our Node-RED range must admit both lines we test (4.1 and 5.x, the maintenance and latest tags).
const nr = pkg['node-red'] || {};
for (const name of ['node-red', 'node-red-5']) {
  const version = installedVersion(name).version;
  if (!nr.version || !semver.satisfies(version, nr.version)) fail('P06', `node-red.version "${nr.version}" does not admit Node-RED ${version}`);
}
// P07: the oldest Node that the newest Node-RED supports must satisfy our engines.node.
const newestEngines = installedVersion('node-red-5').engines.node;
const oldestNode = semver.minVersion(newestEngines).version;
if (!pkg.engines || !semver.satisfies(oldestNode, pkg.engines.node)) fail('P07', `engines.node "${pkg.engines && pkg.engines.node}" excludes Node ${oldestNode} (Node-RED 5 needs ${newestEngines})`);

// D01 at most 6 dependencies; D02 no agent-base < 6 in the shipped tree.
const deps = Object.keys(pkg.dependencies || {});
if (deps.length > 6) fail('D01', `${deps.length} dependencies (${deps.join(', ')}); at most 6`);
const lockPath = path.join(root, 'package-lock.json');
if (fs.existsSync(lockPath)) {
  const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
  for (const [where, info] of Object.entries(lock.packages || {})) {
    if (where.endsWith('node_modules/agent-base') && !info.dev && semver.lt(info.version, '6.0.0')) fail('D02', `agent-base ${info.version} in the runtime tree`);
  }
}

// Node files: compiled js with `export =`, html beside it in the tarball, help, locales; N02 examples.
const packed = packedFiles();
const examplesDir = path.join(root, 'examples');
const exampleTypes = new Set();
for (const file of fs.existsSync(examplesDir) ? fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json')) : []) {
  let flow;
  try {
    flow = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
  } catch (err) {
    fail('N02', `examples/${file} is not valid JSON: ${err.message}`);
    continue;
  }
  if (!Array.isArray(flow)) fail('N02', `examples/${file} is not a flow (an array of nodes)`);
  else flow.forEach((n) => exampleTypes.add(n.type));
}

const allTypes = [];
for (const [set, jsRel] of Object.entries(nr.nodes || {})) {
  const js = path.join(root, jsRel);
  const htmlRel = jsRel.replace(/\.js$/, '.html');
  if (!packed.has(jsRel)) fail('files', `${jsRel} (node set ${set}) is not in the packed tarball`);
  if (!packed.has(htmlRel)) fail('files', `${htmlRel} is not beside ${jsRel} in the packed tarball`);
  if (!fs.existsSync(js) || !fs.existsSync(path.join(root, htmlRel))) {
    fail('build', `${jsRel} or its html is missing: run npm run build`);
    continue;
  }
  const exported = require(js);
  if (typeof exported !== 'function') fail('export', `${jsRel} does not export a function (use \`export =\`)`);
  const html = fs.readFileSync(path.join(root, htmlRel), 'utf8');
  const types = editorTypes(html);
  if (types.length === 0) fail('html', `${htmlRel} registers no type`);
  const base = path.basename(jsRel, '.js');
  const locale = path.join(path.dirname(jsRel), 'locales', 'en-US', `${base}.json`);
  if (!packed.has(locale)) fail('locales', `${locale} is not in the packed tarball`);
  for (const { type, category, inputs, outputs } of types) {
    allTypes.push(type);
    if (!category) fail('html', `${type}: category is not a string literal (the scorecard cannot read it)`);
    if (!html.includes(`data-template-name="${type}"`)) fail('html', `${type}: no edit template`);
    const help = new RegExp(`data-help-name="${type}"[^>]*>([\\s\\S]*?)</script>`).exec(html);
    if (!help) fail('help', `${type}: no help text`);
    const isConfig = category === 'config';
    if (help && !isConfig) {
      // A node without inputs (a source) or without outputs (an end node) leaves that section out.
      const sections = ['Details', ...(inputs === 0 ? [] : ['Inputs']), ...(outputs === 0 ? [] : ['Outputs'])];
      for (const section of sections) {
        if (!new RegExp(`<h3>${section}</h3>|^### ${section}`, 'm').test(help[1])) fail('help', `${type}: help has no ${section} section`);
      }
    }
    if (!isConfig && !exampleTypes.has(type)) fail('N02', `${type} is used in no examples/*.json flow`);
    const icon = /\bicon\s*:\s*(['"])([^'"]+)\1/.exec(html);
    if (icon && !icon[2].startsWith('font-awesome/') && !packed.has(path.join(path.dirname(jsRel), 'icons', icon[2]))) {
      fail('icons', `${type}: icon ${icon[2]} is not beside its node in the packed tarball`);
    }
  }
}

// Only what users need: no tests, benchmarks, TypeScript sources or build state in the tarball.
for (const file of packed) {
  if (/^(dist\/(test|bench|sim)\/|test\/|bench\/|sim\/|scripts\/|nodes\/)|\.ts$|\.tsbuildinfo$|\.map$/.test(file)) fail('files', `${file} should not be in the packed tarball`);
}

// The shipped code stands alone: no compiled node file reaches outside dist/nodes (a simulator, a test).
function walkJs(dir, out = []) {
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walkJs(full, out);
    else if (entry.name.endsWith('.js')) out.push(full);
  }
  return out;
}
const shippedRoot = path.join(root, 'dist', 'nodes');
for (const js of walkJs(shippedRoot)) {
  for (const m of fs.readFileSync(js, 'utf8').matchAll(/require\((["'])(\.[^"']+)\1\)/g)) {
    const target = path.resolve(path.dirname(js), m[2]);
    if (!target.startsWith(shippedRoot + path.sep)) fail('files', `${path.relative(root, js)} requires ${m[2]}, outside the shipped dist/nodes`);
  }
}

// Comments citing "§N" resolve to our protocol notes or to a listed standard (npm run lint:citations).
for (const p of require('./lint-citations').checkCitations(root).problems) fail('citations', p);

if (problems.length) {
  console.error(`lint:package: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ✖ ${p}`);
  process.exit(1);
}
console.log(`lint:package: ok (${allTypes.length} node types: ${allTypes.join(', ')}; ${packed.size} files packed)`);
