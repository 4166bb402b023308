// Builds the fake TUTK libraries (sim/xiaomi/fake-tutk/*.c, spec §6) with the machine's C
// compiler, for the tests, the benchmark and the demo. Nothing built is committed: the output goes
// to a cache directory keyed by the sources' hash, written atomically so parallel test files can
// share it. The vendor libraries themselves are never part of this repository.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface FakeTutkBuild {
  /** Directory holding the three libraries (usable as the camera's library directory). */
  dir: string;
  /** Fake libIOTCAPIs.so (owns the state and the FakeTutk_* hooks). */
  iotc: string;
  /** Fake libAVAPIs.so (needs IOTC loaded globally first). */
  av: string;
  /** Fake libIOTCAPIs_ALL.so (both in one). */
  all: string;
  /** A C program that reads the fake library directly: the benchmark's baseline. */
  benchReader: string;
}

export interface FakeTutkBuildOptions {
  /** Where to cache builds (default: <tmp>/p2pcam-fake-tutk). */
  cacheDir?: string;
  /** The compiler (default: $CC, else gcc). */
  cc?: string;
}

const LIB_SOURCES = ['fake-tutk.h', 'fake-iotc.c', 'fake-av.c', 'fake-stream.c'];
const BENCH_SOURCE = 'bench-reader.c';
const CFLAGS = ['-O2', '-fPIC', '-Wall', '-Wextra', '-std=c11', '-pthread'];

/** The C sources, found beside this file's source whether it runs from dist/ or from sim/. */
export function fakeTutkSourceDir(): string {
  const candidates = [
    path.join(__dirname, 'fake-tutk'),
    path.resolve(__dirname, '..', '..', '..', 'sim', 'xiaomi', 'fake-tutk'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'fake-iotc.c')));
  if (!found) throw new Error(`the fake TUTK C sources are not present (looked in ${candidates.join(', ')}); they live in the repository, not in the npm package`);
  return found;
}

function compilerMissing(cc: string): Error {
  return new Error(`${cc} is not installed, so the fake TUTK library cannot be built: install it with \`sudo apt-get install gcc\` (Debian/Ubuntu); \`.ci/run\` installs it`);
}

function run(cc: string, args: string[]): void {
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw compilerMissing(cc);
    throw new Error(`building the fake TUTK library failed: ${cc} ${args.join(' ')}\n${e.stderr?.toString() ?? e.message}`);
  }
}

/** Builds (or reuses) the fake libraries and returns their paths. Synchronous: tests and the demo call it once at start. */
export function buildFakeTutk(options: FakeTutkBuildOptions = {}): FakeTutkBuild {
  const cc = options.cc ?? process.env.CC ?? 'gcc';
  const src = fakeTutkSourceDir();
  const hash = createHash('sha1');
  for (const file of [...LIB_SOURCES, BENCH_SOURCE]) hash.update(file).update(fs.readFileSync(path.join(src, file)));
  hash.update(cc).update(CFLAGS.join(' ')).update(process.arch);
  const cacheDir = options.cacheDir ?? path.join(os.tmpdir(), 'p2pcam-fake-tutk');
  const dir = path.join(cacheDir, hash.digest('hex').slice(0, 16));
  const result: FakeTutkBuild = {
    dir,
    iotc: path.join(dir, 'libIOTCAPIs.so'),
    av: path.join(dir, 'libAVAPIs.so'),
    all: path.join(dir, 'libIOTCAPIs_ALL.so'),
    benchReader: path.join(dir, 'bench-reader'),
  };
  if (fs.existsSync(path.join(dir, '.complete'))) return result;

  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir, 'build-'));
  try {
    const c = (f: string) => path.join(src, f);
    run(cc, [...CFLAGS, '-shared', '-o', path.join(tmp, 'libIOTCAPIs.so'), c('fake-iotc.c')]);
    // Left with undefined FakeTutk_* symbols on purpose: the vendor's AV library also needs IOTC first.
    run(cc, [...CFLAGS, '-shared', '-o', path.join(tmp, 'libAVAPIs.so'), c('fake-av.c'), c('fake-stream.c')]);
    run(cc, [...CFLAGS, '-shared', '-o', path.join(tmp, 'libIOTCAPIs_ALL.so'), c('fake-iotc.c'), c('fake-av.c'), c('fake-stream.c')]);
    run(cc, [...CFLAGS.filter((f) => f !== '-fPIC'), '-o', path.join(tmp, 'bench-reader'), c(BENCH_SOURCE), '-ldl']);
    fs.writeFileSync(path.join(tmp, '.complete'), '');
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another process finished the same build first; its copy is identical.
      if (!fs.existsSync(path.join(dir, '.complete'))) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return result;
}
