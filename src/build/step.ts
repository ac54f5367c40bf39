// Runs one build command (argv, no shell) in the build directory and streams its output to the
// pusher line by line as `       detail` lines; aborting the deploy stops the command's whole group.
import type { Out } from '../log.js';
import { prefix } from '../log.js';
import { DeployFailed } from '../errors.js';
import { runChild } from '../os/spawn.js';

export interface StepOptions {
  cwd: string;
  env: Record<string, string>;
  out: Out;
  signal: AbortSignal;
}

/** SIGTERM first; what is left of the step's group after this long is killed. */
const STOP_GRACE_MS = 5_000;

export async function runStep(file: string, args: string[], options: StepOptions): Promise<void> {
  const label = [file, ...args].join(' ');
  if (options.signal.aborted) throw new DeployFailed(`Build aborted before ${label}`);
  const lines = { lines: (line: string) => { if (!options.out.quiet) options.out.stdout.write(`${prefix.verbose}${line}\n`); } };
  const result = await runChild({
    file, args, cwd: options.cwd, env: options.env, stdout: lines, stderr: lines, signal: options.signal, termGraceMs: STOP_GRACE_MS,
  });
  if (result.startError) throw new DeployFailed(`Build step \`${label}\` could not start: ${result.startError.message}`, { cause: result.startError });
  if (result.aborted) throw new DeployFailed(`Build aborted during \`${label}\``);
  if (result.exitCode === 0) return;
  throw new DeployFailed(`Build step \`${label}\` failed (${result.signal ? `signal ${result.signal}` : `exit ${result.exitCode}`})`);
}
