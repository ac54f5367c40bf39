// What the fault tests share: a git work tree pushing to a real `slipway serve` over the real
// OpenSSH client, a tiny web app that says which version it runs, and probes of the server's
// bare repo (refs, fsck, quarantine dirs) and of the processes it left running.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { gitClientEnv, type ClientKey, type RunResult, type TestServer } from '../helpers/server.js';

/** A web app that answers its version; it drops `web-VERSION-PID` in $PID_DIR when it starts. A
 *  version ending in `-slow` waits for $PID_DIR/GO before it listens (bounded: 60 s). */
export const APP_SERVER = `const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const version = fs.readFileSync('version.txt', 'utf8').trim();
const dir = process.env.PID_DIR;
if (dir) fs.writeFileSync(path.join(dir, 'web-' + version + '-' + process.pid), String(process.pid));
const listen = () => http.createServer((req, res) => res.end(version)).listen(Number(process.env.PORT), '127.0.0.1');
if (version.endsWith('-slow')) {
  let rounds = 0;
  const timer = setInterval(() => {
    if (fs.existsSync(path.join(dir, 'GO')) || ++rounds > 600) { clearInterval(timer); listen(); }
  }, 100);
} else listen();
process.on('SIGTERM', () => process.exit(0));
`;

export function appFiles(version: string): Record<string, string> {
  return { Procfile: 'web: node server.cjs\n', 'server.cjs': APP_SERVER, 'version.txt': `${version}\n` };
}

export class PushClient {
  private counter = 0;
  readonly env: Record<string, string>;

  constructor(readonly server: TestServer, readonly dir: string, key: ClientKey = server.admin) {
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home, { recursive: true });
    this.env = gitClientEnv(key, home);
  }

  url(app: string): string { return `ssh://dokku@127.0.0.1:${this.server.sshPort}/${app}`; }

  async git(args: string[], cwd = this.dir, env: Record<string, string> = this.env): Promise<RunResult> {
    const r = await execa('git', args, { cwd, env, extendEnv: false, reject: false, timeout: 170_000 });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  async mustGit(args: string[], cwd = this.dir): Promise<string> {
    const r = await this.git(args, cwd);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  }

  /** A fresh work tree (git init on main) holding files, committed; returns its commit. */
  async init(files: Record<string, string>): Promise<string> {
    fs.mkdirSync(this.dir, { recursive: true });
    await this.mustGit(['init', '-q', '-b', 'main']);
    return this.commit(files);
  }

  async commit(files: Record<string, string>, cwd = this.dir): Promise<string> {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(cwd, name)), { recursive: true });
      fs.writeFileSync(path.join(cwd, name), content);
    }
    await this.mustGit(['add', '-A'], cwd);
    await this.mustGit(['commit', '-q', '--allow-empty', '-m', `commit ${++this.counter}`], cwd);
    return this.mustGit(['rev-parse', 'HEAD'], cwd);
  }

  push(app: string, refspec = 'main', cwd = this.dir): Promise<RunResult> {
    return this.git(['push', this.url(app), refspec], cwd);
  }
}

export function repoDir(server: TestServer, app: string): string {
  return path.join(server.home, 'home', app);
}

/** The commit a ref of the server's bare repo points at, or '' when it is missing. */
export async function serverRev(server: TestServer, app: string, ref = 'refs/heads/main'): Promise<string> {
  const r = await execa('git', ['--git-dir', repoDir(server, app), 'rev-parse', '--verify', '--quiet', ref], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

export async function fsck(server: TestServer, app: string): Promise<{ code: number; output: string }> {
  const r = await execa('git', ['--git-dir', repoDir(server, app), 'fsck', '--no-progress', '--full', '--strict'], { reject: false, all: true });
  return { code: r.exitCode ?? -1, output: r.all ?? '' };
}

/** receive-pack's quarantine dirs (objects of a push in flight). */
export function quarantineDirs(server: TestServer, app: string): string[] {
  const objects = path.join(repoDir(server, app), 'objects');
  return fs.existsSync(objects) ? fs.readdirSync(objects).filter((n) => n.startsWith('tmp_objdir-incoming-') || n.startsWith('incoming-')) : [];
}

/** Processes (not zombies) whose working directory is inside dir: what an app release runs. */
export function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if ((cwd === dir || cwd.startsWith(`${dir}/`)) && state !== 'Z' && state !== 'X') pids.push(Number(entry));
    } catch {
      // The process exited while we looked.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Live `git receive-pack` processes working on repo. */
export function receivePacks(repo: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (args.includes('receive-pack') && args.includes(repo) && state !== 'Z' && state !== 'X') pids.push(Number(entry));
    } catch {
      // The process exited while we looked.
    }
  }
  return pids;
}

/** Pids the test app recorded in PID_DIR for a version (`web-VERSION-PID` files). */
export function recordedPids(pidDir: string, version: string): number[] {
  return fs.readdirSync(pidDir).filter((n) => n.startsWith(`web-${version}-`)).map((n) => Number(n.slice(`web-${version}-`.length)));
}

/** SIGKILL a pid if it still runs (cleanup of what a test provoked; never a broad kill). */
export function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: nothing to clean up.
  }
}
