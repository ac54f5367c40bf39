// Runs a parsed template the way Go's text/template executes one: dot and `$`, variable scopes that
// end with their control structure, pipelines passing the previous stage's value as the last
// argument, Go's truth for if/with/range, `<no value>` for missing values, errors at the node.
import { FUNCTIONS, type FunctionContext } from './functions.js';
import { ParseError } from './lexer.js';
import { parse, showCommand, showOperand, type Command, type Node, type Operand, type Pipe } from './parse.js';
import { formatValue, printAction, TemplateError, truth, typeName, type Value } from './values.js';

/** A template that did not parse or run: one line, `template: NAME:LINE: message` as Go words it. */
export class SigilError extends Error {}

const MISSING = Symbol('missing');
type Final = Value | typeof MISSING;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_DEPTH = 1000;

class State {
  private readonly vars: [string, Value][] = [];
  private where = { line: 1, col: 0, node: '' };

  constructor(
    private readonly name: string,
    private readonly defines: Map<string, Node[]>,
    private readonly ctx: FunctionContext,
    private readonly out: string[],
    private readonly depth: number,
  ) {}

  fail(error: unknown): never {
    if (error instanceof SigilError || error === BREAK || error === CONTINUE) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof TemplateError)) throw error;
    const { line, col, node } = this.where;
    throw new SigilError(`template: ${this.name}:${line}:${col}: executing "${this.name}" at <${node}>: ${message}`);
  }

  run(list: Node[], dot: Value): void {
    try {
      this.vars.push(['$', dot]);
      this.walk(list, dot);
    } catch (error) {
      this.fail(error);
    }
  }

  declare(name: string, value: Value): void {
    this.vars.push([name, value]);
  }

  private mark(): number { return this.vars.length; }
  private pop(mark: number): void { this.vars.length = mark; }

  private lookup(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i][0] === name) return this.vars[i][1];
    throw new TemplateError(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i][0] === name) { this.vars[i][1] = value; return; }
    }
    throw new TemplateError(`undefined variable: ${name}`);
  }

  private walk(list: Node[], dot: Value): void {
    for (const node of list) {
      switch (node.kind) {
        case 'text':
          this.out.push(node.text);
          break;
        case 'action': {
          const value = this.pipeline(dot, node.pipe);
          if (!node.pipe.decls.length) this.out.push(printAction(value));
          break;
        }
        case 'if': case 'with': {
          const mark = this.mark();
          const value = this.pipeline(dot, node.pipe);
          if (truth(value)) this.walk(node.list, node.kind === 'with' ? value : dot);
          else if (node.elseList) this.walk(node.elseList, dot);
          this.pop(mark);
          break;
        }
        case 'range':
          this.range(dot, node);
          break;
        case 'break':
          throw BREAK;
        case 'continue':
          throw CONTINUE;
        case 'template': {
          const body = this.defines.get(node.name);
          this.where = { line: node.line, col: 0, node: `template "${node.name}"` };
          if (!body) throw new TemplateError(`no such template "${node.name}"`);
          if (this.depth >= MAX_DEPTH) throw new TemplateError(`exceeded maximum template depth (${MAX_DEPTH})`);
          const value = node.pipe ? this.pipeline(dot, node.pipe) : undefined;
          new State(this.name, this.defines, this.ctx, this.out, this.depth + 1).run(body, value);
          break;
        }
      }
    }
  }

  private range(dot: Value, node: { pipe: Pipe; list: Node[]; elseList?: Node[] }): void {
    const outer = this.mark();
    const value = this.pipeline(dot, node.pipe);
    const mark = this.mark();
    const { decls, assign } = node.pipe;
    let items: [Value, Value][];
    if (Array.isArray(value)) items = value.map((v, i) => [BigInt(i), v]);
    else if (value instanceof Map) items = [...value.keys()].sort().map((k) => [k, value.get(k)]);
    else if (typeof value === 'bigint') items = Array.from({ length: Math.max(0, Number(value)) }, (_, i) => [BigInt(i), BigInt(i)]);
    else if (value === undefined || value === null) items = [];
    else throw new TemplateError(`range can't iterate over ${formatValue(value)}`);
    if (!items.length) {
      if (node.elseList) this.walk(node.elseList, dot);
      this.pop(outer);
      return;
    }
    for (const [index, elem] of items) {
      // One variable gets the element; two get the index, then the element.
      if (decls.length === 1) {
        if (assign) this.setVar(decls[0], elem); else this.vars[mark - 1][1] = elem;
      } else if (decls.length === 2) {
        if (assign) { this.setVar(decls[0], index); this.setVar(decls[1], elem); } else {
          this.vars[mark - 2][1] = index;
          this.vars[mark - 1][1] = elem;
        }
      }
      try {
        this.walk(node.list, elem);
      } catch (signal) {
        if (signal === BREAK) { this.pop(mark); break; }
        if (signal !== CONTINUE) throw signal;
      }
      this.pop(mark);
    }
    this.pop(outer);
  }

  private pipeline(dot: Value, pipe: Pipe): Value {
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.command(dot, cmd, value);
      // An interface holding nil is dug out to nothing, as Go does between stages.
      if (value === null) value = undefined;
    }
    const result = value === MISSING ? undefined : value;
    for (const name of pipe.decls) {
      if (pipe.assign) this.setVar(name, result); else this.declare(name, result);
    }
    return result;
  }

  private command(dot: Value, cmd: Command, final: Final): Value {
    const [first, ...args] = cmd.args;
    this.where = { line: cmd.line, col: cmd.col, node: showCommand(cmd) };
    const notAFunction = () => {
      if (!args.length && final === MISSING) return;
      this.where = { ...this.where, node: showOperand(first) };
      throw new TemplateError(`can't give argument to non-function ${showOperand(first)}`);
    };
    switch (first.kind) {
      case 'function':
        return this.call(first.name, dot, args, final);
      case 'field':
        return this.fields(dot, first.chain, args.length > 0 || final !== MISSING);
      case 'variable': {
        const v = this.lookup(first.name);
        if (!first.chain.length) { notAFunction(); return v; }
        return this.fields(v, first.chain, args.length > 0 || final !== MISSING);
      }
      case 'pipe': {
        if (!first.chain.length) notAFunction();
        const v = this.pipeline(dot, first.pipe);
        return first.chain.length ? this.fields(v, first.chain, args.length > 0 || final !== MISSING) : v;
      }
      case 'nil':
        throw new TemplateError('nil is not a command');
      default:
        notAFunction();
        return this.operand(dot, first);
    }
  }

  /** `.A.B` on a value: map keys; a missing key is no value; a field of nil is Go's nil pointer error. */
  private fields(receiver: Value, chain: string[], hasArgs: boolean): Value {
    let v = receiver;
    // A map's element is an interface {} to Go: its errors name that type, not the value's.
    let fromMap = false;
    chain.forEach((name, i) => {
      if (v === undefined) return;
      if (v === null) throw new TemplateError(`nil pointer evaluating interface {}.${name}`);
      if (!(v instanceof Map)) throw new TemplateError(`can't evaluate field ${name} in type ${fromMap ? 'interface {}' : typeName(v)}`);
      if (hasArgs && i === chain.length - 1) {
        this.where = { ...this.where, node: chain.slice(0, i + 1).map((f) => `.${f}`).join('') };
        throw new TemplateError(`${name} is not a method but has arguments`);
      }
      v = v.has(name) ? (v.get(name) ?? null) : undefined;
      fromMap = true;
    });
    return v;
  }

  private operand(dot: Value, op: Operand): Value {
    switch (op.kind) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'bool': case 'string': case 'number': return op.value;
      case 'field': return this.fields(dot, op.chain, false);
      case 'variable': return this.fields(this.lookup(op.name), op.chain, false);
      case 'pipe': return this.fields(this.pipeline(dot, op.pipe), op.chain, false);
      case 'function': return this.call(op.name, dot, [], MISSING);
    }
  }

  private call(name: string, dot: Value, args: Operand[], final: Final): Value {
    const fn = FUNCTIONS[name];
    const count = args.length + (final === MISSING ? 0 : 1);
    const [min, max] = fn.arity;
    if (count < min || count > max) {
      throw new TemplateError(min === max ? `wrong number of args for ${name}: want ${min} got ${count}`
        : `wrong number of args for ${name}: want at least ${min} got ${count}`);
    }
    const where = this.where;
    // Arguments are Go interface values: nothing (a missing key) reaches a function as nil.
    const thunk = (op: Operand) => () => this.operand(dot, op) ?? null;
    const thunks = args.map(thunk);
    if (final !== MISSING) thunks.push(() => final ?? null);
    try {
      if (fn.lazy) return fn.call([], this.ctx, thunks);
      const values = thunks.map((t) => t());
      this.where = where;
      return fn.call(values, this.ctx);
    } catch (error) {
      if (!(error instanceof TemplateError) || error instanceof SigilError) throw error;
      this.where = where;
      throw new TemplateError(`error calling ${name}: ${error.message}`);
    }
  }
}

export interface RenderOptions {
  /** Shown in errors: the template file's base name, `<stdin>` or `<inline>`. */
  name: string;
  vars: Map<string, Value>;
  ctx: FunctionContext;
  delims?: [string, string];
}

/** sigil's pre-processing: `\}}` + newline + `{{` joins two actions; every `$NAME` is declared (nil when not given). */
export function renderTemplate(input: string, options: RenderOptions): string {
  const [left, right] = options.delims ?? ['{{', '}}'];
  const text = input.split(`\\${right}\n${left}`).join(`${right}${left}`);
  const vars = new Map(options.vars);
  for (const m of text.matchAll(/\$([a-zA-Z_][a-zA-Z0-9_]*)/g)) if (!vars.has(m[1])) vars.set(m[1], null);
  let parsed;
  try {
    parsed = parse(text, (name) => Object.hasOwn(FUNCTIONS, name), [left, right]);
  } catch (error) {
    if (error instanceof ParseError) throw new SigilError(`template: ${options.name}:${error.line}: ${error.message}`);
    throw error;
  }
  const out: string[] = [];
  const state = new State(options.name, parsed.defines, options.ctx, out, 0);
  for (const [k, v] of vars) state.declare(`$${k}`, v === null ? undefined : v);
  state.run(parsed.root, vars);
  return out.join('');
}
