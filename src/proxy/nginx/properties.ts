// nginx:set properties, as Dokku's nginx-vhosts plugin names them, with Dokku's defaults. Each value
// lands in generated nginx text, so every value is checked against what its directive takes.

export interface NginxProperty {
  name: string;
  /** The default when neither the app nor --global sets it ('' = none). `{logs}` is the log folder, `{app}` the app. */
  fallback: string;
  /** What a value must look like; undefined: any word without nginx syntax (`;`, braces, quotes, newlines). */
  pattern?: RegExp;
  /** Shown when a value is refused. */
  takes?: string;
}

const SIZE = /^\d+[kKmMgG]?$/;
const TIME = /^\d+(ms|s|m|h|d)?$/;
const BOOL = /^(true|false)$/;
const ONOFF = /^(on|off)$/;
const PATH = /^(off|\/[A-Za-z0-9._\/@%+=,-]*)$/;
const VARIABLE = /^(\$[a-z_]+|[A-Za-z0-9._:-]+)$/;

/** Dokku's list, sorted; the sizes that depend on the page size use 4k pages. */
export const NGINX_PROPERTIES: readonly NginxProperty[] = [
  { name: 'access-log-format', fallback: '', pattern: /^[A-Za-z0-9_]+$/, takes: 'a log_format name' },
  { name: 'access-log-path', fallback: '{logs}/{app}-access.log', pattern: PATH, takes: 'an absolute path or off' },
  { name: 'bind-address-ipv4', fallback: '', pattern: /^[0-9.]+$/, takes: 'an IPv4 address' },
  { name: 'bind-address-ipv6', fallback: '::', pattern: /^[0-9a-fA-F:]+$/, takes: 'an IPv6 address' },
  { name: 'client-body-timeout', fallback: '60s', pattern: TIME, takes: 'a time (60s)' },
  { name: 'client-header-timeout', fallback: '60s', pattern: TIME, takes: 'a time (60s)' },
  { name: 'client-max-body-size', fallback: '1m', pattern: SIZE, takes: 'a size (1m, 512k, 0 for no limit)' },
  { name: 'disable-custom-config', fallback: 'false', pattern: BOOL, takes: 'true or false' },
  { name: 'error-log-path', fallback: '{logs}/{app}-error.log', pattern: PATH, takes: 'an absolute path or off' },
  { name: 'hsts', fallback: 'true', pattern: BOOL, takes: 'true or false' },
  { name: 'hsts-include-subdomains', fallback: 'true', pattern: BOOL, takes: 'true or false' },
  { name: 'hsts-max-age', fallback: '15724800', pattern: /^\d+$/, takes: 'a number of seconds' },
  { name: 'hsts-preload', fallback: 'false', pattern: BOOL, takes: 'true or false' },
  { name: 'keepalive-timeout', fallback: '75s', pattern: TIME, takes: 'a time (75s)' },
  { name: 'lingering-timeout', fallback: '5s', pattern: TIME, takes: 'a time (5s)' },
  { name: 'nginx-conf-sigil-path', fallback: 'nginx.conf.sigil', pattern: /^[A-Za-z0-9._\/-]+$/, takes: 'a path in the app' },
  { name: 'proxy-buffer-size', fallback: '4k', pattern: SIZE, takes: 'a size (4k)' },
  { name: 'proxy-buffering', fallback: 'on', pattern: ONOFF, takes: 'on or off' },
  { name: 'proxy-buffers', fallback: '8 4k', pattern: /^\d+ \d+[kKmM]?$/, takes: 'a count and a size (8 4k)' },
  { name: 'proxy-busy-buffers-size', fallback: '8k', pattern: SIZE, takes: 'a size (8k)' },
  { name: 'proxy-connect-timeout', fallback: '60s', pattern: TIME, takes: 'a time (60s)' },
  // Dokku leaves it unset (a new upstream connection per request); Slipway keeps 64 idle connections per worker.
  { name: 'proxy-keepalive', fallback: '64', pattern: /^\d+$/, takes: 'a number of idle connections (0: none)' },
  { name: 'proxy-read-timeout', fallback: '60s', pattern: TIME, takes: 'a time (60s)' },
  { name: 'proxy-send-timeout', fallback: '60s', pattern: TIME, takes: 'a time (60s)' },
  { name: 'send-timeout', fallback: '60s', pattern: TIME, takes: 'a time (60s)' },
  { name: 'underscore-in-headers', fallback: 'off', pattern: ONOFF, takes: 'on or off' },
  { name: 'x-forwarded-for-value', fallback: '$remote_addr', pattern: VARIABLE, takes: 'an nginx variable or a word' },
  { name: 'x-forwarded-port-value', fallback: '$server_port', pattern: VARIABLE, takes: 'an nginx variable or a word' },
  { name: 'x-forwarded-proto-value', fallback: '$scheme', pattern: VARIABLE, takes: 'an nginx variable or a word' },
  { name: 'x-forwarded-ssl', fallback: '', pattern: /^(on|off)$/, takes: 'on or off' },
];

export function findProperty(name: string): NginxProperty | undefined {
  return NGINX_PROPERTIES.find((p) => p.name === name);
}

/** Why `value` cannot be stored for `property`, or undefined when it can. */
export function refuseValue(property: NginxProperty, value: string): string | undefined {
  if (property.pattern && !property.pattern.test(value)) return `Invalid value for ${property.name}: it takes ${property.takes}`;
  return undefined;
}

/** Computed values: the app's, else the global one, else the default (with {logs} and {app} filled in). */
export type NginxValues = Readonly<Record<string, string>>;

export function computeValues(own: ReadonlyMap<string, string>, global: ReadonlyMap<string, string>, app: string, logsDir: string): NginxValues {
  const values: Record<string, string> = {};
  for (const p of NGINX_PROPERTIES) {
    const raw = (own.get(p.name) ?? '').trim() || (global.get(p.name) ?? '').trim() || p.fallback.replace('{logs}', logsDir).replace('{app}', app);
    // A value written to the property file by hand and not valid falls back to the default.
    values[p.name] = refuseValue(p, raw) === undefined || raw === '' ? raw : p.fallback.replace('{logs}', logsDir).replace('{app}', app);
  }
  return values;
}
