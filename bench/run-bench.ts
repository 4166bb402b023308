// `npm run bench`: runs every benchmark module in this folder (each exports `run()`), each in a
// process of its own so one module's heap and timers never skew another's figures, printing one
// JSON line per figure. `npm run bench -- <text>` runs only modules whose name contains it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

interface BenchModule {
  run(): Promise<Record<string, unknown>[]>;
}

const SUPPORT = new Set(['run-bench.js', 'bench-support.js']);

/** In a child: run one module and print its figures. */
async function runModule(file: string): Promise<void> {
  const mod = require(path.join(__dirname, file)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') return;
  for (const figure of await mod.run()) console.log(JSON.stringify({ bench: path.basename(file, '.js'), ...figure, node: process.version }));
}

function main(): void {
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && !SUPPORT.has(f))
    .filter((f) => !filter || f.includes(filter))
    .sort();
  let failed = false;
  for (const file of files) {
    const result = spawnSync(process.execPath, [__filename, '--module', file], { stdio: 'inherit' });
    if (result.status !== 0) {
      failed = true;
      console.error(`bench ${file} failed (exit ${result.status ?? result.signal})`);
    }
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[2] === '--module') {
  runModule(process.argv[3]).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error((err as Error).stack ?? err);
      process.exit(1);
    },
  );
} else {
  main();
}
