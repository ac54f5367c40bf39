// The Go values a sigil template works on, as JavaScript values, and Go's rules for them: truth,
// printing (fmt's %v), comparison. Ints are bigints and floats numbers, so `1` and `1.0` stay apart.

/** A stream read once (sigil's `stdin`); the string functions take its text. */
export class NamedReader {
  constructor(readonly text: string, readonly name: string) {}
}

/**
 * null is Go's nil (an interface holding nothing); undefined is an invalid value (a missing map key),
 * which prints `<no value>`. Maps keep Go's print order by sorting keys when shown.
 */
export type Value = string | boolean | bigint | number | null | undefined | Value[] | Map<string, Value> | NamedReader;

/** An error a template function or the evaluator raises: its message is what the user sees. */
export class TemplateError extends Error {}

/** Go's type name of a value, as its error messages show it. */
export function typeName(v: Value): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Map) return 'map[string]interface {}';
  return 'sigil.NamedReader';
}

/** text/template's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(v: Value): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** Go's %v of a float64 (strconv 'g', shortest): exponent form below 1e-4 and from 1e6 on (1e+06). */
export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, exp] = n.toExponential().split('e');
  const e = Number(exp);
  const digits = mant.replace(/[-.]/g, '').length;
  const eprec = digits < 6 && digits >= e + 1 ? digits : 6;
  if (e < -4 || e >= eprec) return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

/** fmt.Sprint of one operand (%v). */
export function formatValue(v: Value): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return formatFloat(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (v instanceof Map) return `map[${[...v.keys()].sort().map((k) => `${k}:${formatValue(v.get(k))}`).join(' ')}]`;
  return `{${v.name}}`;
}

/** What `{{ pipeline }}` writes: an invalid or nil value is `<no value>`. */
export function printAction(v: Value): string {
  if (v === undefined || v === null) return '<no value>';
  return formatValue(v);
}

/** fmt.Sprint: a space between operands when neither side is a string. */
export function sprint(args: Value[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg);
  });
  return out;
}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

function kind(v: Value): Kind {
  if (v === undefined || v === null) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  return 'other';
}

/** text/template's eq: arg1 equal to any of the others; nil equals only nil; mixed kinds are an error. */
export function equal(a: Value, b: Value): boolean {
  const ka = kind(a);
  const kb = kind(b);
  if (ka !== kb) {
    if (ka !== 'invalid' && kb !== 'invalid') throw new TemplateError('incompatible types for comparison');
    return false;
  }
  if (ka === 'other') throw new TemplateError(`non-comparable type ${formatValue(a)}: ${typeName(a)}`);
  return a === b || (ka === 'invalid' && kb === 'invalid');
}

/** text/template's lt: ints, floats and strings, each only against its own kind. */
export function less(a: Value, b: Value): boolean {
  const ka = kind(a);
  const kb = kind(b);
  if (ka === 'bool' || ka === 'other' || ka === 'invalid' || kb === 'bool' || kb === 'other' || kb === 'invalid') {
    throw new TemplateError('invalid type for comparison');
  }
  if (ka !== kb) throw new TemplateError('incompatible types for comparison');
  return (a as string | bigint | number) < (b as string | bigint | number);
}

/** A value as Go's string-taking parameters see it; anything else is Go's argument type error. */
export function asString(v: Value, what = 'value'): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) throw new TemplateError(`invalid ${what}; expected string`);
  throw new TemplateError(`wrong type for ${what}; expected string; got ${typeName(v)}`);
}

/** sigil.String: strings and streams give their text; other values do not. */
export function stringish(v: Value): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof NamedReader) return v.text;
  return undefined;
}

/** A `[]interface{}` parameter: only a list fits (nil is an empty one). */
export function asList(v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  throw new TemplateError(`wrong type for value; expected []interface {}; got ${typeName(v)}`);
}

/** An `int` parameter. */
export function asInt(v: Value): number {
  if (typeof v === 'bigint') return Number(v);
  throw new TemplateError(`wrong type for value; expected int; got ${typeName(v)}`);
}
