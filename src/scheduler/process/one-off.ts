// `run APP CMD…` for the process engine: one `sh -c` in the release directory with the app's env,
// in its own process group, stdin/stdout/stderr piped to the caller, its group stopped if the caller
// leaves (and by the next server if this one dies first: it carries the server's mark).
import type { OneOffSpec, RunIO } from '../types.js';
import { hostEnv } from '../../os/host-env.js';
import { runChild } from '../../os/spawn.js';

/** SIGTERM first; what is left of the command's group after this long is killed. */
const STOP_GRACE_MS = 5_000;

let counter = 0;

/** `enter`: argv as given (no shell), in `cwd` with exactly `env`; stopped when the caller leaves. */
export async function runCommand(argv: readonly string[], cwd: string, env: Record<string, string>, io: RunIO, signal: AbortSignal): Promise<number> {
  const [file, ...args] = argv;
  const result = await runChild({ file, args, cwd, env, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, signal, termGraceMs: STOP_GRACE_MS });
  if (result.startError) {
    io.stderr.write(` !     cannot run ${file}: ${result.startError.message}\n`);
    return 127;
  }
  return result.status;
}

/** mark: added to the command's environment, so a next server finds it if this one dies first. */
export async function runOneOff(spec: OneOffSpec, io: RunIO, signal: AbortSignal, mark: Record<string, string> = {}): Promise<number> {
  const dyno = spec.dyno ?? `run.${++counter}`;
  const env = { ...hostEnv(), HOME: spec.release.dir, ...spec.env, DYNO: dyno, PS: dyno, ...mark };
  const result = await runChild({
    file: 'sh', args: ['-c', spec.command], cwd: spec.release.dir, env,
    stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, signal, termGraceMs: STOP_GRACE_MS,
  });
  if (result.startError) {
    io.stderr.write(` !     cannot run the command: ${result.startError.message}\n`);
    return 1;
  }
  return result.status;
}
