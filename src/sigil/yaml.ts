// sigil's `yaml` and `toyaml` (and `-V FILE.yaml`): YAML read and written as gopkg.in/yaml.v2 does
// into and out of Go's interface{} values. The `yaml` package parses the structure; plain scalars are
// then resolved by yaml.v2's YAML 1.1 rules (yes/no/on/off, 0x/0o/0b/leading-0 ints, `_` separators;
// timestamps stay strings), and the writer follows yaml.v2's choice of plain, quoted or literal style.
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { formatFloat, formatValue, NamedReader, TemplateError, type Value } from './values.js';

const TAG = 'tag:yaml.org,2002:';

const WORDS = new Map<string, Value>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((w): [string, Value] => [w, true]),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((w): [string, Value] => [w, false]),
  ...['', '~', 'null', 'Null', 'NULL'].map((w): [string, Value] => [w, null]),
  ...['.nan', '.NaN', '.NAN'].map((w): [string, Value] => [w, Number.NaN]),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((w): [string, Value] => [w, Number.POSITIVE_INFINITY]),
  ...['-.inf', '-.Inf', '-.INF'].map((w): [string, Value] => [w, Number.NEGATIVE_INFINITY]),
]);

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(s, 0, 64) (and ParseUint beyond int64): sign, 0x/0o/0b or leading-0 octal. */
function goInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  let digits = m[2];
  if (/^0[oO]/.test(digits)) digits = `0o${digits.slice(2)}`;
  else if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  const n = (m[1] === '-' ? -1n : 1n) * BigInt(digits.toLowerCase().replace(/^0([xob])/, '0$1'));
  if (n < INT64_MIN || n > UINT64_MAX) return undefined;
  return n;
}

/** Go's time.Parse against yaml.v2's four timestamp layouts, as far as telling a timestamp from a string needs. */
function looksLikeTimestamp(s: string): boolean {
  const m = /^[0-9]{4}-([0-9]{1,2})-([0-9]{1,2})/.exec(s);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 12 || Number(m[2]) < 1 || Number(m[2]) > 31) return false;
  const date = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}';
  const clock = '[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]+)?';
  return new RegExp(`^${date}$`).test(s)
    || new RegExp(`^${date}[Tt]${clock}(Z|[+-][0-9]{2}:[0-9]{2})$`).test(s)
    || new RegExp(`^${date} ${clock}$`).test(s);
}

/** yaml.v2's resolve() for an untagged plain scalar: what it becomes, and whether that is a string. */
export function resolvePlain(s: string): Value {
  const hint = s === '' ? 'N' : s[0];
  if (WORDS.has(s)) return WORDS.get(s) as Value;
  if (hint === '.') {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
    return s;
  }
  if (/^[0-9+-]/.test(hint)) {
    if (looksLikeTimestamp(s)) return s; // a timestamp decodes to its text in an interface{}
    const plain = s.replace(/_/g, '');
    const n = goInt(plain);
    if (n !== undefined) return n;
    if (YAML_FLOAT.test(plain)) return Number(plain);
  }
  return s;
}

/** Would this string be read back as something else when written plain (yaml.v2's canUsePlain)? */
function resolvesToString(s: string): boolean {
  if (looksLikeTimestamp(s)) return false;
  const v = resolvePlain(s);
  return typeof v === 'string' && !BASE60_FLOAT.test(s);
}

/** Mappings `yaml` made: Go's map[interface{}]interface{}, which jmespath and tojson inside a list cannot read. */
const yamlMaps = new WeakSet<Map<string, Value>>();

export function isYamlMap(v: Value): boolean {
  return v instanceof Map && yamlMaps.has(v);
}

/** sigil's convertYAMLValue for `-V FILE.yaml`: the same data with ordinary string-keyed mappings. */
export function plainCopy(v: Value): Value {
  if (Array.isArray(v)) return v.map(plainCopy);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, plainCopy(x)]));
  return v;
}

/** The keys of parsed mappings as YAML gave them (an int, a bool), for toyaml: template maps key by string. */
const typedKeys = new WeakMap<Map<string, Value>, Map<string, Value>>();

function keyString(v: Value): string {
  return typeof v === 'string' ? v : formatValue(v);
}

function toValue(node: Node | null | undefined, doc: Document, seen: Set<Node>, source: string): Value {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    const target = node.resolve(doc) as Node | undefined;
    if (target === undefined) throw new TemplateError(`yaml: unknown anchor '${node.source}' referenced`);
    if (seen.has(target)) throw new TemplateError('yaml: anchor cycle');
    seen.add(target);
    try { return toValue(target, doc, seen, source); } finally { seen.delete(target); }
  }
  if (isScalar(node)) {
    if (node.value instanceof Uint8Array) return Buffer.from(node.value).toString('utf8'); // !!binary, decoded
    let text = String(node.value ?? '');
    // A block scalar that ends the input without a line break has none to keep (yaml.v2; the parser adds one).
    if ((node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') && !source.endsWith('\n') && (node.range?.[1] ?? 0) >= source.length && text.endsWith('\n')) {
      text = text.slice(0, -1);
    }
    const tag = node.tag;
    if (tag === `${TAG}str` || tag === '!') return text;
    if (tag === `${TAG}binary`) return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (tag === `${TAG}int` || tag === `${TAG}float` || tag === `${TAG}bool` || tag === `${TAG}null`) {
      const v = resolvePlain(text);
      if (tag === `${TAG}float` && typeof v === 'bigint') return Number(v);
      return v;
    }
    return node.type === 'PLAIN' ? resolvePlain(text) : text;
  }
  if (isSeq(node)) return node.items.map((item) => toValue(item as Node, doc, seen, source));
  if (isMap(node)) {
    const out = new Map<string, Value>();
    yamlMaps.add(out);
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.value === '<<') {
        // A merge key: the mapping (or each of a list of mappings) lends its keys.
        const lent = toValue(pair.value as Node, doc, seen, source);
        for (const m of Array.isArray(lent) ? lent : [lent]) {
          if (!(m instanceof Map)) throw new TemplateError('yaml: map merge requires map or sequence of maps as the value');
          for (const [k, v] of m) out.set(k, v);
        }
        continue;
      }
      const key = toValue(keyNode, doc, seen, source);
      out.set(keyString(key), toValue(pair.value as Node, doc, seen, source));
      if (typeof key !== 'string') {
        if (!typedKeys.has(out)) typedKeys.set(out, new Map());
        typedKeys.get(out)?.set(keyString(key), key);
      }
    }
    return out;
  }
  return null;
}

/** yaml.Unmarshal into an interface{}: the first document; nothing at all is nil. */
export function parseYaml(text: string): Value {
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, merge: false, strict: false, prettyErrors: false });
  if (!Array.isArray(docs)) return null;
  const doc = docs[0];
  if (doc === undefined) return null;
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0].line;
    throw new TemplateError(`yaml: ${line === undefined ? '' : `line ${line}: `}${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return toValue(doc.contents as Node | null, doc, new Set(), text);
}

// ---- Writing -------------------------------------------------------------------------------

/** yaml.v2's natural key order: letters before other characters, digit runs by their number. */
function keyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const letter = (c: string) => /\p{L}/u.test(c);
  const digit = (c: string | undefined) => c !== undefined && /\p{Nd}/u.test(c);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = letter(ar[i]);
    const bl = letter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && digit(ar[j]); j--) {
        if (ar[j] !== '0') { an = 1; bn = 1; break; }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && digit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && digit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.length < br.length;
}

/** reflect.Kind's order, which yaml.v2 sorts keys of different kinds by. */
function kindOrder(v: Value): number {
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'bigint') return 2;
  if (typeof v === 'number') return 14;
  if (typeof v === 'string') return 24;
  return 0;
}

function asFloat(v: Value): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint' || typeof v === 'number') return Number(v);
  return undefined;
}

/** yaml.v2's keyList.Less: numbers (and bools) by value, then by kind; strings naturally. */
function valueLess(a: Value, b: Value): boolean {
  const af = asFloat(a);
  const bf = asFloat(b);
  if (af !== undefined && bf !== undefined) {
    if (af !== bf) return af < bf;
    if (kindOrder(a) !== kindOrder(b)) return kindOrder(a) < kindOrder(b);
    return (a as bigint | number) < (b as bigint | number);
  }
  if (typeof a !== 'string' || typeof b !== 'string') return kindOrder(a) < kindOrder(b);
  return keyLess(a, b);
}

function sortedKeys(m: Map<string, Value>): [string, Value][] {
  const typed = typedKeys.get(m);
  const keys = [...m.keys()].map((k): [string, Value] => [k, typed?.has(k) ? typed.get(k) : k]);
  return keys.sort(([, a], [, b]) => (valueLess(a, b) ? -1 : valueLess(b, a) ? 1 : 0));
}

interface Analysis { multiline: boolean; blockPlain: boolean; flowPlain: boolean; singleQuoted: boolean; block: boolean }

/** The emitter's look at a scalar's characters: which styles can carry it unchanged. */
function analyze(s: string): Analysis {
  if (s === '') return { multiline: false, blockPlain: true, flowPlain: false, singleQuoted: true, block: false };
  let blockInd = s.startsWith('---') || s.startsWith('...');
  let flowInd = blockInd;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWs = true;
  let prevSpace = false;
  let prevBreak = false;
  const chars = [...s];
  chars.forEach((c, i) => {
    const next = chars[i + 1];
    const followedByWs = next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r';
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) { flowInd = true; blockInd = true; }
      else if (c === '?' || c === ':') { flowInd = true; if (followedByWs) blockInd = true; }
      else if (c === '-' && followedByWs) { flowInd = true; blockInd = true; }
    } else if (',?[]{}'.includes(c)) flowInd = true;
    else if (c === ':') { flowInd = true; if (followedByWs) blockInd = true; }
    else if (c === '#' && precededByWs) { flowInd = true; blockInd = true; }
    const code = c.codePointAt(0) as number;
    const printable = code === 0xa || (code >= 0x20 && code <= 0x7e) || code === 0x85
      || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff) || (code >= 0x10000 && code <= 0x10ffff);
    if (!printable) special = true;
    const isBreak = c === '\n' || c === '\r' || code === 0x85 || code === 0x2028 || code === 0x2029;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWs = c === ' ' || c === '\t' || isBreak;
  });
  const a: Analysis = { multiline: lineBreaks, blockPlain: true, flowPlain: true, singleQuoted: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) { a.flowPlain = false; a.blockPlain = false; }
  if (trailingSpace) a.block = false;
  if (breakSpace) { a.flowPlain = false; a.blockPlain = false; a.singleQuoted = false; }
  if (spaceBreak || special) { a.flowPlain = false; a.blockPlain = false; a.singleQuoted = false; a.block = false; }
  if (lineBreaks) { a.flowPlain = false; a.blockPlain = false; }
  if (flowInd) a.flowPlain = false;
  if (blockInd) a.blockPlain = false;
  return a;
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    const printable = (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff) || code >= 0x10000;
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (printable) out += c;
    else {
      const named: Record<number, string> = { 0: '0', 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 0x1b: 'e', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P' };
      if (named[code] !== undefined) out += `\\${named[code]}`;
      else if (code <= 0xff) out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
      else if (code <= 0xffff) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
      else out += `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/** A literal block (`|`, `|-`, `|+`), its lines indented under the key. */
function literal(s: string, indent: string): string {
  const chomp = !s.endsWith('\n') ? '-' : s.endsWith('\n\n') || s === '\n' ? '+' : '';
  const hint = s.startsWith(' ') || s.startsWith('\n') ? '2' : '';
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  const lines = body.split('\n').map((l) => (l === '' ? '' : `${indent}  ${l}`));
  return `|${hint}${chomp}\n${lines.join('\n')}`;
}

const BEST_WIDTH = 80;

/**
 * The emitter's line folding: a single space met past column 80 (not first or last, not before
 * another space) becomes a line break and the continuation indentation.
 */
function fold(text: string, column: number, indent: string, quoted: boolean): string {
  let out = '';
  let col = column;
  let spaces = false;
  const chars = [...text];
  chars.forEach((c, i) => {
    const edge = quoted && (i === 0 || i === chars.length - 1);
    if (c === ' ') {
      if (!spaces && col > BEST_WIDTH && !edge && chars[i + 1] !== ' ') {
        out += `\n${indent}`;
        col = indent.length;
      } else {
        out += c;
        col++;
      }
      spaces = true;
    } else {
      out += c;
      col++;
      spaces = false;
    }
  });
  return out;
}

function scalarText(s: string, indent: string, key: boolean, column = 0): string {
  const a = analyze(s);
  let style: 'plain' | 'single' | 'double' | 'literal' = s.includes('\n') ? 'literal' : resolvesToString(s) ? 'plain' : 'double';
  if (key && a.multiline) style = 'double';
  if (style === 'plain' && (!a.blockPlain || (s === '' && key))) style = 'single';
  if (style === 'single' && !a.singleQuoted) style = 'double';
  if (style === 'literal' && (!a.block || key)) style = 'double';
  if (style === 'plain') return key ? s : fold(s, column, `${indent}  `, false);
  if (style === 'single') return key ? `'${s.replace(/'/g, "''")}'` : `'${fold(s.replace(/'/g, "''"), column + 1, `${indent}  `, true)}'`;
  if (style === 'literal') return literal(s, indent);
  return doubleQuoted(s);
}

function scalar(v: Value, indent: string, key = false, column = 0): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return formatFloat(v);
  }
  if (typeof v === 'string') return scalarText(v, indent, key, column);
  if (v instanceof NamedReader) return '{}';
  return '';
}

const isCollection = (v: Value): v is Value[] | Map<string, Value> => (Array.isArray(v) && v.length > 0) || (v instanceof Map && v.size > 0);

function block(v: Value, indent: string, lines: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isCollection(item)) {
        const inner: string[] = [];
        block(item, `${indent}  `, inner);
        lines.push(`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
      } else lines.push(`${indent}- ${inline(item, indent, indent.length + 2)}`);
    }
    return;
  }
  if (v instanceof Map) {
    for (const [k, typed] of sortedKeys(v)) {
      const item = v.get(k);
      if (typeof typed === 'string' && (/[\n\r\u0085\u2028\u2029]/.test(typed) || Buffer.byteLength(typed) > 128)) {
        // Not a simple key (multi-line, or over 128 bytes): `? key` written as a value, then `: value`.
        lines.push(`${indent}? ${scalar(typed, indent, false, indent.length + 2)}`);
        if (isCollection(item)) {
          const inner: string[] = [];
          block(item, `${indent}  `, inner);
          lines.push(`${indent}: ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
        } else lines.push(`${indent}: ${inline(item, indent, indent.length + 2)}`);
        continue;
      }
      const key = scalar(typed, indent, true);
      if (item instanceof Map && item.size > 0) {
        lines.push(`${indent}${key}:`);
        block(item, `${indent}  `, lines);
      } else if (Array.isArray(item) && item.length > 0) {
        // yaml.v2 puts a list under a key at the key's own indentation.
        lines.push(`${indent}${key}:`);
        block(item, indent, lines);
      } else lines.push(`${indent}${key}: ${inline(item, indent, indent.length + key.length + 2)}`);
    }
  }
}

function inline(v: Value, indent: string, column = 0): string {
  if (Array.isArray(v)) return '[]';
  if (v instanceof Map) return '{}';
  return scalar(v, indent, false, column);
}

/** yaml.Marshal of a value: a document without `---`, ending in a newline. */
export function toYaml(v: Value): string {
  if (!isCollection(v)) {
    const text = inline(v, '');
    return `${text}\n`;
  }
  const lines: string[] = [];
  block(v, '', lines);
  return `${lines.join('\n')}\n`;
}
