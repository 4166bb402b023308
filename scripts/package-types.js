'use strict';
// The node types this package registers, read from the editor html of each node file listed in
// package.json, the way the Flow Library scorecard reads them.
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');

/** Every registerType('<type>', {...}) in an editor html, with its category, inputs and outputs if literal. */
function editorTypes(html) {
  const types = [];
  const re = /RED\.nodes\.registerType\(\s*(['"])([^'"]+)\1\s*,\s*\{/g;
  let m;
  while ((m = re.exec(html))) {
    let depth = 1;
    let i = re.lastIndex;
    while (i < html.length && depth > 0) {
      if (html[i] === '{') depth++;
      else if (html[i] === '}') depth--;
      i++;
    }
    const body = html.slice(re.lastIndex, i);
    const category = /\bcategory\s*:\s*(['"])([^'"]+)\1/.exec(body);
    const count = (key) => {
      const literal = new RegExp(`\\b${key}\\s*:\\s*(\\d+)`).exec(body);
      return literal ? Number(literal[1]) : null;
    };
    types.push({ type: m[2], category: category ? category[2] : null, inputs: count('inputs'), outputs: count('outputs') });
  }
  return types;
}

/** All types of the package, from the (built) html files beside the node js files. */
function packageTypes() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const out = [];
  for (const jsRel of Object.values(pkg['node-red'].nodes)) {
    const html = fs.readFileSync(path.join(root, jsRel.replace(/\.js$/, '.html')), 'utf8');
    out.push(...editorTypes(html).map((t) => t.type));
  }
  return out;
}

module.exports = { editorTypes, packageTypes, root };
