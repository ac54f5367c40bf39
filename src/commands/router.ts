// Turns one argv into one command run: the argv is parsed once (parse.ts) and the run goes through
// an ordered list of steps wired here: audit → report errors → context (trace) → access → execute
// (core command, a family's help, plugins). The only place that turns errors into stderr text and
// an exit code.
import type { CommandIO, GlobalFlags, Identity, Invocation } from './types.js';
import { parseOptions, type Registry } from './registry.js';
import type { Services } from '../services.js';
import type { RunContext } from '../plugins/host.js';
import { parseCommand, type ParsedCommand } from './parse.js';
import { CommandNotFound, reportError } from '../errors.js';
import { setHelp } from '../core/help/commands.js';
import { authorizeCommand } from '../access/index.js';
import { commandEvent } from '../core/events/audit.js';

export interface Request {
  argv: string[];
  identity: Identity;
  io: CommandIO;
  signal: AbortSignal;
}

/** One run as the steps see it: the request, its parsed command (or why it did not parse), the context built on the way. */
interface Run {
  readonly request: Request;
  readonly parsed?: ParsedCommand;
  readonly parseError?: unknown;
  ctx?: RunContext;
}

/** A step does its part and calls next() for the rest, or answers with an exit code itself. */
type Step = (run: Run, next: () => Promise<number>) => Promise<number>;

async function traceEnabled(services: Services, flags: GlobalFlags): Promise<boolean> {
  if (flags.trace) return true;
  return services.store.trace.isOn();
}

export class Router {
  /** The order every command runs in. */
  private readonly steps: Step[] = [
    (run, next) => this.audit(run, next),
    (run, next) => this.reportErrors(run, next),
    (run, next) => this.context(run, next),
    (run, next) => this.authorize(run, next),
    (run) => this.execute(run),
  ];

  constructor(private readonly registry: Registry, private readonly services: Services) {}

  async run(request: Request): Promise<number> {
    let run: Run;
    try {
      run = { request, parsed: parseCommand(this.registry, request.argv) };
    } catch (error) {
      run = { request, parseError: error };
    }
    const at = (index: number): Promise<number> => this.steps[index](run, () => at(index + 1));
    return at(0);
  }

  /** The events log: who ran what (as typed), on which app, with which exit code. */
  private async audit(run: Run, next: () => Promise<number>): Promise<number> {
    // Unparseable global flags: log what was asked; the next step reports the error.
    const typed = run.parsed?.typed ?? { command: run.request.argv[0] ?? 'help', args: [] };
    const event = await commandEvent(this.services, typed, run.request.identity);
    const code = await next();
    await event.finish(code);
    return code;
  }

  private async reportErrors(run: Run, next: () => Promise<number>): Promise<number> {
    try {
      return await next();
    } catch (error) {
      // Unexpected errors: full detail to the server log, one safe line to the user.
      return reportError(error, run.request.io.stderr, (stack) => process.stderr.write(`slipway: unexpected error: ${stack}\n`));
    }
  }

  /** The run's context: the request, its global flags, and whether tracing is on (--trace or trace:on). */
  private async context(run: Run, next: () => Promise<number>): Promise<number> {
    const parsed = this.parsedOf(run);
    const { identity, io, signal } = run.request;
    run.ctx = { identity, flags: parsed.flags, trace: await traceEnabled(this.services, parsed.flags), io, signal };
    return next();
  }

  /** The one access check: user-auth, the command's declared rule, the app's grants. */
  private async authorize(run: Run, next: () => Promise<number>): Promise<number> {
    const parsed = this.parsedOf(run);
    await authorizeCommand(this.services, { command: parsed.command, args: parsed.args, parsed: parsed.options ?? parseOptions(undefined, []), rule: parsed.rule }, this.ctxOf(run));
    return next();
  }

  private async execute(run: Run): Promise<number> {
    const parsed = this.parsedOf(run);
    const ctx = this.ctxOf(run);
    const { command, args, options, core } = parsed;
    if (!options) throw parsed.optionsError;
    const invocation: Invocation = { ...ctx, command, args, options };
    if (core) {
      const code = await core.run(invocation, this.services, ctx);
      return typeof code === 'number' ? code : 0;
    }
    const helpOf = command.endsWith(':help') ? this.registry.findSet(command.slice(0, -5)) : undefined;
    if (helpOf) {
      setHelp(invocation, helpOf);
      return 0;
    }
    const code = await this.services.plugins.dispatch([command, ...args], ctx);
    if (code !== undefined) return code;
    // A plugin family's bare name that no plugin answers: its help, as Dokku's plugins print.
    const help = command.includes(':') ? undefined : await this.services.plugins.dispatch([`${command}:help`], ctx);
    if (help === undefined) throw new CommandNotFound(command, args);
    return help;
  }

  private parsedOf(run: Run): ParsedCommand {
    if (!run.parsed) throw run.parseError;
    return run.parsed;
  }

  private ctxOf(run: Run): RunContext {
    if (!run.ctx) throw new Error('router: a step ran before the context step');
    return run.ctx;
  }
}
