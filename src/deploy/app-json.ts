// Reads app.json as Dokku does: JSON with comments (`//`, `/* */`) and trailing commas (JWCC).
// A syntax error names its line and column, in Dokku's "Cannot parse app.json as jsonc: …" line.
import { DeployFailed } from '../errors.js';
import type { Scope, Store } from '../store/index.js';

/** Deeper nesting than this is refused rather than risk the stack (no real app.json comes close). */
const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class SyntaxAt extends Error {
  constructor(readonly offset: number, message: string) { super(message); }
}

/** 1-based line and column of an offset, counted as hujson (Dokku's parser) counts them. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastNewline };
}

function what(ch: string | undefined): string {
  if (ch === undefined) return 'unexpected end of input';
  return `invalid character ${JSON.stringify(ch)}`;
}

class Reader {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): unknown {
    const value = this.value(0);
    this.space();
    if (this.pos < this.text.length) throw new SyntaxAt(this.pos, `${what(this.text[this.pos])} after top-level value`);
    return value;
  }

  /** Whitespace and comments. */
  private space(): void {
    const t = this.text;
    for (;;) {
      const ch = t[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') { this.pos++; continue; }
      if (ch === '/' && t[this.pos + 1] === '/') {
        const end = t.indexOf('\n', this.pos);
        this.pos = end === -1 ? t.length : end + 1;
        continue;
      }
      if (ch === '/' && t[this.pos + 1] === '*') {
        const end = t.indexOf('*/', this.pos + 2);
        if (end === -1) throw new SyntaxAt(this.pos, 'unterminated /* comment');
        this.pos = end + 2;
        continue;
      }
      return;
    }
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new SyntaxAt(this.pos, `nested deeper than ${MAX_DEPTH} levels`);
    this.space();
    const t = this.text;
    const ch = t[this.pos];
    if (ch === '{') return this.object(depth);
    if (ch === '[') return this.array(depth);
    if (ch === '"') return this.string();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(word, this.pos)) { this.pos += word.length; return value; }
    }
    NUMBER.lastIndex = this.pos;
    const number = NUMBER.exec(t);
    if (number) { this.pos += number[0].length; return Number(number[0]); }
    throw new SyntaxAt(this.pos, `${what(ch)} looking for beginning of value`);
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      const ch = t[i];
      if (ch === undefined) throw new SyntaxAt(start, 'unterminated string');
      if (ch === '"') break;
      if (ch === '\\') { i += 2; continue; }
      if (ch < ' ') throw new SyntaxAt(i, `${what(ch)} in string literal`);
      i++;
    }
    this.pos = i + 1;
    try {
      return JSON.parse(t.slice(start, this.pos)) as string;
    } catch {
      throw new SyntaxAt(start, 'invalid escape in string literal');
    }
  }

  private expect(ch: string, context: string): void {
    this.space();
    if (this.text[this.pos] !== ch) throw new SyntaxAt(this.pos, `${what(this.text[this.pos])} ${context}`);
    this.pos++;
  }

  private object(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++;
    for (;;) {
      this.space();
      if (this.text[this.pos] === '}') { this.pos++; return result; }
      if (this.text[this.pos] !== '"') throw new SyntaxAt(this.pos, `${what(this.text[this.pos])} looking for beginning of object key string`);
      const key = this.string();
      this.expect(':', 'after object key');
      // defineProperty: a "__proto__" key is data, never the object's prototype.
      Object.defineProperty(result, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.space();
      const ch = this.text[this.pos];
      if (ch === ',') { this.pos++; continue; }
      if (ch === '}') { this.pos++; return result; }
      throw new SyntaxAt(this.pos, `${what(ch)} after object key:value pair`);
    }
  }

  private array(depth: number): unknown[] {
    const result: unknown[] = [];
    this.pos++;
    for (;;) {
      this.space();
      if (this.text[this.pos] === ']') { this.pos++; return result; }
      result.push(this.value(depth + 1));
      this.space();
      const ch = this.text[this.pos];
      if (ch === ',') { this.pos++; continue; }
      if (ch === ']') { this.pos++; return result; }
      throw new SyntaxAt(this.pos, `${what(ch)} after array element`);
    }
  }
}

/** The value of an app.json text; a syntax error is a DeployFailed naming line and column. */
export function parseAppJson(text: string): unknown {
  // A UTF-8 byte order mark is not part of the document.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return new Reader(body).document();
  } catch (error) {
    if (!(error instanceof SyntaxAt)) throw error;
    const { line, column } = lineColumn(body, error.offset);
    throw new DeployFailed(`Cannot parse app.json as jsonc: line ${line}, column ${column}: ${error.message}`, { cause: error });
  }
}

export const APP_JSON_PLUGIN = 'app-json';

/** app-json:set appjson-path: the app's, else the global one, else `app.json` (slashes trimmed, as Dokku does). */
export async function appJsonPath(store: Store, scope: Scope): Promise<string> {
  const value = await store.properties.effective(APP_JSON_PLUGIN, scope, 'appjson-path');
  return value.replace(/^\/+|\/+$/g, '') || 'app.json';
}
