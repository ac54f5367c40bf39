// An argv parsed once into the command it asks for: Dokku's global flags, the help spellings
// resolved, `--app APP` moved first, the core command (if any), its options split by what it
// declares, and its access rule. Every step of the router reads this; none parses argv again.
import type { GlobalFlags, ParsedArgs } from './types.js';
import type { AccessRule } from '../access/rules.js';
import { parseGlobalFlags } from './argv.js';
import { helpRequest } from './help-request.js';
import { parseOptions, type CoreCommand, type Registry } from './registry.js';

export interface ParsedCommand {
  flags: GlobalFlags;
  /** The command word and arguments as typed (`--app APP` moved first), before help spellings: what the events log records. */
  typed: { command: string; args: string[] };
  /** The command to run (`NAME --help` is `NAME:help`, `-v` is `version`). */
  command: string;
  /** Its arguments (`--app APP` moved first). */
  args: string[];
  /** The core command of that name; undefined for plugin commands. */
  core?: CoreCommand;
  /** args split by the core command's declared options; undefined when they do not parse (optionsError says why). */
  options?: ParsedArgs;
  optionsError?: unknown;
  rule: AccessRule;
}

/** `dokku --app APP cmd args` means `dokku cmd APP args`, as in Dokku. */
function withAppFlag(args: string[], flags: GlobalFlags): string[] {
  return flags.app !== undefined ? [flags.app, ...args] : args;
}

/** Throws UsageError when the global flags do not parse (`--app` without a name). */
export function parseCommand(registry: Registry, argv: readonly string[]): ParsedCommand {
  const { flags, rest } = parseGlobalFlags([...argv]);
  const typed = { command: rest[0] ?? 'help', args: withAppFlag(rest.slice(1), flags) };
  const asked = helpRequest(registry, rest);
  const args = withAppFlag(asked.args, flags);
  const core = registry.find(asked.command);
  // A usage error in the options is reported only after the access check (which then sees no app).
  let options: ParsedArgs | undefined;
  let optionsError: unknown;
  try { options = parseOptions(core, args); } catch (error) { optionsError = error; }
  return { flags, typed, command: asked.command, args, core, options, optionsError, rule: registry.accessRule(asked.command) };
}
