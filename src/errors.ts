// Errors are values: each kind carries a stable code (error-codes.ts), a one-line user message and
// an exit code. reportError is the one place any thrown value becomes stderr text and an exit status.
import type { Writable } from 'node:stream';
import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export class SlipwayError extends Error {
  /** A second line shown after the message (CommandNotFound's pointer to `help`). */
  readonly hint?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends SlipwayError {
  constructor(message: string) { super('E_USAGE', message, 1); }
}

export class NotFoundError extends SlipwayError {
  constructor(code: ErrorCode, message: string) { super(code, message, 1); }
}

/** Dokku's verify_app_name (and its Go AppDoesNotExist) exits 20, not 1: scripts tell the two apart. */
export class AppNotFound extends SlipwayError {
  constructor(app: string) { super('E_APP_NOT_FOUND', `App ${app} does not exist`, 20); }
}

/** No app argument at all: Dokku's wording, exit 1. */
export class AppRequired extends SlipwayError {
  constructor() { super('E_APP_REQUIRED', 'Please specify an app to run the command on', 1); }
}

export class AccessDenied extends SlipwayError {
  constructor(message = 'Access denied') { super('E_ACCESS_DENIED', message, 1); }
}

export class ConflictError extends SlipwayError {
  constructor(code: ErrorCode, message: string) { super(code, message, 1); }
}

export class DeployFailed extends SlipwayError {
  constructor(message: string, options?: { cause?: unknown }) { super('E_DEPLOY_FAILED', message, 1, options); }
}

export class CommandNotFound extends SlipwayError {
  /** Dokku names the whole command line (`\`nosuch app\` is not a dokku command.`): pass its args too. */
  constructor(readonly command: string, args: readonly string[] = []) {
    // Shown bounded and printable: the words are untrusted input (newlines, 10 kB names).
    const clean = [command, ...args].join(' ').replace(/[^\x20-\x7e]/g, '?');
    super('E_COMMAND_NOT_FOUND', `\`${clean.length > 120 ? `${clean.slice(0, 120)}…` : clean}\` is not a dokku command.`, 1);
  }

  override readonly hint = 'See `dokku help` for a list of available commands.';
}

/** The one-line message a user sees for any thrown value. */
export function userMessage(error: unknown): string {
  if (error instanceof SlipwayError) return error.message;
  return 'internal error; see the server log for details';
}

/** Dokku's error line prefix (log.ts's prefix.warn; repeated here so errors.ts imports nothing of ours). */
const WARN = ' !     ';

/**
 * Turn any thrown value into what the user sees: a SlipwayError's message (and hint) as ` !     `
 * lines, nothing for an empty message, and for anything else one safe line to the user while
 * `logDetail` gets the stack for the server log. Returns the exit status to end with (never 0).
 */
export function reportError(error: unknown, stderr: Pick<Writable, 'write'>, logDetail: (stack: string) => void): number {
  if (error instanceof SlipwayError) {
    if (error.message) stderr.write(`${WARN}${error.message}\n`);
    if (error.hint) stderr.write(`${WARN}${error.hint}\n`);
    return error.exitCode || 1;
  }
  logDetail(error instanceof Error ? error.stack ?? error.message : String(error));
  stderr.write(`${WARN}${userMessage(error)}\n`);
  return 1;
}
