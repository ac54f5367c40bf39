// Go text/template's lexer: text between actions, and the tokens inside `{{ … }}`, with the
// `{{- ` / ` -}}` trim markers applied to the neighbouring text and `{{/* comments */}}` dropped.

export type TokenKind =
  | 'text' | 'open' | 'close'
  | 'field' | 'variable' | 'dot' | 'identifier' | 'keyword' | 'bool' | 'nil'
  | 'string' | 'char' | 'number'
  | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma';

export interface Token {
  kind: TokenKind;
  /** The decoded value: text, a field's name, a string's content, a number's source. */
  value: string;
  line: number;
  col: number;
  /** Whitespace came right before it (inside an action): `$x.Y` is one operand, `$x .Y` two. */
  spaced: boolean;
}

export class ParseError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c);

/** Go's escapes in an interpreted string literal. */
function unquote(raw: string, line: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\') { out += c; continue; }
    const n = raw[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (n in simple) { out += simple[n]; continue; }
    const hex = (len: number) => {
      const digits = raw.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(digits)) throw new ParseError(line, `invalid syntax in string ${JSON.stringify(raw)}`);
      i += len;
      return parseInt(digits, 16);
    };
    if (n === 'x') out += Buffer.from([hex(2)]).toString('latin1');
    else if (n === 'u') out += String.fromCodePoint(hex(4));
    else if (n === 'U') out += String.fromCodePoint(hex(8));
    else if (n !== undefined && /[0-7]/.test(n)) {
      const digits = raw.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(digits)) throw new ParseError(line, `invalid syntax in string ${JSON.stringify(raw)}`);
      out += String.fromCharCode(parseInt(digits, 8));
      i += 2;
    } else throw new ParseError(line, `invalid syntax in string ${JSON.stringify(raw)}`);
  }
  return out;
}

export function lex(input: string, leftDelim = '{{', rightDelim = '}}'): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  let trimNext = false;
  const advance = (to: number) => {
    for (let i = pos; i < to; i++) if (input[i] === '\n') { line++; lineStart = i + 1; }
    pos = to;
  };
  const push = (kind: TokenKind, value: string, end: number, startLine: number, startCol: number, spaced: boolean) => {
    tokens.push({ kind, value, line: startLine, col: startCol, spaced });
    advance(end);
  };
  /** At a right delimiter, optionally preceded by the ` -` trim marker: its length, and whether it trims. */
  const atRightDelim = (at: number): [number, boolean] => {
    if (isSpace(input[at]) && input[at + 1] === '-' && input.startsWith(rightDelim, at + 2)) return [2 + rightDelim.length, true];
    if (input.startsWith(rightDelim, at)) return [rightDelim.length, false];
    return [0, false];
  };

  while (pos < input.length) {
    const open = input.indexOf(leftDelim, pos);
    let text = input.slice(pos, open < 0 ? input.length : open);
    const trimLeft = open >= 0 && input[open + leftDelim.length] === '-' && isSpace(input[open + leftDelim.length + 1]);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    trimNext = false;
    if (text) tokens.push({ kind: 'text', value: text, line, col: pos - lineStart, spaced: false });
    if (open < 0) { advance(input.length); break; }
    advance(open);
    const actionLine = line;
    let at = open + leftDelim.length + (trimLeft ? 2 : 0);
    // A comment: `/*` right after the delimiter (and trim marker), `*/` right before the closing one.
    if (input.startsWith('/*', at)) {
      const end = input.indexOf('*/', at + 2);
      if (end < 0) throw new ParseError(actionLine, 'unclosed comment');
      const [len, trims] = atRightDelim(end + 2);
      if (!len) throw new ParseError(actionLine, 'comment ends before closing delimiter');
      trimNext = trims;
      advance(end + 2 + len);
      continue;
    }
    tokens.push({ kind: 'open', value: leftDelim, line: actionLine, col: open - lineStart, spaced: false });
    let spaced = true;
    for (;;) {
      const [len, trims] = atRightDelim(at);
      if (len) {
        advance(at);
        tokens.push({ kind: 'close', value: rightDelim, line, col: at - lineStart, spaced });
        trimNext = trims;
        advance(at + len);
        break;
      }
      const c = input[at];
      if (c === undefined) throw new ParseError(actionLine, 'unclosed action');
      if (isSpace(c)) { at++; spaced = true; continue; }
      advance(at);
      const startLine = line;
      const startCol = at - lineStart;
      const start = at;
      const emit = (kind: TokenKind, value: string, end: number) => {
        push(kind, value, end, startLine, startCol, spaced);
        at = end;
        spaced = false;
      };
      if (c === '|') emit('pipe', c, at + 1);
      else if (c === '(') emit('lparen', c, at + 1);
      else if (c === ')') emit('rparen', c, at + 1);
      else if (c === ',') emit('comma', c, at + 1);
      else if (c === ':' && input[at + 1] === '=') emit('declare', ':=', at + 2);
      else if (c === '=') emit('assign', '=', at + 1);
      else if (c === '"') {
        let i = at + 1;
        while (i < input.length && input[i] !== '"') {
          if (input[i] === '\n') throw new ParseError(startLine, 'unterminated quoted string');
          i += input[i] === '\\' ? 2 : 1;
        }
        if (i >= input.length) throw new ParseError(startLine, 'unterminated quoted string');
        emit('string', unquote(input.slice(start + 1, i), startLine), i + 1);
      } else if (c === '`') {
        const end = input.indexOf('`', at + 1);
        if (end < 0) throw new ParseError(startLine, 'unterminated raw quoted string');
        emit('string', input.slice(at + 1, end).replace(/\r/g, ''), end + 1);
      } else if (c === "'") {
        let i = at + 1;
        while (i < input.length && input[i] !== "'") {
          if (input[i] === '\n') throw new ParseError(startLine, 'unterminated character constant');
          i += input[i] === '\\' ? 2 : 1;
        }
        const chars = [...unquote(input.slice(start + 1, i), startLine)];
        if (chars.length !== 1) throw new ParseError(startLine, `malformed character constant: ${input.slice(start, i + 1)}`);
        emit('char', String(chars[0].codePointAt(0)), i + 1);
      } else if (c === '$') {
        let i = at + 1;
        while (isAlnum(input[i])) i++;
        emit('variable', input.slice(start, i), i);
      } else if (c === '.') {
        if (/[0-9]/.test(input[at + 1] ?? '')) {
          const m = /^[.0-9_eE+-]+/.exec(input.slice(at)) ?? [''];
          emit('number', m[0], at + m[0].length);
        } else if (isAlnum(input[at + 1])) {
          let i = at + 1;
          while (isAlnum(input[i])) i++;
          emit('field', input.slice(start + 1, i), i);
        } else emit('dot', '.', at + 1);
      } else if (/[0-9+-]/.test(c)) {
        const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)/.exec(input.slice(at));
        const num = m?.[0] ?? '';
        if (!/[0-9]/.test(num) || isAlnum(input[at + num.length]) || input[at + num.length] === '.') {
          throw new ParseError(startLine, `bad number syntax: "${input.slice(at, at + num.length + 1)}"`);
        }
        emit('number', num, at + num.length);
      } else if (isAlnum(c)) {
        let i = at;
        while (isAlnum(input[i])) i++;
        const word = input.slice(start, i);
        emit(word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : KEYWORDS.has(word) ? 'keyword' : 'identifier', word, i);
      } else {
        throw new ParseError(startLine, `unexpected ${JSON.stringify(c)} in command`);
      }
    }
  }
  return tokens;
}
