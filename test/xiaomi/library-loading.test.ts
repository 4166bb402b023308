// Finding and loading the vendor library (spec §1.1): the resolution order, the ELF check before
// dlopen, the IOTC-first global load order (the fake's AV library reproduces the trap), and the
// reference-counted initialisation (spec §1.4). The synthetic stream's reference bytes (spec §6).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkLibraryArchitecture, parseElfHeader } from '../../nodes/xiaomi/elf-header';
import { LIBDIR_ENV, resolveLibrary, searchOrder } from '../../nodes/xiaomi/library-location';
import { TutkLibrary, unpackVersion } from '../../nodes/xiaomi/tutk-binding';
import { fakeHooks, fakeTutk } from './fake-support';

const root = path.resolve(__dirname, '..', '..', '..');

/** Runs a snippet in a fresh Node process (a dlopen cannot be undone in this one). */
function inFreshProcess(code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-lib-'));
}

describe('TUTK library resolution', () => {
  it('searches the configured place, then the environment, then <userDir>/tutk/<arch>, then /usr/local/lib', () => {
    assert.deepEqual(searchOrder({ configured: '/opt/tutk', userDir: '/home/u/.node-red', env: { [LIBDIR_ENV]: '/env/tutk' }, arch: 'arm' }),
      ['/opt/tutk', '/env/tutk', '/home/u/.node-red/tutk/arm', '/usr/local/lib']);
    assert.deepEqual(searchOrder({ env: {}, arch: 'x64' }), ['/usr/local/lib']);
  });

  it('takes the first place that holds the pair or the combined library', () => {
    const files = new Set(['/env/tutk/libIOTCAPIs.so', '/env/tutk/libAVAPIs.so', '/u/tutk/x64/libIOTCAPIs_ALL.so', '/usr/local/lib/libIOTCAPIs_ALL.so']);
    const exists = (f: string) => files.has(f);
    assert.deepEqual(resolveLibrary({ env: { [LIBDIR_ENV]: '/env/tutk' }, userDir: '/u', arch: 'x64', exists }),
      { kind: 'pair', iotc: '/env/tutk/libIOTCAPIs.so', av: '/env/tutk/libAVAPIs.so' });
    assert.deepEqual(resolveLibrary({ env: {}, userDir: '/u', arch: 'x64', exists }), { kind: 'all', all: '/u/tutk/x64/libIOTCAPIs_ALL.so' });
    assert.deepEqual(resolveLibrary({ env: {}, arch: 'x64', exists }), { kind: 'all', all: '/usr/local/lib/libIOTCAPIs_ALL.so' });
  });

  it('accepts a configured file path for either library of the pair, or the combined one', () => {
    const files = new Set(['/opt/t/libIOTCAPIs.so', '/opt/t/libAVAPIs.so', '/x/libIOTCAPIs_ALL.so']);
    const exists = (f: string) => files.has(f);
    const pair = { kind: 'pair', iotc: '/opt/t/libIOTCAPIs.so', av: '/opt/t/libAVAPIs.so' };
    assert.deepEqual(resolveLibrary({ configured: '/opt/t/libAVAPIs.so', env: {}, exists }), pair);
    assert.deepEqual(resolveLibrary({ configured: '/opt/t/libIOTCAPIs.so', env: {}, exists }), pair);
    assert.deepEqual(resolveLibrary({ configured: '/opt/t', env: {}, exists }), pair);
    assert.deepEqual(resolveLibrary({ configured: '/x/libIOTCAPIs_ALL.so', env: {}, exists }), { kind: 'all', all: '/x/libIOTCAPIs_ALL.so' });
  });

  it('names every place it looked when nothing is there', () => {
    assert.throws(() => resolveLibrary({ configured: '/nowhere', userDir: '/u', env: {}, arch: 'arm', exists: () => false }),
      /no TUTK library found: put libIOTCAPIs\.so and libAVAPIs\.so \(or libIOTCAPIs_ALL\.so\) for arm in one of: \/nowhere, \/u\/tutk\/arm, \/usr\/local\/lib/);
  });
});

describe('ELF check before loading', () => {
  it('reads class and machine of the fake library as this process\'s', () => {
    const id = checkLibraryArchitecture(fakeTutk().all);
    assert.equal(id.bits, 64);
    assert.equal(id.littleEndian, true);
    if (process.arch === 'x64') assert.equal(id.machineName, 'x86-64');
  });

  it('rejects a 32-bit ARM library in a 64-bit ARM process with the reason and the fix', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'libIOTCAPIs_ALL.so');
    const bytes = fs.readFileSync(fakeTutk().all);
    bytes[4] = 1; // ELFCLASS32
    bytes.writeUInt16LE(40, 18); // EM_ARM
    fs.writeFileSync(file, bytes);
    assert.throws(() => checkLibraryArchitecture(file, 'arm64'), /is 32-bit ARM \(32-bit\), but this Node-RED runs arm64 .*no 64-bit ARM build/);
    assert.throws(() => checkLibraryArchitecture(file, 'x64'), /is 32-bit ARM \(32-bit\), but this Node-RED runs x64 \(64-bit x86-64\)\. Use the library built for 64-bit x86-64/);
    assert.throws(() => TutkLibrary.load({ kind: 'all', all: file }), /but this Node-RED runs/, 'the binding checks before dlopen');
  });

  it('rejects files that are not ELF at all, and unreadable ones', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'text.so'), 'not a library at all');
    fs.writeFileSync(path.join(dir, 'short.so'), Buffer.from([0x7f, 0x45]));
    assert.throws(() => checkLibraryArchitecture(path.join(dir, 'text.so')), /not an ELF shared library/);
    assert.throws(() => checkLibraryArchitecture(path.join(dir, 'short.so')), /too short/);
    assert.throws(() => checkLibraryArchitecture(path.join(dir, 'missing.so')), /cannot read the TUTK library/);
    assert.equal(typeof parseElfHeader(Buffer.alloc(64)), 'string');
  });
});

describe('load order of the split pair (fake library)', () => {
  const koffiPath = JSON.stringify(require.resolve('koffi'));

  it('fails to load AV alone, or after a non-global IOTC, on an undefined symbol', () => {
    const { iotc, av } = fakeTutk();
    const alone = inFreshProcess(`require(${koffiPath}).load(${JSON.stringify(av)})`);
    assert.notEqual(alone.status, 0);
    assert.match(alone.stderr, /undefined symbol: FakeTutk_/);
    const local = inFreshProcess(`const k = require(${koffiPath}); k.load(${JSON.stringify(iotc)}); k.load(${JSON.stringify(av)})`);
    assert.notEqual(local.status, 0);
    assert.match(local.stderr, /undefined symbol/);
  });

  it('loads IOTC globally first, then AV; and the combined library on its own', () => {
    const { iotc, av, all } = fakeTutk();
    const binding = JSON.stringify(path.join(root, 'dist/nodes/xiaomi/tutk-binding.js'));
    const pair = inFreshProcess(`const { TutkLibrary } = require(${binding}); const l = TutkLibrary.load({ kind: 'pair', iotc: ${JSON.stringify(iotc)}, av: ${JSON.stringify(av)} }); console.log(l.iotcVersion, l.avVersion)`);
    assert.equal(pair.stderr, '');
    assert.equal(pair.stdout.trim(), '2.1.3.0 2.1.3.0');
    const combined = inFreshProcess(`const { TutkLibrary } = require(${binding}); console.log(TutkLibrary.load({ kind: 'all', all: ${JSON.stringify(all)} }).avVersion)`);
    assert.equal(combined.stdout.trim(), '2.1.3.0');
  });

  it('explains the load-order trap when AV is given without IOTC', () => {
    const { av } = fakeTutk();
    const binding = JSON.stringify(path.join(root, 'dist/nodes/xiaomi/tutk-binding.js'));
    const r = inFreshProcess(`const { TutkLibrary } = require(${binding}); try { TutkLibrary.load({ kind: 'all', all: ${JSON.stringify(av)} }) } catch (e) { console.log(e.message) }`);
    assert.match(r.stdout, /cannot load the TUTK library .*libAVAPIs\.so: .*undefined symbol.*needs libIOTCAPIs\.so loaded first, globally/);
  });

  it('unpacks versions from the high byte down', () => {
    assert.equal(unpackVersion(0x010d0000), '1.13.0.0');
    assert.equal(unpackVersion(0x02010300), '2.1.3.0');
  });
});

describe('initialisation (fake library, this process)', () => {
  let lib: TutkLibrary;
  const hooks = () => fakeHooks(fakeTutk().all);

  before(() => {
    lib = TutkLibrary.load({ kind: 'all', all: fakeTutk().all });
  });
  after(() => lib.release());

  it('initialises once for any number of users and de-initialises after the last, AV before IOTC', () => {
    const h = hooks();
    h.reset();
    assert.equal(lib.acquire(4), 4);
    assert.equal(lib.acquire(4), 4);
    assert.equal(h.log().calls.IOTC_Initialize2, 1);
    assert.equal(h.log().calls.avInitialize, 1);
    lib.release();
    assert.equal(h.log().iotcInitialised, 1, 'one user left: still initialised');
    assert.equal(lib.initialised, true);
    lib.release();
    const log = h.log();
    assert.equal(log.teardown, 'avDeInitialize,IOTC_DeInitialize');
    assert.equal(log.iotcInitialised, 0);
    assert.throws(() => lib.acquire(1), /de-initialised in this process and cannot be used again/);
  });
});

describe('synthetic H.264 reference bytes (spec §6, 32×32)', () => {
  it('matches the spec\'s SPS, PPS, IDR start and P frame', async () => {
    const r = inFreshProcess(`
      const { TutkLibrary } = require(${JSON.stringify(path.join(root, 'dist/nodes/xiaomi/tutk-binding.js'))});
      const { TutkSession, DEFAULT_SESSION } = require(${JSON.stringify(path.join(root, 'dist/nodes/xiaomi/tutk-session.js'))});
      process.env.FAKE_TUTK_SCENARIO = 'width=32;height=32;fps=60';
      const lib = TutkLibrary.load({ kind: 'all', all: ${JSON.stringify(fakeTutk().all)} });
      lib.acquire(1);
      const frames = [];
      const s = new TutkSession(lib, { ...DEFAULT_SESSION, audio: false, uid: 'FAKEUID0000000000001', account: 'admin', password: '888888', startPayload: Buffer.from('{}') }, {
        phase() {}, session() {}, ready: () => true, drop() {}, firstFrame() {}, warning() {},
        frame(p) { frames.push(Buffer.from(p).toString('hex')); if (frames.length === 2) s.stop(); },
      });
      s.run().then(() => { lib.release(); console.log(JSON.stringify(frames)); });
    `);
    assert.equal(r.stderr, '');
    const [idr, p] = JSON.parse(r.stdout) as string[];
    assert.ok(idr.startsWith('000000016742c00ada2590' + '0000000168ce3c80' + '00000001658884a0'), idr.slice(0, 80));
    assert.equal(p, '00000001419a228b');
  });
});
