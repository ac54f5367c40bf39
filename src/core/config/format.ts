// Renders an environment in the formats `config:export` offers, byte for byte as Dokku prints
// them (its Go code: godotenv for envfile, columnize for pretty, encoding/json for json), except
// that `$` and backquote inside JSON strings are \u escapes so a shell that sources it runs nothing.
import { quoteShellValue, type EnvMap } from '../../store/env-file.js';
import { SlipwayError } from '../../errors.js';

export const EXPORT_FORMATS = ['docker-args', 'docker-args-keys', 'envfile', 'exports', 'json', 'json-list', 'pack-keys', 'pretty', 'shell'] as const;
export type ExportFormat = typeof EXPORT_FORMATS[number];

export function parseExportFormat(value: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new SlipwayError('E_USAGE', `Unknown export format: ${value.replace(/[^\x20-\x7e]/g, '?')}`, 1);
}

/** Byte order, as Go's sort.Strings. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// Go's strconv.Atoi: optional sign, decimal digits, within int64.
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
function goAtoi(value: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(value)) return undefined;
  const n = BigInt(value);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

// godotenv's doubleQuoteEscape: backslash, newline, CR, double quote, `!`, `$`, backquote.
function godotenvEscape(value: string): string {
  return value.replace(/[\\\n\r"!$`]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
}

/** godotenv.Marshal: integers (as Go's Atoi reads them) printed bare, the rest double-quoted; lines sorted. */
function envfile(env: EnvMap): string {
  const lines = [...env.entries()].map(([key, value]) => {
    const n = goAtoi(value);
    return n === undefined ? `${key}="${godotenvEscape(value)}"` : `${key}=${n}`;
  });
  return lines.sort(byteOrder).join('\n');
}

// Go's unicode.IsSpace, which strings.TrimSpace uses (JavaScript's trim() differs at U+0085 and U+FEFF).
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');
const goTrim = (s: string) => s.replace(GO_TRIM, '');
const runes = (s: string) => [...s].length;

/** columnize over `KEY:` and the value (both trimmed): the first column padded to the widest, two spaces. */
export function pretty(env: EnvMap): string {
  const rows = [...env.keys()].sort(byteOrder).map((key) => [goTrim(`${key}:`), goTrim(env.get(key) ?? '')] as const);
  const width = Math.max(0, ...rows.map(([label]) => runes(label)));
  return rows.map(([label, value]) => `${label}${' '.repeat(width - runes(label))}  ${value}`).join('\n');
}

/** Go's encoding/json string escaping on top of JSON.stringify's, plus the shell-inert `$` and backquote. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029$`]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function quotedPairs(env: EnvMap, keys: string[], prefix: string, separator: string): string {
  return keys.map((k) => `${prefix}${k}=${quoteShellValue(env.get(k) ?? '')}`).join(separator);
}

/** What `config:export --format FORMAT` writes: Dokku ends every format with a newline, `shell` with a space. */
export function formatEnv(env: EnvMap, format: ExportFormat): string {
  const keys = [...env.keys()].sort(byteOrder);
  switch (format) {
    case 'exports': return `${quotedPairs(env, keys, 'export ', '\n')}\n`;
    case 'envfile': return `${envfile(env)}\n`;
    case 'docker-args': return `${quotedPairs(env, keys, '--env=', ' ')}\n`;
    case 'docker-args-keys': return `${keys.map((k) => `--env=${k}`).join(' ')}\n`;
    case 'pack-keys': return `${keys.map((k) => `--env ${k}`).join(' ')}\n`;
    case 'shell': return `${quotedPairs(env, keys, '', ' ')} `;
    case 'pretty': return `${pretty(env)}\n`;
    case 'json': return `${goJson(Object.fromEntries(keys.map((k) => [k, env.get(k) ?? ''])))}\n`;
    // Go marshals the empty (nil) list as null.
    case 'json-list': return `${keys.length === 0 ? 'null' : goJson(keys.map((k) => ({ name: k, value: env.get(k) ?? '' })))}\n`;
  }
}
