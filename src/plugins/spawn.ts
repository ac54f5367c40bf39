// Runs one plugin executable: argv array (no shell), its own process group, streams piped
// with backpressure, and the whole group killed when the client goes away.
import { signalGroup } from '../os/process-group.js';
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

/**
 * Captured stdout (trigger answers, help) is held in memory, so it is bounded: a script that
 * prints more is killed with its group and reported as killed (exit 137, nothing captured), so
 * its caller treats it like any failed script (a help-less plugin, a failed trigger) instead of
 * the server growing without limit. The detail goes to the server log.
 */
export const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;


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
  const chunks: Buffer[] = [];
  let capturedBytes = 0;
  let overflow = false;
  const onAbort = () => {
    // The caller left: its streams get nothing more (the script's output is read and dropped,
    // so it never blocks on a full pipe while it is being stopped).
    const stdoutTarget = options.stdout;
    if (child.stdout && typeof stdoutTarget !== 'string') { child.stdout.unpipe(stdoutTarget); child.stdout.resume(); }
    if (child.stderr) { child.stderr.unpipe(options.stderr); child.stderr.resume(); }
    signalGroup(child.pid, 'SIGTERM');
    setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  if (options.stdin && child.stdin) {
    options.stdin.pipe(child.stdin);
    child.stdin.on('error', () => { /* the script closed its stdin early: not an error for us */ });
  }
  if (child.stdout) {
    if (options.stdout === 'capture') {
      child.stdout.on('data', (chunk: Buffer) => {
        if (overflow) return;
        capturedBytes += chunk.length;
        if (capturedBytes > MAX_CAPTURE_BYTES) {
          overflow = true;
          chunks.length = 0;
          signalGroup(child.pid, 'SIGKILL');
          return;
        }
        chunks.push(chunk);
      });
    }
    else if (options.stdout !== 'ignore') child.stdout.pipe(options.stdout, { end: false });
  }
  child.stderr?.pipe(options.stderr, { end: false });
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await child;
    if (overflow) {
      process.stderr.write(`slipway: ${file} printed more than ${MAX_CAPTURE_BYTES} bytes to a captured stdout; killed\n`);
      return { exitCode: 128 + 9, stdout: '' };
    }
    // Decoded once at the end: a multi-byte character may straddle two chunks.
    const captured = Buffer.concat(chunks).toString('utf8');
    if (result.exitCode !== undefined) return { exitCode: result.exitCode, stdout: captured };
    // Killed by a signal: report it the way a shell would.
    return { exitCode: 128 + (result.signal ? signalNumber(result.signal) : 9), stdout: captured };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (options.stdin && child.stdin) options.stdin.unpipe(child.stdin);
    // Descendants that outlived the script (backgrounded jobs) must not outlive the request.
    if (options.signal?.aborted) signalGroup(child.pid, 'SIGKILL');
  }
}

function signalNumber(signal: string): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
  return table[signal] ?? 9;
}
