// sigil -p: POSIX-style variable expansion before templating: $VAR, ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:=default}, ${VAR:+alt}, ${VAR+alt}, ${VAR:?message}; unset is empty.
import { SigilError } from './execute.js';

export function expandPosix(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-=+?])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_all, braced: string | undefined, colon: string, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const value = env[name];
      const unset = colon ? !value : value === undefined;
      const arg = () => expandPosix((word ?? '').replace(/^"(.*)"$/s, '$1'), env);
      switch (op) {
        case '-': return unset ? arg() : (value as string);
        case '=': {
          if (!unset) return value as string;
          env[name] = arg();
          return env[name] as string;
        }
        case '+': return unset ? '' : arg();
        case '?':
          if (unset) throw new SigilError(`${name}: ${word ? arg() : 'parameter null or not set'}`);
          return value as string;
        default: return value ?? '';
      }
    });
}
