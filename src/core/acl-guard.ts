// Who may run what over SSH. Admin keys may do everything; other keys may run app commands on the
// apps they were granted (acl:add), plus help, version and a filtered apps:list. Checked before dispatch.
import { PassThrough, Writable } from 'node:stream';
import type { Services } from '../services.js';
import type { CommandIO, Identity, Invocation } from '../commands/types.js';
import type { RunContext } from '../plugins/host.js';
import { TriggerFailed } from '../plugins/host.js';
import { isValidAppName, type AppName } from '../names.js';
import { AccessDenied } from '../errors.js';

export interface AccessOptions {
  /** Where a user-auth-app plugin's stderr goes (the pusher's stderr, say); dropped when absent. */
  io?: CommandIO;
  signal?: AbortSignal;
}

/** Anyone with a key may run these. */
const OPEN_COMMANDS = new Set(['help', 'version']);
/** Never for a non-admin key, whatever the arguments. */
const ADMIN_ONLY = /^(acl|events|plugin|ssh-keys|trace)(:|$)/;
/** Arguments that turn an app command into a server-wide one. */
const WIDENING_ARGS = new Set(['--global', '--all']);
/** Boolean flags core commands accept before the app (config:set --no-restart APP …). */
const LEADING_CORE_FLAGS = new Set(['--no-restart', '--encoded', '--quoted', '--merged', '--shell', '--export', '--envfile', '--force']);

function discardIO(): CommandIO {
  const sink = () => new Writable({ write(_chunk, _encoding, callback) { callback(); } });
  const stdin = new PassThrough();
  stdin.end();
  return { stdin, stdout: sink(), stderr: sink(), tty: false };
}

/**
 * May this identity touch this app? Local callers (the host's operator) always may. A remote
 * non-admin key needs an acl:add grant on an existing app. Then every remote caller goes through
 * the `user-auth-app` trigger (SSH_USER SSH_NAME APP): a plugin exiting non-zero says no.
 * The git layer asks this before a push or a fetch.
 */
export async function mayAccessApp(services: Services, identity: Identity, app: string, options: AccessOptions = {}): Promise<boolean> {
  if (!isValidAppName(app)) return false;
  if (!identity.remote) return true;
  if (!identity.admin) {
    if (!(await services.store.apps.exists(app))) return false;
    if (!(await services.store.acl.allows(app, identity.keyName))) return false;
  }
  const ctx: RunContext = {
    identity,
    flags: { trace: false, quiet: false, force: false },
    trace: false,
    io: options.io ?? discardIO(),
    signal: options.signal ?? new AbortController().signal,
  };
  try {
    await services.plugins.trigger('user-auth-app', [identity.user, identity.keyName, app], ctx, { capture: true });
  } catch (error) {
    if (error instanceof TriggerFailed) return false;
    throw error;
  }
  return true;
}

/**
 * The app a command acts on: Dokku puts it first (`cmd APP …`, or `--app APP`, already moved
 * first by the router). Core commands may have boolean flags before it. Undefined: not an app command.
 */
export function commandApp(args: string[], core: boolean): AppName | undefined {
  let i = 0;
  if (core) while (i < args.length && LEADING_CORE_FLAGS.has(args[i])) i++;
  const candidate = args[i];
  return candidate !== undefined && isValidAppName(candidate) ? candidate : undefined;
}

async function listGrantedApps(services: Services, inv: Invocation): Promise<number> {
  if (!inv.flags.quiet) inv.io.stdout.write('=====> My Apps\n');
  for (const app of await services.store.apps.list()) {
    if (await services.store.acl.allows(app, inv.identity.keyName)) inv.io.stdout.write(`${app}\n`);
  }
  return 0;
}

/**
 * Runs before dispatch for remote callers. Throws AccessDenied to refuse; returns an exit code
 * when it answered the command itself (a non-admin's apps:list); undefined to let it run.
 */
export async function guardCommand(services: Services, inv: Invocation, core: boolean, ctx: RunContext): Promise<number | undefined> {
  const { identity, command, args } = inv;
  if (!identity.remote) return undefined;
  const app = commandApp(args, core);
  if (identity.admin) {
    if (app && (await services.store.apps.exists(app)) && !(await mayAccessApp(services, identity, app, { io: ctx.io, signal: ctx.signal }))) {
      throw new AccessDenied();
    }
    return undefined;
  }
  if (OPEN_COMMANDS.has(command) || command.endsWith(':help')) return undefined;
  if (command === 'apps:list' || command === 'apps') return listGrantedApps(services, inv);
  if (ADMIN_ONLY.test(command) || /global/.test(command) || args.some((a) => WIDENING_ARGS.has(a))) throw new AccessDenied();
  if (!app || !(await mayAccessApp(services, identity, app, { io: ctx.io, signal: ctx.signal }))) throw new AccessDenied();
  return undefined;
}
