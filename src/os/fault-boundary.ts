// The last line of defence of `slipway serve`: each client session runs in its own async context,
// so an error nobody caught is pinned on the session it came from, which alone is ended.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface SessionBoundary {
  /** Who, for the server log: `ssh admin@127.0.0.1 "logs app -t"`, `git-http admin POST …`. */
  label: string;
  /** Ends this session only: tells the client (when it is still there) and stops its work. */
  fail(error: unknown): void;
}

const current = new AsyncLocalStorage<SessionBoundary>();

/** Runs fn, and everything it starts (callbacks, timers, child-process streams), inside boundary. */
export function withinSession<T>(boundary: SessionBoundary, fn: () => T): T {
  return current.run(boundary, fn);
}

/** Errors a client stream raises when its client went away; never a reason to stop serving. */
const CLIENT_STREAM_CODES = new Set([
  'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_PREMATURE_CLOSE', 'EPIPE', 'ECONNRESET',
]);

export function isClientStreamError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CLIENT_STREAM_CODES.has(code);
}

export type Verdict = 'session-ended' | 'client-stream' | 'fatal';

/**
 * What to do with an error nothing caught: inside a session, end that session and keep serving;
 * outside any session, a client stream error (EPIPE, write after end, …) is logged and ignored;
 * anything else may have left the server in an unknown state, so it is logged and fatal.
 */
export function judge(error: unknown, origin: string, log: (line: string) => void): Verdict {
  const text = error instanceof Error ? error.stack ?? error.message : String(error);
  const boundary = current.getStore();
  if (boundary) {
    log(`${origin} in session ${boundary.label} (session ended, server still serving): ${text}`);
    try {
      boundary.fail(error);
    } catch (failure) {
      log(`could not end session ${boundary.label}: ${failure instanceof Error ? failure.stack : String(failure)}`);
    }
    return 'session-ended';
  }
  if (isClientStreamError(error)) {
    log(`${origin} on a client stream (the client left; server still serving): ${text}`);
    return 'client-stream';
  }
  log(`${origin} outside any client session; exiting: ${text}`);
  return 'fatal';
}

/**
 * Installs process-wide 'uncaughtException' and 'unhandledRejection' handlers that apply judge();
 * a fatal verdict exits with status 1, as Node itself would. Returns the uninstaller.
 */
export function installLastResortGuard(log: (line: string) => void, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onException = (error: unknown) => { if (judge(error, 'uncaught exception', log) === 'fatal') exit(1); };
  const onRejection = (reason: unknown) => { if (judge(reason, 'unhandled rejection', log) === 'fatal') exit(1); };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
