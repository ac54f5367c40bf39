// Renders an app's environment in the formats `config:export` and `config:show` offer.
// Values are data: every format quotes them so no shell or parser evaluates them.
import { quoteShellValue, type EnvMap } from '../store/env-file.js';
import { UsageError } from '../errors.js';

export const EXPORT_FORMATS = ['exports', 'envfile', 'docker-args', 'shell', 'pretty', 'json', 'json-list'] as const;
export type ExportFormat = typeof EXPORT_FORMATS[number];

export function parseExportFormat(value: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new UsageError(`Unknown export format '${value}': use one of ${EXPORT_FORMATS.join(', ')}`);
}

function doubleQuoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\$/g, '\\$').replace(/`/g, '\\`')}"`;
}

/**
 * JSON whose strings a shell cannot expand: `$` and backquote become \u escapes (same JSON
 * value), because bash expands them inside the double quotes JSON strings use, so a value
 * like `$(cmd)` would run if someone sourced or eval'd the output.
 */
function shellInertJson(value: unknown): string {
  return JSON.stringify(value).replace(/\$/g, '\\u0024').replace(/`/g, '\\u0060');
}

export function pretty(env: EnvMap): string {
  const keys = [...env.keys()].sort();
  const width = Math.max(0, ...keys.map((k) => k.length + 1)) + 2;
  return keys.map((key) => `${`${key}:`.padEnd(width)}${env.get(key)}\n`).join('');
}

export function formatEnv(env: EnvMap, format: ExportFormat): string {
  const keys = [...env.keys()].sort();
  const value = (key: string) => env.get(key) ?? '';
  switch (format) {
    case 'exports':
      return keys.map((k) => `export ${k}=${quoteShellValue(value(k))}\n`).join('');
    case 'envfile':
      return keys.map((k) => `${k}=${doubleQuoted(value(k))}\n`).join('');
    case 'docker-args':
      return keys.length ? keys.map((k) => `--env=${k}=${quoteShellValue(value(k))}`).join(' ') + '\n' : '';
    case 'shell':
      return keys.length ? keys.map((k) => `${k}=${quoteShellValue(value(k))}`).join(' ') + '\n' : '';
    case 'pretty':
      return pretty(env);
    case 'json':
      return shellInertJson(Object.fromEntries(keys.map((k) => [k, value(k)]))) + '\n';
    case 'json-list':
      return shellInertJson(keys.map((k) => ({ name: k, value: value(k) }))) + '\n';
  }
}
