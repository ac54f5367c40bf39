// Core commands are written in TypeScript but look like plugins: each set has a name, a
// summary and help lines, so `help`, `NAME:help` and dispatch treat them like bash plugins.
// Each set (or command) also declares who may run it and which options it takes (src/access/).
import type { HelpLine, Invocation, ParsedArgs } from './types.js';
import type { Services } from '../services.js';
import type { RunContext } from '../plugins/host.js';
import type { AccessRule } from '../access/rules.js';
import { OPEN, pluginCommandRule } from '../access/rules.js';
import { takeFlags, takeLeadingFlags } from './argv.js';

export interface CoreCommand {
  name: string;
  /** Undefined for internal commands (config:set-norestart) that help does not list. */
  help?: HelpLine;
  /** Overrides the set's access rule. */
  access?: AccessRule;
  /**
   * The options it takes anywhere after the command, in takeFlags' form (`--force`, `--format=`
   * for one with a value); the router splits args by them once (inv.options) and finds the app.
   */
  options?: readonly string[];
  /** The options come only before the first positional (everything after it is left as given). */
  leadingOptions?: boolean;
  run(inv: Invocation, services: Services, ctx: RunContext): Promise<number | void>;
}

export interface CommandSet {
  plugin: string;
  summary: string;
  /** Who may run the set's commands, unless a command says otherwise. */
  access: AccessRule;
  commands: CoreCommand[];
}

/** args split by a command's declared options; a plugin's (no command) keeps every word positional. */
export function parseOptions(command: CoreCommand | undefined, args: readonly string[]): ParsedArgs {
  if (!command) return { set: new Set(), values: new Map(), positional: [...args] };
  return command.leadingOptions ? takeLeadingFlags(args, command.options ?? []) : takeFlags(args, command.options ?? []);
}

/** The same invocation for another core command (report runs every NAME:report). */
export function invocationOf(inv: Invocation, command: CoreCommand, args: string[]): Invocation {
  return { ...inv, command: command.name, args, options: parseOptions(command, args) };
}

export class Registry {
  private readonly byName = new Map<string, CoreCommand>();
  private readonly ruleByName = new Map<string, AccessRule>();
  readonly sets: CommandSet[] = [];

  add(set: CommandSet): void {
    this.sets.push(set);
    for (const command of set.commands) {
      if (this.byName.has(command.name)) throw new Error(`core command ${command.name} registered twice`);
      this.byName.set(command.name, command);
      this.ruleByName.set(command.name, command.access ?? set.access);
    }
  }

  find(name: string): CoreCommand | undefined {
    return this.byName.get(name);
  }

  /** Every set of one family (ps:* and ps:inspect live in two files), merged; undefined when none. */
  findSet(plugin: string): CommandSet | undefined {
    const sets = this.sets.filter((s) => s.plugin === plugin);
    if (sets.length === 0) return undefined;
    // For help: each command keeps its own rule in accessRule(); the merged set's is the first's.
    return { plugin, summary: sets.find((s) => s.summary)?.summary ?? '', access: sets[0].access, commands: sets.flatMap((s) => s.commands) };
  }

  /**
   * Who may run `name`: a core command's declared rule; `NAME:help` any key; a plugin command
   * acts on its first argument, admin-only when every core command of its namespace is.
   */
  accessRule(name: string): AccessRule {
    const declared = this.ruleByName.get(name);
    if (declared) return declared;
    if (name.endsWith(':help')) return OPEN;
    const namespace = name.split(':')[0];
    const family = [...this.ruleByName].filter(([n]) => n === namespace || n.startsWith(`${namespace}:`));
    return pluginCommandRule(family.length > 0 && family.every(([, rule]) => rule.who === 'admin'));
  }
}
