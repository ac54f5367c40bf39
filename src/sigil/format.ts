// Go's fmt.Sprintf for printf: flags, width, precision and the verbs templates use
// (%v %s %q %d %x %X %o %b %c %f %e %g %t %%), with fmt's %!verb(type=value) markers for misuse.
import { formatFloat, formatValue, typeName, type Value } from './values.js';

interface Spec { minus: boolean; plus: boolean; zero: boolean; space: boolean; sharp: boolean; width?: number; prec?: number }

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || s.length >= spec.width) return s;
  if (spec.minus) return s.padEnd(spec.width);
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(s) ? s[0] : '';
    return sign + s.slice(sign.length).padStart(spec.width - sign.length, '0');
  }
  return s.padStart(spec.width);
}

function quote(s: string): string {
  return `"${[...s].map((c) => {
    const code = c.codePointAt(0) as number;
    if (c === '"' || c === '\\') return `\\${c}`;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
    return c;
  }).join('')}"`;
}

function signed(s: string, spec: Spec, negative: boolean): string {
  if (negative) return `-${s}`;
  if (spec.plus) return `+${s}`;
  if (spec.space) return ` ${s}`;
  return s;
}

function float(n: number, verb: string, spec: Spec): string {
  const neg = n < 0 || Object.is(n, -0);
  const abs = Math.abs(n);
  let body: string;
  if (verb === 'f' || verb === 'F') body = abs.toFixed(spec.prec ?? 6);
  else if (verb === 'e' || verb === 'E') {
    const [m, e] = abs.toExponential(spec.prec ?? 6).split('e');
    body = `${m}e${e.startsWith('-') ? '-' : '+'}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
    if (verb === 'E') body = body.toUpperCase();
  } else {
    body = spec.prec === undefined ? formatFloat(abs) : String(Number(abs.toPrecision(spec.prec || 1)));
    if (verb === 'G') body = body.toUpperCase();
  }
  return signed(body, spec, neg);
}

function one(verb: string, arg: Value, spec: Spec): string {
  // fmt applies the verb (with its flags and width) to each element of a list or map, keys sorted.
  if (verb !== 'T' && verb !== 'p' && !(verb === 'v' && spec.sharp) && (Array.isArray(arg) || arg instanceof Map)) {
    const each = (v: Value) => (v === null || v === undefined ? pad('<nil>', spec, false) : one(verb, v, spec));
    if (Array.isArray(arg)) return `[${arg.map(each).join(' ')}]`;
    return `map[${[...arg.keys()].sort().map((k) => `${each(k)}:${each(arg.get(k))}`).join(' ')}]`;
  }
  const bad = () => `%!${verb}(${typeName(arg)}=${formatValue(arg)})`;
  switch (verb) {
    case 'v':
      if (typeof arg === 'number') return pad(float(arg, 'g', spec), spec, true);
      if (typeof arg === 'bigint') return pad(signed((arg < 0n ? -arg : arg).toString(), spec, arg < 0n), spec, true);
      if (spec.sharp && typeof arg === 'string') return pad(quote(arg), spec, false);
      return pad(formatValue(arg), spec, false);
    case 's': {
      if (typeof arg !== 'string' && !Array.isArray(arg) && !(arg instanceof Map)) return bad();
      const s = formatValue(arg);
      return pad(spec.prec === undefined ? s : [...s].slice(0, spec.prec).join(''), spec, false);
    }
    case 'q':
      if (typeof arg === 'string') return pad(quote(arg), spec, false);
      if (typeof arg === 'bigint') return pad(`'${String.fromCodePoint(Number(arg))}'`, spec, false);
      return bad();
    case 'T':
      return pad(typeName(arg), spec, false);
    case 't':
      return typeof arg === 'boolean' ? pad(String(arg), spec, false) : bad();
    case 'd': case 'b': case 'o': case 'x': case 'X': case 'c': {
      if (typeof arg === 'string' && (verb === 'x' || verb === 'X')) {
        const hex = Buffer.from(arg).toString('hex');
        return pad(verb === 'X' ? hex.toUpperCase() : hex, spec, false);
      }
      if (typeof arg !== 'bigint') return bad();
      if (verb === 'c') return pad(String.fromCodePoint(Number(arg)), spec, false);
      const radix = { d: 10, b: 2, o: 8, x: 16, X: 16 }[verb];
      let digits = (arg < 0n ? -arg : arg).toString(radix);
      if (verb === 'X') digits = digits.toUpperCase();
      if (spec.sharp && verb === 'x') digits = `0x${digits}`;
      if (spec.sharp && verb === 'X') digits = `0X${digits}`;
      if (spec.sharp && verb === 'o') digits = `0${digits}`;
      return pad(signed(digits, spec, arg < 0n), spec, true);
    }
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
      if (typeof arg === 'number') return pad(float(arg, verb, spec), spec, true);
      if (typeof arg === 'bigint') return bad();
      return bad();
    default:
      return `%!${verb}(${typeName(arg)}=${formatValue(arg)})`;
  }
}

export function sprintf(format: string, args: Value[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') { out += c; continue; }
    const spec: Spec = { minus: false, plus: false, zero: false, space: false, sharp: false };
    i++;
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '0') spec.zero = true;
      else if (f === ' ') spec.space = true;
      else if (f === '#') spec.sharp = true;
      else break;
    }
    const num = () => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'bigint' ? Number(a) : undefined;
      }
      const m = /^[0-9]+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = num();
    if (format[i] === '.') {
      i++;
      spec.prec = num() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) { out += '%!(NOVERB)'; break; }
    if (verb === '%') { out += '%'; continue; }
    if (argi >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    // %+v asks for struct field names, which these values have none of: no sign is added.
    if (verb === 'v') spec.plus = false;
    out += one(verb, args[argi++], spec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => `${typeName(a)}=${formatValue(a)}`).join(', ')})`;
  }
  return out;
}
