// What config:import reads: dotenv lines (KEY=VALUE, `export`, quotes, comments) or a JSON object
// of strings. Values are data (no `$VAR` expansion); anything unreadable is refused with its line.
import { UsageError } from '../../errors.js';
import { parseConfigKey, shown, type ConfigKey } from '../../names.js';

export type ImportFormat = 'envfile' | 'json';

export function parseImportFormat(value: string): ImportFormat {
  if (value === 'envfile' || value === 'json') return value;
  throw new UsageError(`Unknown format: ${shown(value)} (envfile or json)`);
}

export function parseImport(text: string, format: ImportFormat): Map<ConfigKey, string> {
  return format === 'json' ? parseJson(text) : parseDotenv(text);
}

function parseJson(text: string): Map<ConfigKey, string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Invalid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError('Invalid JSON: expected an object of "KEY": "value" pairs');
  const env = new Map<ConfigKey, string>();
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') throw new UsageError(`Invalid JSON: the value of ${shown(key)} is not a string`);
    env.set(parseConfigKey(key), value);
  }
  return env;
}

const KEY = /^(?:export[ \t]+)?([^=\s]+)[ \t]*=[ \t]*/;
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/** dotenv as godotenv (Dokku's reader) takes it; a later line for the same key wins. */
function parseDotenv(text: string): Map<ConfigKey, string> {
  const env = new Map<ConfigKey, string>();
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/^[ \t]+/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = KEY.exec(line);
    if (!match) throw new UsageError(`line ${lineNo}: expected KEY=VALUE`);
    const key = parseConfigKey(match[1]);
    let rest = line.slice(match[0].length);
    let value: string;
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      // A quoted value may span lines, up to its closing quote.
      let body = rest.slice(1);
      let closing = findClosing(body, quote);
      while (closing === -1 && i + 1 < lines.length) {
        i++;
        body += `\n${lines[i]}`;
        closing = findClosing(body, quote);
      }
      if (closing === -1) throw new UsageError(`line ${lineNo}: the value of ${key} has no closing ${quote}`);
      const raw = body.slice(0, closing);
      value = quote === "'" ? raw : raw.replace(/\\(.)/gs, (all: string, c: string) => DOUBLE_QUOTED_ESCAPES[c] ?? all);
      rest = body.slice(closing + 1).trim();
      if (rest !== '' && !rest.startsWith('#')) throw new UsageError(`line ${i + 1}: unexpected text after the quoted value of ${key}`);
    } else {
      // Unquoted: up to a ` #` comment, surrounding blanks trimmed.
      const comment = rest.search(/[ \t]#/);
      value = (comment === -1 ? rest : rest.slice(0, comment)).trim();
    }
    env.set(key, value);
  }
  return env;
}

/** Index of the closing quote in body (a backslash escapes a double quote), or -1. */
function findClosing(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (quote === '"' && body[i] === '\\') { i++; continue; }
    if (body[i] === quote) return i;
  }
  return -1;
}
