// Parses a Procfile: `type: command` per line, comments and blank lines ignored. Type names are
// Heroku's (letters, digits, `_`, `-`); anything else is a build error, not a silent skip.
import { DeployFailed } from '../errors.js';
import { shown } from '../names.js';

const TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function parseProcfile(text: string): Record<string, string> {
  const types: Record<string, string> = {};
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const type = colon > 0 ? line.slice(0, colon).trim() : '';
    const command = line.slice(colon + 1).trim();
    if (!TYPE.test(type) || !command) throw new DeployFailed(`Procfile line ${n + 1} is not \`type: command\`: ${shown(line)}`);
    if (types[type] !== undefined) throw new DeployFailed(`Procfile defines ${type} twice`);
    types[type] = command;
  }
  return types;
}
