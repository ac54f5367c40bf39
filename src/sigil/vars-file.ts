// sigil's `-V/--vars-file FILE`: template variables from a file, read by its extension as sigil
// 0.12 does: `.json` an object, `.yaml`/`.yml` a mapping (keys made strings all the way down), any
// other a dotenv file with godotenv 1.5's rules (export prefix, `=` or `:`, quotes, `${VAR}` of
// earlier keys, ` #` comments after unquoted values).
import fs from 'node:fs';
import path from 'node:path';
import { parseYaml, plainCopy } from './yaml.js';
import { TemplateError, type Value } from './values.js';

const SPACE = new Set(['\t', '\v', '\f', '\r', ' ', '\u0085', '\u00a0']);

function jsonValue(v: unknown): Value {
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v as Value;
}

/** godotenv's ${VAR} / $VAR expansion from the keys read so far (`\$` left as `$`). */
function expand(value: string, vars: Map<string, string>): string {
  // godotenv meant to leave `$(` alone too, but tests the wrong group: `$(x)` stays only because no name follows.
  return value.replace(/(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/g, (all: string, esc?: string, _d?: string, _paren?: string, name?: string) => {
    if (esc === '\\') return all.slice(1);
    if (name) return vars.get(name) ?? '';
    return all;
  });
}

function unescape(value: string): string {
  const out = value.replace(/\\./g, (m) => (m === '\\n' ? '\n' : m === '\\r' ? '\r' : m));
  return out.replace(/\\([^$])/g, '$1');
}

/** godotenv.Parse: KEY=value lines into strings. */
export function parseDotenv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  let rest = text.replace(/\r\n/g, '\n');
  for (;;) {
    // The next statement: skip blank space and comment lines.
    const start = rest.search(/\S/);
    if (start < 0) break;
    rest = rest.slice(start);
    if (rest.startsWith('#')) {
      const nl = rest.indexOf('\n');
      if (nl < 0) break;
      rest = rest.slice(nl);
      continue;
    }
    let src = rest.replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    if (src.startsWith('export') && SPACE.has(src[6] ?? '')) src = src.slice(6).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    let key = '';
    let offset = 0;
    for (let i = 0; i < src.length; i++) {
      const c = src[i];
      if (SPACE.has(c)) continue;
      if (c === '=' || c === ':') { key = src.slice(0, i); offset = i + 1; break; }
      if (c === '_' || /[\p{L}\p{N}.]/u.test(c)) continue;
      throw new TemplateError(`unexpected character ${JSON.stringify(c)} in variable name near ${JSON.stringify(src)}`);
    }
    key = key.replace(/\s+$/, '');
    src = src.slice(offset).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    let value: string;
    const quote = src[0];
    if (quote === '"' || quote === "'") {
      let end = -1;
      for (let i = 1; i < src.length; i++) if (src[i] === quote && src[i - 1] !== '\\') { end = i; break; }
      if (end < 0) throw new TemplateError(`unterminated quoted value ${src.split('\n')[0]}`);
      value = src.slice(0, end).replace(new RegExp(`^${quote}+|${quote}+$`, 'g'), '');
      if (quote === '"') value = expand(unescape(value), vars);
      rest = src.slice(end + 1);
    } else {
      const eol = src.search(/[\n\r]/);
      let line = eol < 0 ? src : src.slice(0, eol);
      const chars = [...line];
      for (let i = chars.length - 1; i > 0; i--) {
        if (chars[i] === '#' && SPACE.has(chars[i - 1])) { line = chars.slice(0, i).join(''); break; }
      }
      value = expand(line.replace(/^[\t\v\f\r \u0085\u00a0]+|[\t\v\f\r \u0085\u00a0]+$/g, ''), vars);
      rest = eol < 0 ? '' : src.slice(eol);
    }
    vars.set(key, value);
  }
  return vars;
}

/** sigil.ParseVarsFile: the file's variables, or a one-line error naming the file. */
export function readVarsFile(file: string): Map<string, Value> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new TemplateError(`failed to read vars file ${file}: open ${file}: ${why}`);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new TemplateError(`failed to parse JSON vars file ${file}: ${(error as Error).message}`);
    }
    if (parsed === null) return new Map();
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      const kind = Array.isArray(parsed) ? 'array' : typeof parsed === 'string' ? 'string' : typeof parsed === 'boolean' ? 'bool' : 'number';
      throw new TemplateError(`failed to parse JSON vars file ${file}: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
    }
    return jsonValue(parsed) as Map<string, Value>;
  }
  if (ext === '.yaml' || ext === '.yml') {
    let parsed: Value;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      throw new TemplateError(`failed to parse YAML vars file ${file}: ${(error as Error).message}`);
    }
    if (parsed === null || parsed === undefined) return new Map();
    if (!(parsed instanceof Map)) throw new TemplateError(`YAML vars file ${file} must contain a mapping at top level`);
    return plainCopy(parsed) as Map<string, Value>;
  }
  return new Map(parseDotenv(text));
}
