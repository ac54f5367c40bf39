// Go text/template's grammar over the lexer's tokens: text, actions (pipelines with `$x :=`/`=`
// declarations and `|` stages), if / else if / else, range (with `$i, $v :=`, else, break,
// continue), with / else with, define / template / block. Unknown functions fail here, as in Go.
import { lex, ParseError, type Token } from './lexer.js';

export type Operand =
  | { kind: 'field'; chain: string[] }
  | { kind: 'dot' }
  | { kind: 'variable'; name: string; chain: string[] }
  | { kind: 'function'; name: string }
  | { kind: 'pipe'; pipe: Pipe; chain: string[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: bigint | number; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' };

export interface Command { args: Operand[]; line: number; col: number }
export interface Pipe { decls: string[]; assign: boolean; cmds: Command[]; line: number }

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe }
  | { kind: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; elseList?: Node[] }
  | { kind: 'template'; name: string; pipe?: Pipe; line: number }
  | { kind: 'break' | 'continue'; line: number };

export interface Parsed {
  root: Node[];
  /** `{{ define }}` and `{{ block }}` bodies by name. */
  defines: Map<string, Node[]>;
}

/** How a number literal becomes a Go constant: an int (bigint) unless it has a fraction or exponent. */
export function parseNumber(text: string, line: number): bigint | number {
  const clean = text.replace(/_/g, '');
  const sign = clean.startsWith('-') ? -1n : 1n;
  const body = clean.replace(/^[+-]/, '');
  try {
    if (/^0[xX][0-9a-fA-F]+$|^0[bB][01]+$|^0[oO][0-7]+$/.test(body)) return sign * BigInt(body.toLowerCase());
    if (/^0[0-7]+$/.test(body)) return sign * BigInt(`0o${body.slice(1)}`);
    if (/^[0-9]+$/.test(body)) return sign * BigInt(body);
    const n = Number(clean);
    if (!Number.isNaN(n) && /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(clean)) return n;
  } catch { /* falls through to Go's message */ }
  throw new ParseError(line, `illegal number syntax: "${text}"`);
}

/** An operand as Go's error messages quote it. */
export function showOperand(op: Operand): string {
  switch (op.kind) {
    case 'field': return op.chain.map((f) => `.${f}`).join('');
    case 'dot': return '.';
    case 'variable': return op.name + op.chain.map((f) => `.${f}`).join('');
    case 'function': return op.name;
    case 'pipe': return `(${showPipe(op.pipe)})${op.chain.map((f) => `.${f}`).join('')}`;
    case 'string': return JSON.stringify(op.value);
    case 'number': return op.text;
    case 'bool': return String(op.value);
    case 'nil': return 'nil';
  }
}

export function showCommand(cmd: Command): string {
  return cmd.args.map(showOperand).join(' ');
}

function showPipe(pipe: Pipe): string {
  const decl = pipe.decls.length ? `${pipe.decls.join(', ')} ${pipe.assign ? '=' : ':='} ` : '';
  return decl + pipe.cmds.map(showCommand).join(' | ');
}

type Stop = 'end' | 'else' | 'eof';

class Parser {
  private i = 0;
  private rangeDepth = 0;
  readonly defines = new Map<string, Node[]>();

  constructor(private readonly tokens: Token[], private readonly isFunction: (name: string) => boolean, private readonly eofLine: number) {}

  private peek(offset = 0): Token | undefined { return this.tokens[this.i + offset]; }
  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new ParseError(this.tokens[this.tokens.length - 1]?.line ?? 1, 'unexpected EOF');
    return t;
  }
  private expect(kind: Token['kind'], context: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw new ParseError(t.line, `unexpected ${describe(t)} in ${context}`);
    return t;
  }

  /** The nodes up to `{{ end }}`, `{{ else … }}` or the end of input; the open of the stopping action is consumed. */
  list(top: boolean): { nodes: Node[]; stop: Stop; line: number } {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (!t) return { nodes, stop: 'eof', line: this.eofLine };
      this.i++;
      if (t.kind === 'text') { nodes.push({ kind: 'text', text: t.value }); continue; }
      const word = this.peek();
      if (word?.kind === 'keyword') {
        switch (word.value) {
          case 'end':
            this.i++;
            this.expect('close', 'end');
            return { nodes, stop: 'end', line: word.line };
          case 'else':
            this.i++;
            return { nodes, stop: 'else', line: word.line };
          case 'if': case 'with': case 'range':
            this.i++;
            nodes.push(this.control(word.value, word.line));
            continue;
          case 'break': case 'continue':
            this.i++;
            if (this.rangeDepth === 0) throw new ParseError(word.line, `{{${word.value}}} outside {{range}}`);
            this.expect('close', word.value);
            nodes.push({ kind: word.value, line: word.line });
            continue;
          case 'template':
            this.i++;
            nodes.push(this.templateCall(word.line));
            continue;
          case 'define': case 'block': {
            this.i++;
            if (word.value === 'define' && !top) throw new ParseError(word.line, 'unexpected <define> in command');
            const name = this.expect('string', word.value).value;
            const pipe = word.value === 'block' ? this.pipeline('block', false) : (this.expect('close', 'define'), undefined);
            const body = this.list(false);
            if (body.stop !== 'end') throw new ParseError(body.line, body.stop === 'eof' ? 'unexpected EOF' : `unexpected {{else}} in ${word.value}`);
            this.defines.set(name, body.nodes);
            if (word.value === 'block') nodes.push({ kind: 'template', name, pipe, line: word.line });
            continue;
          }
        }
      }
      nodes.push({ kind: 'action', pipe: this.pipeline('command', false) });
    }
  }

  private templateCall(line: number): Node {
    const name = this.expect('string', 'template clause').value;
    if (this.peek()?.kind === 'close') {
      this.i++;
      return { kind: 'template', name, line };
    }
    return { kind: 'template', name, pipe: this.pipeline('template', false), line };
  }

  private control(kind: 'if' | 'with' | 'range', line: number): Node {
    const pipe = this.pipeline(kind, kind === 'range');
    if (!pipe.cmds.length) throw new ParseError(line, `missing value for ${kind}`);
    if (kind === 'range') this.rangeDepth++;
    const body = this.list(false);
    if (kind === 'range') this.rangeDepth--;
    if (body.stop === 'eof') throw new ParseError(body.line, 'unexpected EOF');
    const node: Node = { kind, pipe, list: body.nodes };
    if (body.stop === 'else') {
      // `{{ else if … }}` / `{{ else with … }}`: the rest is one nested if/with as the else list.
      const chained = this.peek();
      if (chained?.kind === 'keyword' && (chained.value === 'if' || chained.value === 'with') && kind !== 'range') {
        if (chained.value !== kind) throw new ParseError(chained.line, `unexpected ${describe(chained)} in ${kind}`);
        this.i++;
        // The nested node consumes the shared `{{ end }}`.
        node.elseList = [this.control(chained.value, chained.line)];
        return node;
      }
      this.expect('close', 'else');
      const rest = this.list(false);
      if (rest.stop !== 'end') throw new ParseError(rest.line, rest.stop === 'eof' ? 'unexpected EOF' : `expected end; found {{else}}`);
      node.elseList = rest.nodes;
    }
    return node;
  }

  /** A pipeline up to the closing delimiter (or `)` inside parentheses), with its declarations. */
  pipeline(context: string, twoDecls: boolean, inParens = false): Pipe {
    const line = this.peek()?.line ?? 1;
    const decls: string[] = [];
    let assign = false;
    const t0 = this.peek();
    const t1 = this.peek(1);
    if (t0?.kind === 'variable' && (t1?.kind === 'declare' || t1?.kind === 'assign')) {
      decls.push(t0.value);
      assign = t1.kind === 'assign';
      this.i += 2;
    } else if (twoDecls && t0?.kind === 'variable' && t1?.kind === 'comma') {
      const t2 = this.peek(2);
      const t3 = this.peek(3);
      if (t2?.kind !== 'variable' || (t3?.kind !== 'declare' && t3?.kind !== 'assign')) {
        throw new ParseError(t0.line, `range can only initialize variables`);
      }
      decls.push(t0.value, t2.value);
      assign = t3.kind === 'assign';
      this.i += 4;
    }
    const cmds: Command[] = [];
    const end = inParens ? 'rparen' : 'close';
    for (;;) {
      const t = this.peek();
      if (!t) throw new ParseError(line, inParens ? 'unclosed left paren' : 'unclosed action');
      if (t.kind === end) {
        this.i++;
        break;
      }
      if (t.kind === 'close') throw new ParseError(t.line, 'unclosed left paren');
      cmds.push(this.command(context, end));
      if (this.peek()?.kind === 'pipe') {
        this.i++;
        if (this.peek()?.kind === end) throw new ParseError(t.line, 'missing command');
      }
    }
    if (decls.length && !cmds.length) throw new ParseError(line, 'missing value for command');
    if (!cmds.length && context === 'command') throw new ParseError(line, 'missing value for command');
    cmds.forEach((cmd, stage) => {
      const first = cmd.args[0];
      if (stage > 0 && ['string', 'number', 'bool', 'nil', 'dot'].includes(first.kind)) {
        throw new ParseError(cmd.line, `non executable command in pipeline stage ${stage + 1}`);
      }
    });
    return { decls, assign, cmds, line };
  }

  private command(context: string, end: 'close' | 'rparen'): Command {
    const first = this.peek() as Token;
    const args: Operand[] = [];
    for (;;) {
      const t = this.peek();
      if (!t) throw new ParseError(first.line, 'unclosed action');
      if (t.kind === end || t.kind === 'pipe') break;
      if (t.kind === 'close' || t.kind === 'rparen') throw new ParseError(t.line, `unexpected ${describe(t)} in operand`);
      if (args.length && !t.spaced && t.kind !== 'lparen') throw new ParseError(t.line, `missing space? unexpected ${describe(t)} in operand`);
      args.push(this.operand(context));
    }
    if (!args.length) throw new ParseError(first.line, 'empty command');
    return { args, line: first.line, col: first.col };
  }

  private chain(): string[] {
    const fields: string[] = [];
    while (this.peek()?.kind === 'field' && !this.peek()?.spaced) fields.push(this.next().value);
    return fields;
  }

  private operand(context: string): Operand {
    const t = this.next();
    switch (t.kind) {
      case 'identifier':
        if (!this.isFunction(t.value)) throw new ParseError(t.line, `function "${t.value}" not defined`);
        return { kind: 'function', name: t.value };
      case 'dot': return { kind: 'dot' };
      case 'nil': return { kind: 'nil' };
      case 'bool': return { kind: 'bool', value: t.value === 'true' };
      case 'string': return { kind: 'string', value: t.value };
      case 'char': return { kind: 'number', value: BigInt(t.value), text: t.value };
      case 'number': return { kind: 'number', value: parseNumber(t.value, t.line), text: t.value };
      case 'variable': return { kind: 'variable', name: t.value, chain: this.chain() };
      case 'field': return { kind: 'field', chain: [t.value, ...this.chain()] };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', false, true);
        if (!pipe.cmds.length) throw new ParseError(t.line, 'missing value for parenthesized pipeline');
        return { kind: 'pipe', pipe, chain: this.chain() };
      }
      default:
        throw new ParseError(t.line, `unexpected ${describe(t)} in ${context}`);
    }
  }
}

function describe(t: Token): string {
  if (t.kind === 'close') return '"}}"';
  if (t.kind === 'keyword') return `<${t.value}>`;
  if (t.kind === 'string') return `"${t.value}"`;
  if (t.kind === 'field') return `<.${t.value}>`;
  return `<${t.value}>`;
}

export function parse(input: string, isFunction: (name: string) => boolean, delims: [string, string] = ['{{', '}}']): Parsed {
  const parser = new Parser(lex(input, delims[0], delims[1]), isFunction, input.split('\n').length);
  const { nodes, stop, line } = parser.list(true);
  if (stop === 'end') throw new ParseError(line, 'unexpected {{end}}');
  if (stop === 'else') throw new ParseError(line, 'unexpected {{else}}');
  return { root: nodes, defines: parser.defines };
}
