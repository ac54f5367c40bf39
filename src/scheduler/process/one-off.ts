// `run APP CMD…` for the process engine: one `sh -c` in the release directory with the app's env,
// in its own process group, stdin/stdout/stderr piped to the caller, killed if the caller leaves.
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { OneOffSpec, RunIO } from '../types.js';
import { hostEnv } from '../host-env.js';
import { stopGroup } from './groups.js';

let counter = 0;

export function runOneOff(spec: OneOffSpec, io: RunIO, signal: AbortSignal): Promise<number> {
  const dyno = `run.${++counter}`;
  const env = { ...hostEnv(), HOME: spec.release.dir, ...spec.env, DYNO: dyno, PS: dyno };
  const child = spawn('sh', ['-c', spec.command], {
    cwd: spec.release.dir, env, detached: true, stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const stdin = io.stdin;
  if (stdin && child.stdin) {
    // The command may exit without reading its input: EPIPE there is not an error of ours.
    child.stdin.on('error', () => undefined);
    stdin.pipe(child.stdin);
  }
  child.stdout!.pipe(io.stdout, { end: false });
  child.stderr!.pipe(io.stderr, { end: false });
  const onAbort = () => {
    if (child.pid !== undefined) void stopGroup(child.pid, 5_000);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return new Promise((resolve) => {
    let failed = false;
    child.once('error', (error) => {
      failed = true;
      io.stderr.write(` !     cannot run the command: ${error.message}\n`);
    });
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      if (stdin && child.stdin) stdin.unpipe(child.stdin);
      if (failed) resolve(1);
      else if (code !== null) resolve(code);
      else resolve(128 + (sig ? os.constants.signals[sig] ?? 0 : 0));
    });
  });
}
