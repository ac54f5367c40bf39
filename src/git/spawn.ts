// Runs the real git binaries through the one runner (src/os/spawn.ts): argv array, a clean
// environment we build (never the client's), its own process group, the whole group killed on abort.
import type { Readable, Writable } from 'node:stream';
import { runChild } from '../os/spawn.js';

export interface GitProcess {
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Piped into git's stdin (with backpressure); git's stdin is closed when absent. */
  stdin?: Readable;
  stdout: Writable | 'capture';
  stderr: Writable | 'capture';
  signal?: AbortSignal;
}

export interface GitResult { exitCode: number; stdout: string; stderr: string }

/** Host variables git may inherit; everything git-specific comes from us. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'LOGNAME'];
const EOF_GRACE_MS = 1000;
const TERM_GRACE_MS = 2000;

export function baseGitEnv(extra: Record<string, string> = {}, host: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = host[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  // No prompts, no pager, no system-wide config that could add hooks or helpers.
  Object.assign(env, { GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_CONFIG_NOSYSTEM: '1' });
  return { ...env, ...extra };
}

export async function runGit(options: GitProcess): Promise<GitResult> {
  // On abort: EOF first, as sshd gives it (receive-pack then fails the pack and removes its
  // quarantine dir itself; on SIGTERM it would leave the dir behind), then the whole group goes,
  // whatever it is doing (a hook mid-deploy included), so a dead client never moves a ref.
  const result = await runChild({
    file: 'git',
    args: options.args,
    env: options.env,
    cwd: options.cwd,
    stdin: options.stdin,
    stdout: options.stdout,
    stderr: options.stderr,
    signal: options.signal,
    eofGraceMs: EOF_GRACE_MS,
    termGraceMs: TERM_GRACE_MS,
  });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a short git command and returns its stdout; throws with git's stderr when it fails. */
export async function gitOutput(args: string[], env: Record<string, string> = baseGitEnv()): Promise<string> {
  const result = await runGit({ args, env, stdout: 'capture', stderr: 'capture' });
  if (result.exitCode !== 0) throw new Error(`git ${args[0]} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  return result.stdout;
}
