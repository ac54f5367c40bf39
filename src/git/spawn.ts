// Runs the real git binaries: argv array, a clean environment we build (never the client's),
// its own process group, streams piped with backpressure, the whole group killed on abort.
import { signalGroup } from '../os/process-group.js';
import { execa, type ResultPromise } from 'execa';
import type { Readable, Writable } from 'node:stream';

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
  const child: ResultPromise = execa('git', options.args, {
    env: options.env,
    extendEnv: false,
    cwd: options.cwd,
    detached: true,
    reject: false,
    stdin: options.stdin ? 'pipe' : 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    encoding: 'buffer',
  });
  let stdout = '';
  let stderr = '';
  const input = options.stdin;
  if (input && child.stdin) {
    input.pipe(child.stdin);
    child.stdin.on('error', () => { /* git closed its stdin early (it exited): not our error */ });
  }
  if (options.stdout === 'capture') child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  else if (child.stdout) child.stdout.pipe(options.stdout, { end: false });
  if (options.stderr === 'capture') child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  else if (child.stderr) child.stderr.pipe(options.stderr, { end: false });
  const timers: NodeJS.Timeout[] = [];
  const onAbort = () => {
    // EOF first, as sshd gives it: receive-pack then fails the pack and removes its quarantine
    // dir itself (on SIGTERM it leaves the dir behind). Then the whole group goes, whatever
    // it is doing (a hook mid-deploy included), so a dead client never moves a ref.
    if (input && child.stdin) { input.unpipe(child.stdin); child.stdin.end(); }
    // Nothing more goes to the client that left; git's output is read and dropped meanwhile.
    const { stdout: out, stderr: err } = options;
    if (child.stdout && out !== 'capture') { child.stdout.unpipe(out); child.stdout.resume(); }
    if (child.stderr && err !== 'capture') { child.stderr.unpipe(err); child.stderr.resume(); }
    timers.push(setTimeout(() => {
      signalGroup(child.pid, 'SIGTERM');
      timers.push(setTimeout(() => signalGroup(child.pid, 'SIGKILL'), TERM_GRACE_MS));
    }, EOF_GRACE_MS));
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await child;
    if (typeof result.exitCode === 'number') return { exitCode: result.exitCode, stdout, stderr };
    return { exitCode: 128 + (result.signal === 'SIGTERM' ? 15 : 9), stdout, stderr };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const timer of timers) clearTimeout(timer);
    if (input && child.stdin) input.unpipe(child.stdin);
    // Nothing git started (index-pack, the hook) may outlive an aborted request.
    if (options.signal?.aborted) signalGroup(child.pid, 'SIGKILL');
  }
}

/** Runs a short git command and returns its stdout; throws with git's stderr when it fails. */
export async function gitOutput(args: string[], env: Record<string, string> = baseGitEnv()): Promise<string> {
  const result = await runGit({ args, env, stdout: 'capture', stderr: 'capture' });
  if (result.exitCode !== 0) throw new Error(`git ${args[0]} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  return result.stdout;
}
