// Errors are values: each kind carries a stable code, a one-line user message and an exit code.
// Only the command runner turns them into stderr text and an exit status.

export class SlipwayError extends Error {
  constructor(
    readonly code: string,
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
  constructor(code: string, message: string) { super(code, message, 1); }
}

export class AppNotFound extends NotFoundError {
  constructor(app: string) { super('E_APP_NOT_FOUND', `App ${app} does not exist`); }
}

export class AccessDenied extends SlipwayError {
  constructor(message = 'Access denied') { super('E_ACCESS_DENIED', message, 1); }
}

export class ConflictError extends SlipwayError {
  constructor(code: string, message: string) { super(code, message, 1); }
}

export class DeployFailed extends SlipwayError {
  constructor(message: string, options?: { cause?: unknown }) { super('E_DEPLOY_FAILED', message, 1, options); }
}

export class CommandNotFound extends SlipwayError {
  constructor(readonly command: string) {
    // Shown bounded and printable: the name is untrusted input (newlines, 10 kB names).
    const clean = command.replace(/[^\x20-\x7e]/g, '?');
    super('E_COMMAND_NOT_FOUND', `\`${clean.length > 60 ? `${clean.slice(0, 60)}…` : clean}\` is not a dokku command.`, 1);
  }
}

/** A command that ran and chose its exit status (a plugin script, for example): nothing more to print. */
export class ExitStatus extends SlipwayError {
  constructor(exitCode: number) { super('E_EXIT', '', exitCode); }
}

/** The one-line message a user sees for any thrown value. */
export function userMessage(error: unknown): string {
  if (error instanceof SlipwayError) return error.message;
  return 'internal error; see the server log for details';
}
