// Reads the first 20 bytes of a shared library and tells, before dlopen, whether this Node
// process can load it. dlopen's own message for a 32-bit library in a 64-bit process ("wrong ELF
// class: ELFCLASS32") is what users of the 2014 SDK on a 64-bit Raspberry Pi OS run into (there
// is no aarch64 build): we say it in words, with the fix.
import * as fs from 'fs';

export interface ElfIdentity {
  bits: 32 | 64;
  littleEndian: boolean;
  machine: number;
  machineName: string;
}

const MACHINES: Record<number, string> = {
  3: 'x86 (i386)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC 64',
  40: 'ARM (32-bit)',
  62: 'x86-64',
  183: 'AArch64 (ARM 64-bit)',
  243: 'RISC-V',
};

/** The ELF machine and class a Node process of each `process.arch` can load. */
const ARCH: Record<string, { machine: number; bits: 32 | 64 }> = {
  x64: { machine: 62, bits: 64 },
  ia32: { machine: 3, bits: 32 },
  arm: { machine: 40, bits: 32 },
  arm64: { machine: 183, bits: 64 },
  riscv64: { machine: 243, bits: 64 },
  ppc64: { machine: 21, bits: 64 },
};

/** Parses an ELF identification; returns an explanation string for a file that is not ELF. */
export function parseElfHeader(head: Buffer): ElfIdentity | string {
  if (head.length < 20) return 'the file is too short to be a shared library';
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return 'the file is not an ELF shared library';
  const elfClass = head[4];
  if (elfClass !== 1 && elfClass !== 2) return `the file has an unknown ELF class ${elfClass}`;
  const data = head[5];
  if (data !== 1 && data !== 2) return `the file has an unknown ELF byte order ${data}`;
  const littleEndian = data === 1;
  const machine = littleEndian ? head.readUInt16LE(18) : head.readUInt16BE(18);
  return { bits: elfClass === 1 ? 32 : 64, littleEndian, machine, machineName: MACHINES[machine] ?? `machine ${machine}` };
}

function describe(id: ElfIdentity): string {
  return `${id.bits}-bit ${id.machineName}`;
}

/**
 * Throws a user-facing error when `file` cannot be loaded by a process of `arch` (default: this
 * one). Unknown architectures are let through to dlopen, which has the last word.
 */
export function checkLibraryArchitecture(file: string, arch: string = process.arch): ElfIdentity {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(20);
      head = head.subarray(0, fs.readSync(fd, head, 0, 20, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new Error(`cannot read the TUTK library ${file}: ${(err as Error).message}`);
  }
  const id = parseElfHeader(head);
  if (typeof id === 'string') throw new Error(`${file}: ${id}`);
  const want = ARCH[arch];
  if (want && (id.machine !== want.machine || id.bits !== want.bits || !id.littleEndian)) {
    const hint = arch === 'arm64' && id.machine === 40
      ? ' The TUTK SDK has no 64-bit ARM build: run Node-RED on a 32-bit (armhf) OS, or use a newer SDK built for aarch64.'
      : ` Use the library built for ${describe({ ...want, littleEndian: true, machineName: MACHINES[want.machine] })}.`;
    throw new Error(`the TUTK library ${file} is ${describe(id)}, but this Node-RED runs ${arch} (${describe({ ...want, littleEndian: true, machineName: MACHINES[want.machine] })}).${hint}`);
  }
  return id;
}
