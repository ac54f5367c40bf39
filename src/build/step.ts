// Runs one build command (argv, no shell) in the build directory and streams its output to the
// pusher line by line as `       detail` lines; aborting the deploy kills the command's group.
import { spawn } from 'node:child_process';
import type { Out } from '../log.js';
import { prefix } from '../log.js';
import { DeployFailed } from '../errors.js';
import { eachLine } from '../scheduler/process/lines.js';
import { stopGroup } from '../scheduler/process/groups.js';

export interface StepOptions {
  cwd: string;
  env: Record<string, string>;
  out: Out;
  signal: AbortSignal;
}

export function runStep(file: string, args: string[], options: StepOptions): Promise<void> {
  const label = [file, ...args].join(' ');
  if (options.signal.aborted) return Promise.reject(new DeployFailed(`Build aborted before ${label}`));
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const write = (line: string) => { if (!options.out.quiet) options.out.stdout.write(`${prefix.verbose}${line}\n`); };
  eachLine(child.stdout!, write);
  eachLine(child.stderr!, write);
  const onAbort = () => { if (child.pid !== undefined) void stopGroup(child.pid, 5_000); };
  options.signal.addEventListener('abort', onAbort, { once: true });
  return new Promise((resolve, reject) => {
    let spawnError: Error | undefined;
    child.once('error', (error) => { spawnError = error; });
    child.once('close', (code, signal) => {
      options.signal.removeEventListener('abort', onAbort);
      if (spawnError) reject(new DeployFailed(`Build step \`${label}\` could not start: ${spawnError.message}`, { cause: spawnError }));
      else if (options.signal.aborted) reject(new DeployFailed(`Build aborted during \`${label}\``));
      else if (code === 0) resolve();
      else reject(new DeployFailed(`Build step \`${label}\` failed (${signal ? `signal ${signal}` : `exit ${code}`})`));
    });
  });
}
