// sigil's `jmespath`: a JMESPath search over a template value (jmespath.js, the reference
// implementation's JavaScript port, as go-jmespath implements the same specification).
import { createRequire } from 'node:module';
import { NamedReader, TemplateError, type Value } from './values.js';
import { isYamlMap } from './yaml.js';

/** jmespath.js (CommonJS): `search` throws LexerError/ParserError for a bad expression, others while searching. */
const jmespath = createRequire(import.meta.url)('jmespath') as { search(data: unknown, expression: string): unknown };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function toJson(v: Value): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toJson);
  // go-jmespath reads only string-keyed maps: one that `yaml` made is nothing to it.
  if (isYamlMap(v)) return null;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toJson(x)]));
  if (v instanceof NamedReader) return {};
  return v;
}

const hasInts = (v: Value): boolean => typeof v === 'bigint' || (Array.isArray(v) && v.some(hasInts)) || (v instanceof Map && [...v.values()].some(hasInts));

/**
 * Back to template values. go-jmespath keeps a selected value's Go type and computes float64s; JSON
 * numbers here carry no such mark, so numbers are floats (as all of `json`'s are), except whole ones
 * when the input held ints.
 */
function fromJson(v: unknown, ints: boolean): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return ints && Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => fromJson(x, ints));
  if (typeof v === 'object') return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJson(x, ints)]));
  return v as Value;
}

/** Go's encoding/json message for a literal that is not JSON (the cases a backtick literal meets). */
function jsonError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    const t = text.trimStart();
    if (t === '') return 'unexpected end of JSON input';
    const quote = (c: string) => (c === "'" ? "'\\''" : `'${c}'`);
    if (!/^[-0-9"[{tfn]/.test(t)) return `invalid character ${quote(t[0])} looking for beginning of value`;
    for (const word of ['true', 'false', 'null']) {
      if (t[0] !== word[0]) continue;
      for (let i = 1; i < word.length; i++) {
        // At the end Go's scanner steps on a space, as it does after `-`.
        if (i >= t.length) return `invalid character ' ' in literal ${word} (expecting ${quote(word[i])})`;
        if (t[i] !== word[i]) return `invalid character ${quote(t[i])} in literal ${word} (expecting ${quote(word[i])})`;
      }
      return `invalid character ${quote(t.slice(word.length).trimStart()[0] ?? ' ')} after top-level value`;
    }
    const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(t);
    if (number && number[0] !== '-' && number[0] !== '') {
      const after = t.slice(number[0].length).trimStart();
      if (after !== '') return `invalid character ${quote(after[0])} after top-level value`;
    }
    if (/^-(?![0-9])/.test(t)) return `invalid character ${quote(t[1] ?? ' ')} in numeric literal`;
    return 'unexpected end of JSON input';
  }
}

/**
 * go-jmespath reads a `literal` between backticks as JSON and refuses one that is not; jmespath.js
 * would take it as a string. The first such literal gives go-jmespath's compile error.
 */
function checkLiterals(expression: string): void {
  for (const m of expression.matchAll(/`((?:\\`|[^`])*)`/g)) {
    const error = jsonError(m[1].replace(/\\`/g, '`'));
    if (error) throw new TemplateError(`JmesPath compileerror: ${error}`);
  }
}

export function search(expression: string, input: Value): Value {
  checkLiterals(expression);
  let result: unknown;
  try {
    result = jmespath.search(toJson(input), expression);
  } catch (error) {
    const e = error as Error;
    if (e.name === 'LexerError' || e.name === 'ParserError') throw new TemplateError(`JmesPath compileerror: ${e.message}`);
    throw new TemplateError(`JmesPath search error: ${e.message}`);
  }
  return fromJson(result, hasInts(input));
}
