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

/**
 * Back to template values. JSON numbers carry no int/float mark: whole numbers come back as ints,
 * others as floats (go-jmespath keeps a selected value's Go type and gives float64 for computed ones).
 */
function fromJson(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) && Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromJson);
  if (typeof v === 'object') return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJson(x)]));
  return v as Value;
}

export function search(expression: string, input: Value): Value {
  let result: unknown;
  try {
    result = jmespath.search(toJson(input), expression);
  } catch (error) {
    const e = error as Error;
    if (e.name === 'LexerError' || e.name === 'ParserError') throw new TemplateError(`JmesPath compileerror: ${e.message}`);
    throw new TemplateError(`JmesPath search error: ${e.message}`);
  }
  return fromJson(result);
}
