// Arguments a forwarded command reads as paths on this machine are made absolute first: the
// server resolves relative paths against its own working folder, not the caller's.
import path from 'node:path';
import { parseGlobalFlags } from '../commands/argv.js';
import { UsageError } from '../errors.js';

/** `ssh-keys:add [--admin] NAME FILE`: FILE relative to the caller's folder. */
export function withAbsolutePaths(argv: string[], cwd: string): string[] {
  let split: ReturnType<typeof parseGlobalFlags>;
  try {
    split = parseGlobalFlags(argv);
  } catch (error) {
    if (error instanceof UsageError) return argv; // the server reports it
    throw error;
  }
  const { rest } = split;
  if (rest[0] !== 'ssh-keys:add') return argv;
  const head = argv.slice(0, argv.length - rest.length);
  let positional = 0;
  const args = rest.slice(1).map((arg) => {
    if (arg.startsWith('-')) return arg;
    positional++;
    return positional === 2 && !path.isAbsolute(arg) ? path.resolve(cwd, arg) : arg;
  });
  return [...head, rest[0], ...args];
}
