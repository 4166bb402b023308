// Other processes as Linux's /proc shows them: which children a process has, what they run, and
// how much CPU one has used. For leak tests (no child process left) and benchmarks (CPU of the
// camera processes).
import * as fs from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** /proc/<pid>/stat: the command name, and the fields after it (the name may hold spaces); null once gone. */
function readStat(pid: number): { command: string; fields: string[] } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return { command: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
  } catch {
    return null;
  }
}

/** A process's command name (at most 15 characters, as the kernel keeps it), or null when it is gone. */
export function commandOf(pid: number): string | null {
  return readStat(pid)?.command ?? null;
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  const stat = readStat(pid);
  return stat ? (Number(stat.fields[11]) + Number(stat.fields[12])) / CLOCK_TICKS_PER_SECOND : 0;
}

/** The processes whose parent is `pid` (zombies included: a child not yet reaped is still a leak). */
export function childProcessesOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => Number(readStat(p)?.fields[1]) === pid);
}

/** Whether a process still exists (as far as signals can tell). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
