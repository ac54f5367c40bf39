// The two doors every remote request passes: a command (router) and a git verb (SSH or HTTP git).
// Each runs the user-auth trigger, then the rule decision, then the app check; refusal is AccessDenied.
import type { Services } from '../services.js';
import type { RunContext } from '../plugins/host.js';
import { TriggerFailed } from '../plugins/host.js';
import type { AppName } from '../names.js';
import { AccessDenied } from '../errors.js';
import type { ParsedArgs } from '../commands/types.js';
import { decide, isAdmin, type AccessRule } from './rules.js';
import { mayAccessApp } from './app-access.js';

/** One command as the router parsed it: global flags gone, `--app APP` already moved first. */
export interface CommandToAuthorize {
  command: string;
  args: readonly string[];
  parsed: ParsedArgs;
  rule: AccessRule;
}

/** user-auth: SSH_USER SSH_NAME CMD ARGS…; any plugin exiting non-zero denies. */
async function userAuth(services: Services, command: string, args: readonly string[], ctx: RunContext): Promise<void> {
  try {
    await services.plugins.fire('user-auth', { SSH_USER: ctx.identity.user, SSH_NAME: ctx.identity.keyName, DOKKU_COMMAND: command, ARGS: [...args] }, ctx, { capture: true });
  } catch (error) {
    if (error instanceof TriggerFailed) throw new AccessDenied();
    throw error;
  }
}

/** Admins pass an app that does not exist yet (the command says so); other keys never do. */
async function checkApp(services: Services, app: AppName, ctx: RunContext): Promise<void> {
  if (isAdmin(ctx.identity) && !(await services.store.apps.exists(app))) return;
  if (!(await mayAccessApp(services, ctx.identity, app, { io: ctx.io, signal: ctx.signal }))) throw new AccessDenied();
}

/** Throws AccessDenied unless ctx.identity may run this command. Local callers always may. */
export async function authorizeCommand(services: Services, cmd: CommandToAuthorize, ctx: RunContext): Promise<void> {
  if (!ctx.identity.remote) return;
  await userAuth(services, cmd.command, cmd.args, ctx);
  const decision = decide(ctx.identity, cmd.command, cmd.rule, cmd.parsed, cmd.args);
  if (decision.kind === 'deny') throw new AccessDenied();
  if (decision.kind === 'app') await checkApp(services, decision.app, ctx);
}

/**
 * user-auth (SSH_USER SSH_NAME git-VERB APP), then the app's rules. A key that may not use an app
 * is told "Access denied" whether or not the app exists; only admin keys create apps by pushing.
 */
export async function authorizeGit(services: Services, verb: string, app: AppName, ctx: RunContext): Promise<void> {
  if (!ctx.identity.remote) return;
  await userAuth(services, `git-${verb}`, [app], ctx);
  await checkApp(services, app, ctx);
}
