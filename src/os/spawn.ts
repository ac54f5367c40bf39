// The one child-process runner: argv (no shell), an environment the caller built (never the
// server's own), its own process group, streams piped with backpressure, and on abort the caller's
// streams unpiped and the whole group stopped (EOF, SIGTERM, SIGKILL), never just the leader.
// Also the detached mode (startDetached) for children that outlive the server: an app process of
// the process scheduler, writing to its output file.
import os from 'node:os';
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { eachLine } from './lines.js';
import { signalGroup } from './process-group.js';

/**
 * Where one output stream of the child goes: piped into a Writable (never ended by us), captured
 * (decoded once at the end, so a character split across reads stays whole), split into lines,
 * left for the caller to read (`stream`, see Child.stdout), or ignored.
 */
export type ChildOutput = Writable | 'capture' | 'ignore' | 'stream' | { lines: (line: string) => void };

export interface ChildSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Piped into the child's stdin with backpressure; the child's stdin is closed when absent. */
  stdin?: Readable;
  stdout: ChildOutput;
  stderr: ChildOutput;
  /** Aborting stops the child's whole group; its output stops reaching the caller at once. */
  signal?: AbortSignal;
  /** After an abort, how long the child has after EOF on stdin before SIGTERM (default 0). */
  eofGraceMs?: number;
  /** After SIGTERM, how long until SIGKILL (default 2000). */
  termGraceMs?: number;
  /** Captured bytes held per stream; past it the group is killed and `overflow` set (default: no bound). */
  maxCaptureBytes?: number;
}

export interface ChildResult {
  /** As a shell reports it: the exit code, 128 + the signal's number, 127/126 when it could not start. */
  status: number;
  exitCode?: number;
  signal?: NodeJS.Signals;
  /** Why the child could not be started (ENOENT, EACCES, ENOEXEC). */
  startError?: Error;
  /** Captured output (empty unless that stream was 'capture', and after an overflow). */
  stdout: string;
  stderr: string;
  /** A captured stream passed maxCaptureBytes: the group was killed and nothing captured is kept. */
  overflow: boolean;
  /** The signal was aborted while the child ran. */
  aborted: boolean;
}

export interface Child {
  pid: number | undefined;
  /** The child's stdout / stderr when the spec asked for 'stream' (the caller must read it). */
  stdout: Readable | undefined;
  stderr: Readable | undefined;
  /** SIGKILL the whole group now (e.g. the caller stopped reading a 'stream' output). */
  kill(): void;
  result: Promise<ChildResult>;
}

const DEFAULT_TERM_GRACE_MS = 2000;

/** Starts the child; `result` settles (never rejects) once it exited and its streams closed. */
export function startChild(spec: ChildSpec): Child {
  const child: ResultPromise = execa(spec.file, spec.args, {
    // Debian's bash takes a socketpair stdin (libuv's pipes) for a network login and, as a top-level
    // shell (SHLVL < 2), sources the server user's ~/.bashrc (pyenv, nvm, banners...). Our children
    // are never top-level shells: SHLVL=1 makes bash count itself 2, as under Dokku's own bash.
    env: { SHLVL: '1', ...spec.env },
    extendEnv: false,
    cwd: spec.cwd,
    // Its own process group (pgid = pid): signals reach everything it started.
    detached: true,
    reject: false,
    stdin: spec.stdin ? 'pipe' : 'ignore',
    stdout: spec.stdout === 'ignore' ? 'ignore' : 'pipe',
    stderr: spec.stderr === 'ignore' ? 'ignore' : 'pipe',
    buffer: false,
    encoding: 'buffer',
  });
  const pid = child.pid;
  const max = spec.maxCaptureBytes ?? Infinity;
  let aborted = false;
  let overflow = false;
  const captured: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  const capturedBytes = { stdout: 0, stderr: 0 };

  const input = spec.stdin;
  if (input && child.stdin) {
    // The child may exit without reading its input: EPIPE there is not an error of ours.
    child.stdin.on('error', () => undefined);
    input.pipe(child.stdin);
  }

  const connect = (name: 'stdout' | 'stderr', from: Readable | null | undefined, to: ChildOutput): void => {
    if (!from || to === 'ignore' || to === 'stream') return;
    if (to === 'capture') {
      from.on('data', (chunk: Buffer) => {
        if (overflow) return;
        capturedBytes[name] += chunk.length;
        if (capturedBytes[name] > max) {
          overflow = true;
          captured.stdout.length = 0;
          captured.stderr.length = 0;
          signalGroup(pid, 'SIGKILL');
          return;
        }
        captured[name].push(chunk);
      });
    } else if ('lines' in to) {
      eachLine(from, (line) => { if (!aborted) to.lines(line); });
    } else {
      from.pipe(to, { end: false });
    }
  };
  connect('stdout', child.stdout, spec.stdout);
  connect('stderr', child.stderr, spec.stderr);

  const timers: NodeJS.Timeout[] = [];
  const onAbort = (): void => {
    aborted = true;
    // EOF first, as sshd gives it (git receive-pack then removes its quarantine dir itself).
    if (input && child.stdin) { input.unpipe(child.stdin); child.stdin.end(); }
    // Nothing more goes to a caller that left; the child's output is read and dropped meanwhile,
    // so it never blocks on a full pipe while it is being stopped.
    for (const [from, to] of [[child.stdout, spec.stdout], [child.stderr, spec.stderr]] as const) {
      if (from && typeof to === 'object' && !('lines' in to)) { from.unpipe(to); from.resume(); }
    }
    const term = (): void => {
      signalGroup(pid, 'SIGTERM');
      timers.push(setTimeout(() => signalGroup(pid, 'SIGKILL'), spec.termGraceMs ?? DEFAULT_TERM_GRACE_MS));
    };
    if (spec.eofGraceMs) timers.push(setTimeout(term, spec.eofGraceMs));
    else term();
  };
  if (spec.signal?.aborted) onAbort();
  else spec.signal?.addEventListener('abort', onAbort, { once: true });

  const result = (async (): Promise<ChildResult> => {
    try {
      const done = await child;
      const exitCode = typeof done.exitCode === 'number' ? done.exitCode : undefined;
      const signal = (done.signal ?? undefined) as NodeJS.Signals | undefined;
      const startError = exitCode === undefined && signal === undefined ? startFailure(done) : undefined;
      const status = exitCode ?? (signal ? 128 + (os.constants.signals[signal] ?? 9)
        : (startError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 127 : 126);
      return {
        status, exitCode, signal, startError, overflow, aborted,
        stdout: Buffer.concat(captured.stdout).toString('utf8'),
        stderr: Buffer.concat(captured.stderr).toString('utf8'),
      };
    } finally {
      spec.signal?.removeEventListener('abort', onAbort);
      for (const timer of timers) clearTimeout(timer);
      if (input && child.stdin) input.unpipe(child.stdin);
      // Descendants that outlived the leader (backgrounded jobs, a hook mid-deploy) must not
      // outlive an aborted request.
      if (aborted) signalGroup(pid, 'SIGKILL');
    }
  })();

  return {
    pid,
    stdout: spec.stdout === 'stream' ? child.stdout ?? undefined : undefined,
    stderr: spec.stderr === 'stream' ? child.stderr ?? undefined : undefined,
    kill: () => { signalGroup(pid, 'SIGKILL'); },
    result,
  };
}

/** Runs the child to its end. */
export function runChild(spec: ChildSpec): Promise<ChildResult> {
  return startChild(spec).result;
}

/** The error that kept the child from starting: node's own (`spawn git ENOENT`), with its code. */
function startFailure(done: { cause?: unknown; message?: string; code?: string }): Error {
  if (done.cause instanceof Error) return done.cause;
  return Object.assign(new Error(done.message ?? 'could not start'), { code: done.code });
}

/** A child that outlives the server: its output goes to a file descriptor the caller opened. */
export interface DetachedSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** stdout and stderr both (the child gets its own copy: the caller may close it once this returns). */
  outputFd: number;
  /** An error after the child started (a failed signal): the caller logs it. */
  onError?: (error: Error) => void;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it never started (ENOENT, EACCES); code and signal are then null. */
  startError?: Error;
}

export interface DetachedChild {
  /** Undefined when it could not be started (exited then says why). */
  pid: number | undefined;
  /** Settles once, when it exits or fails to start. */
  exited: Promise<ExitStatus>;
}

/**
 * Starts a child in its own session and group (setsid), stdin /dev/null, stdout and stderr on
 * outputFd, and no pipe or cleanup hook tying it to this process: the server's exit or stop never
 * reaches it, and a stop by group reaches all it started. Node's spawn directly rather than execa:
 * nothing is piped, captured or awaited as a command here; the process may well outlive us.
 */
export function startDetached(spec: DetachedSpec): DetachedChild {
  const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', spec.outputFd, spec.outputFd] });
  let done = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => { done = true; resolve({ code, signal }); });
    child.on('error', (error) => {
      // A failed spawn emits 'error' and never 'exit'.
      if (child.pid === undefined && !done) { done = true; resolve({ code: null, signal: null, startError: error }); }
      else spec.onError?.(error);
    });
  });
  return { pid: child.pid, exited };
}
