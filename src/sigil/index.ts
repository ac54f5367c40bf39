// Slipway's sigil: gliderlabs/sigil's template language (Go text/template plus sigil's functions),
// for Dokku plugins that render nginx fragments with `sigil -f FILE VAR=value …`, and for an app's
// own nginx.conf.sigil. render() is the whole engine; cli.ts is the command around it.
import fs from 'node:fs';
import { renderTemplate, SigilError } from './execute.js';
import { FUNCTIONS, type FunctionContext } from './functions.js';
import { ParseError } from './lexer.js';
import { parse } from './parse.js';
import type { Value } from './values.js';

export { SigilError } from './execute.js';

export interface SigilOptions {
  /** The name errors show (sigil: the file's base name, `<stdin>`, `<inline>`). */
  name?: string;
  /** Folders searched for `include`/`file` names after the working folder. */
  paths?: string[];
  /** Seen by `var` (sigil also exports the variables to its environment). */
  env?: Record<string, string | undefined>;
  /** SIGIL_DELIMS' pair; `{{` `}}` by default. */
  delims?: [string, string];
  /** Variables of any kind (`-V` files), under the string ones; strings among them reach `var` too. */
  values?: Map<string, Value>;
}

/** Renders a template with string variables, as `sigil` does; throws SigilError with one line. */
export function render(template: string, vars: Record<string, string>, options: SigilOptions = {}): string {
  const fileStrings = Object.fromEntries([...(options.values ?? [])].filter((e): e is [string, string] => typeof e[1] === 'string'));
  const env = { ...(options.env ?? process.env), ...fileStrings, ...vars };
  let stdinText: string | undefined;
  const context = (paths: string[]): FunctionContext => ({
    paths,
    env,
    stdin: () => (stdinText ??= fs.readFileSync(0, 'utf8')),
    render: (text, more, name, dir) => renderWith(text, more, name, context(dir ? [dir, ...paths] : paths)),
  });
  const renderWith = (text: string, values: Map<string, Value>, name: string, ctx: FunctionContext) => {
    try {
      return renderTemplate(text, { name, vars: values, ctx, delims: options.delims });
    } catch (error) {
      if (error instanceof RangeError) throw new SigilError(`template: ${name}: ${error.message}`);
      throw error;
    }
  };
  const all = new Map<string, Value>([...(options.values ?? []), ...Object.entries(vars)]);
  return renderWith(template, all, options.name ?? '<inline>', context(options.paths ?? []));
}

/** Parses a template without running it: throws SigilError on a syntax error or an unknown function. */
export function checkTemplate(template: string, name: string): void {
  try {
    parse(template.split('\\}}\n{{').join('}}{{'), (fn) => Object.hasOwn(FUNCTIONS, fn));
  } catch (error) {
    if (error instanceof ParseError) throw new SigilError(`template: ${name}:${error.line}: ${error.message}`);
    throw error;
  }
}

export function isSigilError(error: unknown): error is SigilError {
  return error instanceof SigilError;
}
