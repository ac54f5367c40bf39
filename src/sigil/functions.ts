// The functions a sigil template can call: Go text/template's builtins (and, or, not, len, index,
// slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery) and sigil's own
// (split, join, default, replace, trim, lower, upper, …), with sigil's argument order (the piped
// value last). sh and httpget are refused: Slipway runs no shell or network from a template.
import fs from 'node:fs';
import path from 'node:path';
import { sprintf } from './format.js';
import { search } from './jmespath.js';
import { isYamlMap, parseYaml, toYaml } from './yaml.js';
import {
  asInt, asList, asString, equal, less, NamedReader, sprint, stringish, TemplateError, truth, typeName, type Value,
} from './values.js';

/** What a function may use beyond its arguments. */
export interface FunctionContext {
  /** Folders searched for relative file names after the working folder (the template's own first). */
  paths: string[];
  /** The variables passed on the command line, as sigil also puts them in the environment. */
  env: Record<string, string | undefined>;
  stdin(): string;
  /** Renders a template text with variables (include, render). */
  render(text: string, vars: Map<string, Value>, name: string, dir?: string): string;
}

export interface TemplateFunction {
  /** Fewest and most arguments, the piped value included. */
  arity: [number, number];
  /** and/or: arguments are evaluated only as far as needed. */
  lazy?: boolean;
  call(args: Value[], ctx: FunctionContext, thunks?: (() => Value)[]): Value;
}

const fn = (min: number, max: number, call: TemplateFunction['call']): TemplateFunction => ({ arity: [min, max], call });

/** sigil's `read`: a stream's text, or a file found on the template path. */
function lookPath(file: string, ctx: FunctionContext): string {
  if (file.startsWith('/')) {
    if (fs.existsSync(file)) return file;
  } else {
    for (const dir of [process.cwd(), ...ctx.paths]) {
      const full = path.join(dir, file);
      if (fs.existsSync(full)) return full;
    }
  }
  throw new TemplateError(`Not found in path: ${file} [${ctx.paths.join(' ')}]`);
}

function read(v: Value, ctx: FunctionContext): string {
  if (v instanceof NamedReader) return v.text;
  if (typeof v !== 'string') throw new TemplateError('file must be stream or path string');
  return fs.readFileSync(lookPath(v, ctx), 'utf8');
}

function str(v: Value, name: string): string {
  const s = stringish(v);
  if (s === undefined) throw new TemplateError(`${name} must be given a string`);
  return s;
}

/** Go's strings.Title: the first letter of each word upper-cased. */
function title(s: string): string {
  let prev = ' ';
  return [...s].map((c) => {
    const out = /[\p{L}\p{Nd}_]/u.test(prev) ? c : c.toUpperCase();
    prev = c;
    return out;
  }).join('');
}

/** Go's path.Match as a RegExp: `*` and `?` never match `/`; `[…]` classes with `^` negation. */
function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') re += `\\${pattern[++i] ?? ''}`;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new TemplateError('syntax error in pattern');
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `(?!/)[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function jsonToValue(v: unknown): Value {
  if (Array.isArray(v)) return v.map(jsonToValue);
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, jsonToValue(x)]));
  return v as Value;
}

/** Go's json.Marshal: sorted map keys, HTML characters escaped. */
function toJson(v: Value): string {
  const esc = (s: string) => JSON.stringify(s).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return esc(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v instanceof Map) return `{${[...v.keys()].sort().map((k) => `${esc(k)}:${toJson(v.get(k))}`).join(',')}}`;
  return esc(v.text);
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' }[c] as string));
}

function jsEscape(s: string): string {
  return [...s].map((c) => {
    const code = c.codePointAt(0) as number;
    if (c === '\\' || c === "'" || c === '"') return `\\${c}`;
    if (c === '<' || c === '>' || c === '&' || c === '=') return `\\u00${code.toString(16).toUpperCase()}`;
    if (code < 0x20) return `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return c;
  }).join('');
}

/** Go's escaper arguments: one string as is, anything else through fmt.Sprint. */
const escArg = (args: Value[]) => (args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args));

function indexInto(item: Value, idx: Value): Value {
  if (item === undefined || item === null) throw new TemplateError('index of untyped nil');
  if (Array.isArray(item) || typeof item === 'string') {
    if (typeof idx !== 'bigint') throw new TemplateError(`cannot index slice/array with type ${typeName(idx)}`);
    const len = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
    if (idx < 0n || idx >= BigInt(len)) throw new TemplateError(`index out of range: ${idx}`);
    return typeof item === 'string' ? BigInt(Buffer.from(item)[Number(idx)]) : item[Number(idx)];
  }
  if (item instanceof Map) {
    if (idx === undefined || idx === null) return undefined;
    if (typeof idx !== 'string') throw new TemplateError(`value has type ${typeName(idx)}; should be string`);
    return item.get(idx) ?? (item.has(idx) ? null : undefined);
  }
  throw new TemplateError(`can't index item of type ${typeName(item)}`);
}

function renderVars(args: Value[]): Map<string, Value> {
  const vars = new Map<string, Value>();
  for (const arg of args) {
    if (arg instanceof Map) for (const [k, v] of arg) vars.set(k, v);
    else if (typeof arg === 'string') {
      const eq = arg.indexOf('=');
      if (eq >= 0) vars.set(arg.slice(0, eq), arg.slice(eq + 1));
    }
  }
  return vars;
}

const refused = (name: string, why: string) => fn(0, Infinity, () => { throw new TemplateError(`${name} is not available in Slipway's sigil (${why})`); });

export const FUNCTIONS: Record<string, TemplateFunction> = {
  // Go text/template builtins.
  and: { arity: [1, Infinity], lazy: true, call: (_a, _c, thunks = []) => {
    let v: Value;
    for (const t of thunks) { v = t(); if (!truth(v)) return v; }
    return v;
  } },
  or: { arity: [1, Infinity], lazy: true, call: (_a, _c, thunks = []) => {
    let v: Value;
    for (const t of thunks) { v = t(); if (truth(v)) return v; }
    return v;
  } },
  not: fn(1, 1, ([v]) => !truth(v)),
  len: fn(1, 1, ([v]) => {
    if (typeof v === 'string') return BigInt(Buffer.byteLength(v));
    if (Array.isArray(v)) return BigInt(v.length);
    if (v instanceof Map) return BigInt(v.size);
    throw new TemplateError(`len of type ${typeName(v)}`);
  }),
  index: fn(1, Infinity, ([item, ...keys]) => keys.reduce<Value>((acc, k) => indexInto(acc, k), item)),
  slice: fn(1, 4, ([item, ...idx]) => {
    const n = idx.map((i) => asInt(i));
    if (typeof item === 'string') {
      if (n.length > 2) throw new TemplateError('cannot 3-index slice a string');
      const b = Buffer.from(item);
      const [lo = 0, hi = b.length] = n;
      if (lo < 0 || hi < lo || hi > b.length) throw new TemplateError(`index out of range: ${hi}`);
      return b.subarray(lo, hi).toString('utf8');
    }
    if (Array.isArray(item)) {
      const [lo = 0, hi = item.length] = n;
      if (lo < 0 || hi < lo || hi > item.length) throw new TemplateError(`index out of range: ${hi}`);
      return item.slice(lo, hi);
    }
    throw new TemplateError(`can't slice item of type ${typeName(item)}`);
  }),
  print: fn(0, Infinity, (args) => sprint(args)),
  println: fn(0, Infinity, (args) => `${args.map((a) => sprint([a])).join(' ')}\n`),
  printf: fn(1, Infinity, ([format, ...args]) => sprintf(asString(format), args)),
  eq: fn(2, Infinity, ([a, ...rest]) => rest.some((b) => equal(a, b))),
  ne: fn(2, 2, ([a, b]) => !equal(a, b)),
  lt: fn(2, 2, ([a, b]) => less(a, b)),
  le: fn(2, 2, ([a, b]) => less(a, b) || equal(a, b)),
  gt: fn(2, 2, ([a, b]) => !less(a, b) && !equal(a, b)),
  ge: fn(2, 2, ([a, b]) => !less(a, b)),
  html: fn(0, Infinity, (args) => htmlEscape(escArg(args))),
  js: fn(0, Infinity, (args) => jsEscape(escArg(args))),
  urlquery: fn(0, Infinity, (args) => encodeURIComponent(escArg(args)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)),
  call: fn(1, Infinity, () => { throw new TemplateError('non-function of type string'); }),

  // sigil's builtins.
  default: fn(2, 2, ([fallback, v]) => (truth(v) || Array.isArray(v) || v instanceof Map || v instanceof NamedReader ? v : fallback)),
  var: fn(1, 1, ([name], ctx) => ctx.env[asString(name)] ?? ''),
  include: fn(1, Infinity, ([file, ...args], ctx) => {
    const full = lookPath(asString(file), ctx);
    return ctx.render(fs.readFileSync(full, 'utf8'), renderVars(args), path.basename(full), path.dirname(full));
  }),
  render: fn(1, Infinity, (args, ctx) => {
    const input = args[args.length - 1];
    if (typeof input !== 'string') throw new TemplateError('render must be given a string');
    return ctx.render(input, renderVars(args.slice(0, -1)), '<render>');
  }),
  capitalize: fn(1, 1, ([v]) => title(str(v, 'capitalize'))),
  lower: fn(1, 1, ([v]) => str(v, 'lower').toLowerCase()),
  upper: fn(1, 1, ([v]) => str(v, 'upper').toUpperCase()),
  replace: fn(3, 3, ([from, to, v]) => str(v, 'replace').split(asString(from)).join(asString(to))),
  trim: fn(1, 1, ([v]) => str(v, 'trim').replace(/^[ \n]+|[ \n]+$/g, '')),
  indent: fn(2, 2, ([prefix, v]) => {
    const [first, ...rest] = str(v, 'indent').split('\n');
    return [first, ...rest.map((l) => (l ? asString(prefix) + l : l))].join('\n');
  }),
  match: fn(2, 2, ([pattern, v]) => globRegExp(asString(pattern)).test(str(v, 'match'))),
  substr: fn(2, 2, ([range, v]) => {
    const s = str(v, 'substr');
    const [a, b] = asString(range).split(':');
    const start = /^-?[0-9]+$/.test(a ?? '') ? Number(a) : 0;
    if (!/^-?[0-9]+$/.test(b ?? '')) throw new TemplateError("substr needs slice expression as 'start:end' ");
    const end = Number(b);
    if (start < 0 || end < start || end > s.length) throw new TemplateError(`slice bounds out of range [${start}:${end}]`);
    return s.slice(start, end);
  }),
  stdin: fn(0, 0, (_a, ctx) => new NamedReader(ctx.stdin(), '<stdin>')),
  base64enc: fn(1, 1, ([v], ctx) => Buffer.from(read(v, ctx)).toString('base64')),
  base64dec: fn(1, 1, ([v], ctx) => Buffer.from(read(v, ctx), 'base64').toString('utf8')),
  file: fn(1, 1, ([v], ctx) => read(v, ctx)),
  text: fn(1, 1, ([v], ctx) => read(v, ctx)),
  exists: fn(1, 1, ([v], ctx) => {
    try { lookPath(str(v, 'exists'), ctx); return true; } catch { return false; }
  }),
  dir: fn(1, 1, ([v]) => fs.readdirSync(str(v, 'dir')).sort()),
  dirs: fn(1, 1, ([v]) => fs.readdirSync(str(v, 'dirs'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()),
  files: fn(1, 1, ([v]) => fs.readdirSync(str(v, 'files'), { withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => e.name).sort()),
  json: fn(1, 1, ([v], ctx) => {
    try { return jsonToValue(JSON.parse(read(v, ctx))); } catch (error) {
      if (error instanceof TemplateError) throw error;
      throw new TemplateError((error as Error).message);
    }
  }),
  tojson: fn(1, 1, ([v]) => {
    // sigil converts a yaml mapping's keys to strings through nested mappings, not through lists.
    const inList = (x: Value, listed: boolean): boolean => (listed && isYamlMap(x))
      || (Array.isArray(x) && x.some((i) => inList(i, true))) || (x instanceof Map && [...x.values()].some((i) => inList(i, listed)));
    if (inList(v, false)) throw new TemplateError('json: unsupported type: map[interface {}]interface {}');
    return toJson(v);
  }),
  pointer: fn(2, 2, ([p, v]) => {
    if (!(v instanceof Map)) throw new TemplateError('pointer needs a map type');
    let cur: Value = v;
    for (const part of asString(p).split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))) {
      if (cur instanceof Map) cur = cur.get(part);
      else if (Array.isArray(cur) && /^[0-9]+$/.test(part)) cur = cur[Number(part)];
      else return null;
    }
    return cur ?? null;
  }),
  uniq: fn(0, Infinity, (lists) => {
    const seen: Value[] = [];
    for (const list of lists) for (const v of asList(list)) if (!seen.some((s) => s === v)) seen.push(v);
    return seen;
  }),
  append: fn(2, 2, ([item, items]) => [...asList(items), item]),
  drop: fn(2, 2, ([item, items]) => {
    const list = asList(items);
    if (typeof item === 'string') {
      const re = globRegExp(item);
      return list.filter((v) => {
        if (typeof v !== 'string') throw new TemplateError('all elements must be a string to drop a string');
        return !re.test(v);
      });
    }
    return list.filter((v) => v !== item);
  }),
  seq: fn(1, 1, ([v]) => {
    let n: number;
    if (typeof v === 'bigint') n = Number(v);
    else if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) n = Number(v);
    else throw new TemplateError('seq must be given an integer or numeric string');
    return Array.from({ length: Math.max(0, n) }, (_, i) => String(i));
  }),
  join: fn(2, 2, ([sep, v]) => asList(v).filter((x): x is string => typeof x === 'string').join(asString(sep))),
  joinkv: fn(2, 2, ([sep, v]) => {
    if (!(v instanceof Map)) throw new TemplateError('joinkv must be given a string map of strings');
    return [...v.keys()].sort().map((k) => {
      const x = v.get(k);
      if (typeof x !== 'string') throw new TemplateError('joinkv must be given a string map of strings');
      return `${k}${asString(sep)}${x}`;
    });
  }),
  split: fn(2, 2, ([sep, v]) => {
    const s = str(v, 'split');
    const d = asString(sep);
    // Go's strings.Split with an empty separator splits into UTF-8 sequences (characters).
    return d === '' ? [...s] : s.split(d);
  }),
  splitkv: fn(2, 2, ([sep, v]) => {
    const out = new Map<string, Value>();
    for (const item of asList(v)) {
      if (typeof item !== 'string') throw new TemplateError('splitkv must be given a string map of strings');
      const at = item.indexOf(asString(sep));
      if (at >= 0) out.set(item.slice(0, at), item.slice(at + asString(sep).length));
      else out.set(item, true);
    }
    return out;
  }),
  sh: refused('sh', 'no shell from templates'),
  httpget: refused('httpget', 'no network from templates'),
  jmespath: fn(2, 2, ([expression, v]) => search(asString(expression), v)),
  yaml: fn(1, 1, ([v], ctx) => parseYaml(read(v, ctx))),
  toyaml: fn(1, 1, ([v]) => toYaml(v)),
};
