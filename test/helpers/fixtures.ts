// Small fixtures for security and fault tests: throwaway plugins installed into a test
// server's data dir, marker files that prove nothing ran, process and memory probes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Installs an enabled plugin made of the given executable files (bash scripts). */
export function installPlugin(home: string, name: string, files: Record<string, string>): string {
  const dir = path.join(home, 'lib', 'plugins', 'available', name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), body, { mode: 0o755 });
  }
  const enabled = path.join(home, 'lib', 'plugins', 'enabled');
  fs.mkdirSync(enabled, { recursive: true });
  const link = path.join(enabled, name);
  if (!fs.existsSync(link)) fs.symlinkSync(dir, link);
  return dir;
}

/** A `commands` file answering exactly one command with `body`, exit 10 for anything else. */
export function commandPlugin(command: string, body: string): string {
  return `#!/usr/bin/env bash\ncase "$1" in\n  ${command})\n${body}\n    ;;\n  *) exit "$DOKKU_NOT_IMPLEMENTED_EXIT" ;;\nesac\n`;
}

/** A unique path in the temp dir that payloads try to create; tests assert it never appears. */
export function markerPath(label: string): string {
  return path.join(os.tmpdir(), `slipway-pwned-${label}-${randomBytes(4).toString('hex')}`);
}

/** Every path under root (relative, sorted, directories marked with a trailing slash). */
export function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out.push(`${relPath}/`);
        walk(path.join(dir, entry.name), relPath);
      } else out.push(relPath);
    }
  };
  walk(root, '');
  return out.sort();
}

/** Resident set size of a process in kB, from /proc (undefined when it is gone). */
export function rssKb(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** True while a process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Single-quotes a word for the server's POSIX-style exec-line splitter. */
export function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
