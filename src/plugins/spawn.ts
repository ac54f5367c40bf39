// Runs one plugin executable through the one runner (src/os/spawn.ts): argv array (the script is
// never parsed by a shell), Dokku's dokkurc sourced first, its own process group, streams piped with
// backpressure, the whole group killed when the client leaves.
import type { Readable, Writable } from 'node:stream';
import { runChild } from '../os/spawn.js';

export interface SpawnOptions {
  env: Record<string, string>;
  stdout: Writable | 'capture' | 'ignore';
  /** Captured stderr (bounded like stdout) is for a one-line reason when the script fails. */
  stderr: Writable | 'capture';
  stdin?: Readable;
  signal?: AbortSignal;
  cwd?: string;
  /**
   * Run under a parent shell whose command line contains `--all`: Dokku plugins decide
   * between short and full help with `ps -o command= $PPID | grep -- --all`.
   */
  helpAll?: boolean;
  /** Stop the script's whole group after this long (help, report); the result says `timedOut`. */
  timeoutMs?: number;
}

export interface SpawnResult {
  exitCode: number;
  stdout: string;
  /** Captured stderr (empty unless asked for). */
  stderr: string;
  /** Stopped because it ran past `timeoutMs`. */
  timedOut: boolean;
}

const KILL_GRACE_MS = 2000;

/**
 * Captured stdout (trigger answers, help) is held in memory, so it is bounded: a script that
 * prints more is killed with its group and reported as killed (exit 137, nothing captured), so
 * its caller treats it like any failed script (a help-less plugin, a failed trigger) instead of
 * the server growing without limit. The detail goes to the server log.
 */
export const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;

/**
 * Dokku's dokkurc: `$DOKKU_ROOT/dokkurc`, then each `$DOKKU_ROOT/.dokkurc/*`, sourced by bash before
 * the script runs (what they export reaches it; an unreadable one fails the run, as in Dokku). The
 * script is exec'd, so it keeps the pid, the process group and every stream; with `--all` (full
 * help) bash stays as its parent so `ps -o command= $PPID` shows the flag.
 */
const DOKKURC_PRELUDE = `__slipway_file="$0"; __slipway_args=("$@")
shopt -s nullglob
for __slipway_rc in "$DOKKU_ROOT/dokkurc" "$DOKKU_ROOT"/.dokkurc/*; do
  [[ -n "$DOKKU_ROOT" && -f "$__slipway_rc" ]] || continue
  [[ -r "$__slipway_rc" ]] || { echo "Unable to read $__slipway_rc for sourcing" 1>&2; exit 1; }
  source "$__slipway_rc"
done
shopt -u nullglob
unset __slipway_rc
`;

const BASH = '/bin/bash';

export async function runExecutable(file: string, args: string[], options: SpawnOptions): Promise<SpawnResult> {
  const tail = options.helpAll
    ? '"$__slipway_file" "${__slipway_args[@]}"; exit $? # --all'
    : 'exec "$__slipway_file" "${__slipway_args[@]}"';
  const [cmd, cmdArgs] = [BASH, ['-c', DOKKURC_PRELUDE + tail, file, ...args]];
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const result = await runChild({
    file: cmd,
    args: cmdArgs,
    env: options.env,
    cwd: options.cwd,
    stdin: options.stdin,
    stdout: options.stdout,
    stderr: options.stderr,
    signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
    termGraceMs: KILL_GRACE_MS,
    maxCaptureBytes: MAX_CAPTURE_BYTES,
  });
  if (result.overflow) {
    process.stderr.write(`slipway: ${file} printed more than ${MAX_CAPTURE_BYTES} bytes to a captured stdout; killed\n`);
    return { exitCode: 128 + 9, stdout: '', stderr: '', timedOut: false };
  }
  const timedOut = result.aborted && timeout?.aborted === true && options.signal?.aborted !== true;
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr, timedOut };
}
