// Which command an argv asks for once Dokku's help spellings are resolved: `-v`/`--version` is
// `version`, `NAME --help`/`-h` is `NAME:help`, and a core family's bare name is its help.
import type { Registry } from './registry.js';

export function helpRequest(registry: Registry, rest: string[]): { command: string; args: string[] } {
  let command = rest[0] ?? 'help';
  let args = rest.slice(1);
  if (command === '-v' || command === '--version') return { command: 'version', args: [] };
  if (args[0] === '--help' || args[0] === '-h') return { command: `${command.split(':')[0]}:help`, args: [] };
  // `dokku ps`, `dokku git`: a family with no command of its own name prints its help (Dokku's
  // `apps`, `config`, `logs`, `run` are commands and stay so).
  if (!command.includes(':') && registry.find(command) === undefined && registry.findSet(command) !== undefined) {
    command = `${command}:help`;
    args = [];
  }
  return { command, args };
}
