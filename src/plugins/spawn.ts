// Runs one plugin executable: argv array (no shell), its own process group, streams piped
// with backpressure, and the whole group killed when the client goes away.
import { execa, type ResultPromise } from 'execa';
import type { Readable, Writable } from 'node:stream';

export interface SpawnOptions {
  env: Record<string, string>;
  stdout: Writable | 'capture' | 'ignore';
  stderr: Writable;
  stdin?: Readable;
  signal?: AbortSignal;
  cwd?: string;
  /**
   * Run under a parent shell whose command line contains `--all`: Dokku plugins decide
   * between short and full help with `ps -o command= $PPID | grep -- --all`.
   */
  helpAll?: boolean;
}

export interface SpawnResult { exitCode: number; stdout: string }

const KILL_GRACE_MS = 2000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone: nothing left to stop.
  }
}

export async function runExecutable(file: string, args: string[], options: SpawnOptions): Promise<SpawnResult> {
  const [cmd, cmdArgs] = options.helpAll
    ? ['/bin/sh', ['-c', '"$0" "$@"; exit $? # --all', file, ...args]]
    : [file, args];
  const child: ResultPromise = execa(cmd, cmdArgs, {
    env: options.env,
    extendEnv: false,
    cwd: options.cwd,
    detached: true,
    reject: false,
    stdin: options.stdin ? 'pipe' : 'ignore',
    stdout: options.stdout === 'ignore' ? 'ignore' : 'pipe',
    stderr: 'pipe',
    buffer: false,
    encoding: 'buffer',
  });
  let captured = '';
  const onAbort = () => {
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.stdin && child.stdin) {
    options.stdin.pipe(child.stdin);
    child.stdin.on('error', () => { /* the script closed its stdin early: not an error for us */ });
  }
  if (child.stdout) {
    if (options.stdout === 'capture') child.stdout.on('data', (chunk: Buffer) => { captured += chunk.toString('utf8'); });
    else if (options.stdout !== 'ignore') child.stdout.pipe(options.stdout, { end: false });
  }
  child.stderr?.pipe(options.stderr, { end: false });
  try {
    const result = await child;
    if (result.exitCode !== undefined) return { exitCode: result.exitCode, stdout: captured };
    // Killed by a signal: report it the way a shell would.
    return { exitCode: 128 + (result.signal ? signalNumber(result.signal) : 9), stdout: captured };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (options.stdin && child.stdin) options.stdin.unpipe(child.stdin);
    // Descendants that outlived the script (backgrounded jobs) must not outlive the request.
    if (options.signal?.aborted) killGroup(child.pid, 'SIGKILL');
  }
}

function signalNumber(signal: string): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
  return table[signal] ?? 9;
}
