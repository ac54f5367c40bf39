// Who asked for a piece of work, and the signal that says they have gone. Made once where a request
// enters (SSH session, HTTP git, control socket, local CLI) and handed down unchanged: router →
// command → platform → plugin triggers. Work the server starts itself runs as SERVER_IDENTITY.

export interface Identity {
  /** SSH_USER: the login name (always the configured user for SSH; `root` locally). */
  user: string;
  /** SSH_NAME: the name the key was added under; `admin` for local runs. */
  keyName: string;
  fingerprint: string;
  admin: boolean;
  /** True when the command arrived over SSH (user-auth runs only then). */
  remote: boolean;
}

export interface RequestContext {
  readonly identity: Identity;
  /**
   * Aborted when the caller goes away (the SSH channel or HTTP request closed, the CLI interrupted)
   * or, for the server's own work, when the server stops. Work that is safe to abandon stops.
   */
  readonly signal: AbortSignal;
}

/**
 * The server's own work (restoring apps at start, the install trigger at start): nobody's key asked
 * for it. SSH_NAME `default` is what Dokku's dokku_auth (and our common/functions) use for no key.
 */
export const SERVER_IDENTITY: Identity = Object.freeze({ user: 'dokku', keyName: 'default', fingerprint: '', admin: true, remote: false });

/** The host's operator running the CLI (or a plugin calling `dokku`): SSH_USER/SSH_NAME it inherited, else root/admin. */
export function localIdentity(user?: string, keyName?: string): Identity {
  return { user: user || 'root', keyName: keyName || 'admin', fingerprint: '', admin: true, remote: false };
}

/** The caller's identity with a signal the caller cannot abort: for work that must not stop half-done once begun. */
export function uncancellable(request: RequestContext, signal: AbortSignal): RequestContext {
  return { identity: request.identity, signal };
}
