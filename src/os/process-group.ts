// Process groups: every child we start leads its own group (spawned detached), so signals reach
// the whole tree (sh → npm → node) and a request's plugin, git or app process leaves no descendant
// behind. Also reads a pid's kernel start time to recognise our own processes later.
import fs from 'node:fs';

/** Signal every process in the group; false when the group no longer exists. */
export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (!pgid) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true; // exists, but not ours to signal: treat as alive
    throw error;
  }
}

/**
 * Whether the group still has a running member. kill(-pgid, 0) also counts zombies, and a
 * member orphaned by its parent's death stays a zombie until init reaps it (slowly, in some
 * containers), so /proc is asked for members that are not zombies.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return true; // no /proc: trust kill(0)
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state, fields[2] the process group.
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** Resolves when the group is gone or timeoutMs passed (true when gone). */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 200);
  }
  return true;
}

/** SIGTERM the group, SIGKILL whatever is left after killAfterMs. */
export async function stopGroup(pgid: number, killAfterMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  if (await waitGroupGone(pgid, killAfterMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitGroupGone(pgid, 5_000);
}

/** Field 5 of /proc/PID/stat (process group); 0 when unknown. */
function groupOf(pid: number | 'self'): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) || 0;
  } catch {
    return 0; // exited while we looked
  }
}

/**
 * Groups (other than ours) with a live process started with NAME=VALUE in its environment:
 * finds app processes by the mark they were started with, even when no record of them was saved.
 */
export function groupsMarked(name: string, value: string): number[] {
  const mark = `${name}=${value}`;
  const own = groupOf('self');
  const groups = new Set<number>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return []; // no /proc: the pid records are all there is
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
    } catch {
      continue; // exited while we looked, or not ours to read
    }
    if (!environ.split('\0').includes(mark)) continue;
    const pgid = groupOf(Number(entry));
    if (pgid > 1 && pgid !== own && groupAlive(pgid)) groups.add(pgid);
  }
  return [...groups];
}

/**
 * Whether pid still runs the process that started at startTime (not a zombie, not a later
 * process that reused the pid). Without /proc, only kill(0) can tell.
 */
export function processAlive(pid: number, startTime: string): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    if (fs.existsSync('/proc/self/stat')) return false; // gone
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] !== 'Z' && fields[0] !== 'X' && (startTime === '' || fields[19] === startTime);
}

/** Field 22 of /proc/PID/stat (start time in clock ticks); '' when unknown. */
export function processStartTime(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** The live children of `pid` (from /proc; empty without it): how a reload's new nginx workers are seen. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return children;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') children.push(Number(entry));
    } catch {
      continue; // gone while reading
    }
  }
  return children;
}

/** The command name of a process (`nginx` for an nginx master), '' when it is gone. */
export function processName(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** A process's command line as it shows it (nginx retitles a worker `… is shutting down`), '' when gone. */
export function processTitle(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
