// Splits an SSH exec line into argv with POSIX shell word rules (quotes, backslashes) and
// never hands it to a shell. shlex is a faithful port of Python's shlex in POSIX mode.
import { split } from 'shlex';
import { UsageError } from '../errors.js';
import type { GlobalFlags, ParsedArgs } from './types.js';

export const MAX_COMMAND_LINE = 64 * 1024;

export function splitCommandLine(line: string): string[] {
  if (line.length > MAX_COMMAND_LINE) throw new UsageError(`command line is too long (over ${MAX_COMMAND_LINE} bytes)`);
  if (line.includes('\0')) throw new UsageError('command line contains a NUL byte');
  try {
    return split(line);
  } catch (error) {
    throw new UsageError(`cannot parse command line: ${(error as Error).message}`);
  }
}

/** Dokku's global flags come before the command: --trace, --quiet, --force, --app APP. */
export function parseGlobalFlags(argv: string[]): { flags: GlobalFlags; rest: string[] } {
  const flags: GlobalFlags = { trace: false, quiet: false, force: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--trace') flags.trace = true;
    else if (arg === '--quiet') flags.quiet = true;
    else if (arg === '--force') flags.force = true;
    else if (arg === '--app') {
      if (i + 1 >= argv.length) throw new UsageError('--app requires an app name');
      flags.app = argv[++i];
    } else if (arg.startsWith('--app=')) flags.app = arg.slice(6);
    else break;
  }
  return { flags, rest: argv.slice(i) };
}

/** Options that may appear anywhere after the command: returns the flag set and the positionals. */
export function takeFlags(args: readonly string[], known: readonly string[]): ParsedArgs {
  const set = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') { positional.push(...args.slice(i + 1)); break; }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (known.includes(name) || known.includes(`${name}=`)) {
      if (known.includes(`${name}=`)) {
        if (eq > 0 && arg.startsWith('--')) values.set(name, arg.slice(eq + 1));
        else {
          if (i + 1 >= args.length) throw new UsageError(`${name} requires a value`);
          values.set(name, args[++i]);
        }
      } else set.add(name);
    } else positional.push(arg);
  }
  return { set, values, positional };
}

/**
 * Options only before the first other word (Dokku's `run`: what follows the app is the command's
 * own). Valued ones take `--name=value`, `-n=value` or the next word; each value is kept in order.
 */
export function takeLeadingFlags(args: readonly string[], known: readonly string[]): ParsedArgs {
  const set = new Set<string>();
  const values = new Map<string, string>();
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') { i++; break; }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('-') && eq > 0 ? arg.slice(0, eq) : arg;
    if (known.includes(`${name}=`)) {
      let value: string;
      if (eq > 0 && name !== arg) value = arg.slice(eq + 1);
      else {
        if (i + 1 >= args.length) throw new UsageError(`${name} requires a value`);
        value = args[++i];
      }
      values.set(name, value);
    } else if (known.includes(arg)) set.add(arg);
    else break;
  }
  return { set, values, positional: args.slice(i) };
}
