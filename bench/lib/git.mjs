// Git helpers for the push, concurrency and deploy workloads: repos of incompressible files,
// timed pushes and clones, and the probe that tells whether this build has a git transport.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './common.mjs';
import { gitSshCommand } from './slipway.mjs';

const IDENTITY = ['-c', 'user.name=bench', '-c', 'user.email=bench@127.0.0.1', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

export async function git(args, opts = {}) {
  const r = await run('git', [...IDENTITY, ...args], { timeoutMs: 600_000, ...opts });
  if (r.code !== 0 && !opts.allowFail) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr.trim().slice(-2000)}`);
  return r;
}

/** A repo of `totalMB` of random (incompressible) data in `commits` commits, files of ≤ 5 MB. */
export async function makeDataRepo(dir, { totalMB = 100, commits = 4, fileMB = 5 } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  await git(['init', '-q', dir]);
  const perCommit = totalMB / commits;
  let n = 0;
  for (let c = 0; c < commits; c++) {
    for (let left = perCommit; left > 0; left -= fileMB) {
      const size = Math.min(fileMB, left) * 1024 * 1024;
      const fd = fs.openSync(path.join(dir, `blob-${String(n++).padStart(3, '0')}.bin`), 'w');
      for (let off = 0; off < size; off += 1 << 20) fs.writeSync(fd, crypto.randomBytes(Math.min(1 << 20, size - off)));
      fs.closeSync(fd);
    }
    await git(['-C', dir, 'add', '-A']);
    await git(['-C', dir, 'commit', '-q', '-m', `data ${c + 1}`]);
  }
  return dir;
}

/** A small repo from a { path: content } map, one commit. */
export async function makeAppRepo(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  await git(['init', '-q', dir]);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  await git(['-C', dir, 'add', '-A']);
  await git(['-C', dir, 'commit', '-q', '-m', 'app']);
  return dir;
}

export function sshEnv(key) {
  return { ...process.env, GIT_SSH_COMMAND: gitSshCommand(key), GIT_TERMINAL_PROMPT: '0' };
}

export function slipwayUrl(server, app) {
  return `ssh://dokku@127.0.0.1:${server.sshPort}/${app}`;
}

/** `git push URL main:BRANCH` from repoDir; resolves the timed run result. */
export function push(repoDir, url, { branch = 'main', env = process.env, force = false } = {}) {
  return git(['-C', repoDir, 'push', '-q', ...(force ? ['-f'] : []), url, `main:refs/heads/${branch}`], { env, allowFail: true });
}

/**
 * Whether this build serves git over SSH: an `ls-remote` of an existing (empty) app. Resolves
 * { available: true } or { available: false, reason }.
 */
export async function probeGit(server, app = 'gitprobe') {
  await server.createApp(app);
  const r = await git(['ls-remote', slipwayUrl(server, app)], { env: sshEnv(server.admin), allowFail: true, timeoutMs: 60_000 });
  if (r.code === 0) return { available: true };
  if (/not available/i.test(r.stderr)) return { available: false, reason: 'git transport not available in this build' };
  return { available: false, reason: `git ls-remote over SSH failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}` };
}
