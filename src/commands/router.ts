// Turns one argv into one command run: global flags, tracing, the user-auth trigger, core
// commands, then plugins. The only place that turns errors into stderr text and an exit code.
import type { CommandIO, GlobalFlags, Identity, Invocation } from './types.js';
import type { Registry } from './registry.js';
import type { Services } from '../services.js';
import type { RunContext } from '../plugins/host.js';
import { TriggerFailed } from '../plugins/host.js';
import { parseGlobalFlags } from './argv.js';
import { AccessDenied, CommandNotFound, SlipwayError, userMessage } from '../errors.js';
import { GLOBAL } from '../store/index.js';
import { prefix } from '../log.js';
import { setHelp } from '../core/help.js';
import { guardCommand } from '../core/acl-guard.js';
import { commandEvent } from '../core/events.js';

export interface Request {
  argv: string[];
  identity: Identity;
  io: CommandIO;
  signal: AbortSignal;
}

async function traceEnabled(services: Services, flags: GlobalFlags): Promise<boolean> {
  if (flags.trace) return true;
  return (await services.store.properties.get('trace', GLOBAL, 'enabled')) === 'true';
}

/** `dokku --app APP cmd args` means `dokku cmd APP args`, as in Dokku. */
function applyAppFlag(args: string[], flags: GlobalFlags): string[] {
  return flags.app !== undefined ? [flags.app, ...args] : args;
}

export class Router {
  constructor(private readonly registry: Registry, private readonly services: Services) {}

  async run(request: Request): Promise<number> {
    const event = await commandEvent(this.services, request.argv, request.identity);
    let code: number;
    try {
      code = await this.dispatch(request);
    } catch (error) {
      code = this.fail(error, request.io);
    }
    await event.finish(code);
    return code;
  }

  private fail(error: unknown, io: CommandIO): number {
    if (error instanceof SlipwayError) {
      if (error.message) io.stderr.write(`${prefix.warn}${error.message}\n`);
      if (error instanceof CommandNotFound) io.stderr.write(`${prefix.warn}See \`dokku help\` for a list of available commands.\n`);
      return error.exitCode;
    }
    // Unexpected: full detail to the server log, one safe line to the user.
    process.stderr.write(`slipway: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    io.stderr.write(`${prefix.warn}${userMessage(error)}\n`);
    return 1;
  }

  private async dispatch(request: Request): Promise<number> {
    const { flags, rest } = parseGlobalFlags(request.argv);
    const trace = await traceEnabled(this.services, flags);
    let command = rest[0] ?? 'help';
    let args = rest.slice(1);
    if (args[0] === '--help' || args[0] === '-h') {
      command = `${command.split(':')[0]}:help`;
      args = [];
    }
    const ctx: RunContext = { identity: request.identity, flags, trace, io: request.io, signal: request.signal };
    if (request.identity.remote) await this.authorize(command, args, ctx);

    const core = this.registry.find(command);
    const finalArgs = applyAppFlag(args, flags);
    const invocation: Invocation = { command, args: finalArgs, flags, identity: request.identity, io: request.io, signal: request.signal };
    if (request.identity.remote) {
      // Access control (acl:*) for SSH keys: refuse before anything runs, or answer (filtered apps:list).
      const answered = await guardCommand(this.services, invocation, core !== undefined, ctx);
      if (answered !== undefined) return answered;
    }
    if (core) {
      const code = await core.run(invocation, this.services, ctx);
      return typeof code === 'number' ? code : 0;
    }
    const helpOf = command.endsWith(':help') ? this.registry.findSet(command.slice(0, -5)) : undefined;
    if (helpOf) {
      setHelp(invocation, helpOf);
      return 0;
    }
    const code = await this.services.plugins.dispatch([command, ...finalArgs], ctx);
    if (code === undefined) throw new CommandNotFound(command);
    return code;
  }

  /** user-auth: SSH_USER SSH_NAME CMD ARGS…; any plugin exiting non-zero denies the command. */
  private async authorize(command: string, args: string[], ctx: RunContext): Promise<void> {
    try {
      await this.services.plugins.trigger('user-auth', [ctx.identity.user, ctx.identity.keyName, command, ...args], ctx, { capture: true });
    } catch (error) {
      if (error instanceof TriggerFailed) throw new AccessDenied();
      throw error;
    }
  }
}
