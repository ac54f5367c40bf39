// Dokku's keep-git-dir: the build folder of a release becomes a git work tree of the deployed
// revision (a `.git` holding its history, HEAD on the deploy branch, the index matching the files),
// for apps whose build reads git. The objects are copied as one pack, so a push's quarantined
// objects (readable only with the hook's variables) reach the new repo too.
import path from 'node:path';
import { Readable } from 'node:stream';
import { DeployFailed } from '../errors.js';
import { hostEnv } from '../os/host-env.js';
import { runChild, startChild } from '../os/spawn.js';

export interface GitDirRequest {
  repoDir: string;
  rev: string;
  branch: string;
  gitEnv: Record<string, string>;
  dest: string;
  signal: AbortSignal;
}

function gitEnvFor(gitDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...hostEnv(), GIT_DIR: gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', ...extra };
}

async function git(args: string[], env: Record<string, string>, signal: AbortSignal, stdin?: Readable): Promise<void> {
  const result = await runChild({ file: 'git', args, env, stdin, stdout: 'capture', stderr: 'capture', maxCaptureBytes: 64 * 1024, signal });
  if (result.startError || result.status !== 0) {
    throw new DeployFailed(`keep-git-dir: git ${args[0]} failed: ${result.stderr.trim().split('\n')[0] || result.startError?.message || `exit ${result.status}`}`);
  }
}

export async function addGitDir(request: GitDirRequest): Promise<void> {
  const gitDir = path.join(request.dest, '.git');
  const env = gitEnvFor(gitDir);
  // --template= : no hooks or config from a host-wide template reach the build.
  await git(['init', '--quiet', '--template=', `--initial-branch=${request.branch}`, request.dest], { ...hostEnv(), GIT_CONFIG_NOSYSTEM: '1' }, request.signal);
  const pack = startChild({
    file: 'git',
    args: ['pack-objects', '--stdout', '--revs', '--quiet'],
    env: gitEnvFor(request.repoDir, request.gitEnv),
    stdin: Readable.from([`${request.rev}\n`]),
    stdout: 'stream',
    stderr: 'capture',
    maxCaptureBytes: 64 * 1024,
    signal: request.signal,
  });
  try {
    await git(['index-pack', '--stdin'], env, request.signal, pack.stdout);
  } finally {
    const result = await pack.result;
    if (result.status !== 0) throw new DeployFailed(`keep-git-dir: cannot pack ${request.rev.slice(0, 7)}: ${result.stderr.trim().split('\n')[0]}`);
  }
  await git(['update-ref', `refs/heads/${request.branch}`, request.rev], env, request.signal);
  await git(['symbolic-ref', 'HEAD', `refs/heads/${request.branch}`], env, request.signal);
  // The index as the commit has it; the files are already there (extracted from the same tree).
  await git(['reset', '--quiet', '--mixed', request.rev], { ...env, GIT_WORK_TREE: request.dest }, request.signal);
}
