// Process probes for client-leaves tests: the live descendants of a process (the server's
// plugins, git and one-off commands) found through /proc, by a pattern on their command line.
import fs from 'node:fs';

interface Proc { pid: number; ppid: number; state: string; cmdline: string }

function snapshot(): Proc[] {
  const procs: Proc[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      procs.push({ pid: Number(entry), ppid: Number(rest[1]), state: rest[0], cmdline });
    } catch (error) {
      // The process exited while we looked.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  return procs;
}

/** Live (not zombie) descendants of root whose command line matches pattern. */
export function descendants(root: number, pattern: RegExp): number[] {
  const procs = snapshot();
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const p = queue.shift()!;
    if (p.state !== 'Z' && p.state !== 'X' && pattern.test(p.cmdline)) found.push(p.pid);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return found;
}
