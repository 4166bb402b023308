// `npm run bench`: runs every benchmark module in this folder (each exports `run()`), printing
// one JSON line per figure. `npm run bench -- <text>` runs only modules whose name contains it.
import * as fs from 'fs';
import * as path from 'path';

interface BenchModule {
  run(): Promise<Record<string, unknown>[]>;
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'run-bench.js' && f !== 'bench-support.js')
    .filter((f) => !filter || f.includes(filter))
    .sort();
  let failed = false;
  for (const file of files) {
    const mod = require(path.join(__dirname, file)) as Partial<BenchModule>;
    if (typeof mod.run !== 'function') continue;
    try {
      for (const figure of await mod.run()) console.log(JSON.stringify({ bench: path.basename(file, '.js'), ...figure, node: process.version }));
    } catch (err) {
      failed = true;
      console.error(`bench ${file} failed: ${(err as Error).stack ?? err}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

void main();
