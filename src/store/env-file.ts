// Reads and writes Dokku's ENV file format: one `export KEY='value'` per key, values in single
// quotes with `'\''` for a quote, so bash plugins can `source` the file and values stay data.

export type EnvMap = Map<string, string>;

const KEY_AT = /[A-Za-z_][A-Za-z0-9_]*/y;

export function quoteShellValue(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function serializeEnv(env: EnvMap): string {
  const keys = [...env.keys()].sort();
  return keys.map((key) => `export ${key}=${quoteShellValue(env.get(key) ?? '')}\n`).join('');
}

/**
 * Parses the subset of shell that serializeEnv writes (plus plain KEY=value and double
 * quotes, for files written by hand). Never evaluates anything.
 */
export function parseEnv(text: string): EnvMap {
  const env: EnvMap = new Map();
  let i = 0;
  const n = text.length;
  const skipBlank = () => { while (i < n && (text[i] === ' ' || text[i] === '\t')) i++; };
  while (i < n) {
    skipBlank();
    if (text[i] === '\n') { i++; continue; }
    if (text[i] === '#') { while (i < n && text[i] !== '\n') i++; continue; }
    if (text.startsWith('export ', i)) { i += 7; skipBlank(); }
    // Sticky match at i: no length cap, so a long key is read back instead of silently dropped.
    KEY_AT.lastIndex = i;
    const keyMatch = KEY_AT.exec(text);
    if (!keyMatch || text[i + keyMatch[0].length] !== '=') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const key = keyMatch[0];
    i += key.length + 1;
    let value = '';
    while (i < n && text[i] !== '\n' && text[i] !== ' ' && text[i] !== '\t') {
      const c = text[i];
      if (c === "'") {
        const end = text.indexOf("'", i + 1);
        const stop = end === -1 ? n : end;
        value += text.slice(i + 1, stop);
        i = stop + 1;
      } else if (c === '"') {
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < n && '"\\$`\n'.includes(text[i + 1])) i++;
          value += text[i];
          i++;
        }
        i++;
      } else if (c === '\\' && i + 1 < n) {
        value += text[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    while (i < n && text[i] !== '\n') i++;
    env.set(key, value);
  }
  return env;
}
