// Where the vendor's TUTK libraries are (spec §1.1). We do not ship them; the user places them.
// Order: the camera's configured location, then $XIAOMI_P2P_LIBDIR, then
// <userDir>/tutk/<arch>/, then /usr/local/lib. A location holds either the split pair
// (libIOTCAPIs.so + libAVAPIs.so) or one combined libIOTCAPIs_ALL.so.
import * as fs from 'fs';
import * as path from 'path';

export const IOTC_FILE = 'libIOTCAPIs.so';
export const AV_FILE = 'libAVAPIs.so';
export const ALL_FILE = 'libIOTCAPIs_ALL.so';
export const LIBDIR_ENV = 'XIAOMI_P2P_LIBDIR';

export type LibraryFiles = { kind: 'pair'; iotc: string; av: string } | { kind: 'all'; all: string };

export interface ResolveOptions {
  /** The camera's setting: a directory, or the path of one of the library files. */
  configured?: string;
  /** Node-RED's user directory (RED.settings.userDir). */
  userDir?: string;
  env?: NodeJS.ProcessEnv;
  arch?: string;
  exists?: (file: string) => boolean;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The directories to search, in order, with the reason each is there (for the error message). */
export function searchOrder(options: ResolveOptions): string[] {
  const env = options.env ?? process.env;
  const arch = options.arch ?? process.arch;
  const dirs: string[] = [];
  if (options.configured?.trim()) dirs.push(options.configured.trim());
  if (env[LIBDIR_ENV]?.trim()) dirs.push(env[LIBDIR_ENV]!.trim());
  if (options.userDir) dirs.push(path.join(options.userDir, 'tutk', arch));
  dirs.push('/usr/local/lib');
  return dirs;
}

function inDirectory(dir: string, exists: (f: string) => boolean): LibraryFiles | null {
  const all = path.join(dir, ALL_FILE);
  // One combined library is preferred: a single dlopen with no load-order trap.
  if (exists(all)) return { kind: 'all', all };
  const iotc = path.join(dir, IOTC_FILE);
  const av = path.join(dir, AV_FILE);
  if (exists(iotc) && exists(av)) return { kind: 'pair', iotc, av };
  return null;
}

/** A configured file path names the library directly: the combined one, or one of the pair. */
function fromFile(file: string, exists: (f: string) => boolean): LibraryFiles | null {
  const base = path.basename(file);
  if (/_ALL\b|_ALL\.so/.test(base)) return { kind: 'all', all: file };
  const dir = path.dirname(file);
  if (base.includes('AVAPIs')) return exists(path.join(dir, IOTC_FILE)) ? { kind: 'pair', iotc: path.join(dir, IOTC_FILE), av: file } : null;
  if (base.includes('IOTCAPIs')) return exists(path.join(dir, AV_FILE)) ? { kind: 'pair', iotc: file, av: path.join(dir, AV_FILE) } : null;
  return { kind: 'all', all: file };
}

/** Finds the libraries, or throws an error that lists every place searched and what to put there. */
export function resolveLibrary(options: ResolveOptions = {}): LibraryFiles {
  const exists = options.exists ?? isFile;
  const dirs = searchOrder(options);
  for (const [i, dir] of dirs.entries()) {
    if (i === 0 && options.configured?.trim() && exists(dir)) {
      const found = fromFile(dir, exists);
      if (found) return found;
      continue;
    }
    const found = inDirectory(dir, exists);
    if (found) return found;
  }
  throw new Error(
    `no TUTK library found: put ${IOTC_FILE} and ${AV_FILE} (or ${ALL_FILE}) for ${options.arch ?? process.arch} in one of: ${dirs.join(', ')}`,
  );
}
