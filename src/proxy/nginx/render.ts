// One app's nginx.conf, as Dokku lays it out: an `upstream APP-PORT` per container port the app's
// mappings name, and a `server` per http/https mapping carrying all of the app's domains, TLS from
// its certificate, a redirect to HTTPS when it has one, the ACME challenge folder, and the app's
// nginx.conf.d/*.conf included inside each server block where Dokku includes it.
import type { NginxValues } from './properties.js';

export interface Upstream { readonly host: string; readonly port: number }

export interface SiteMap { readonly scheme: string; readonly hostPort: number; readonly containerPort: number }

export type SiteTarget =
  /** `processes`: every scaled process type's listeners (`host:port`), web's included, for Dokku's DOKKU_APP_<TYPE>_LISTENERS. */
  | { kind: 'upstreams'; upstreams: readonly Upstream[]; processes?: Readonly<Record<string, readonly string[]>> }
  | { kind: 'static'; dir: string }
  | { kind: 'stopped' };

/** Where nginx listens for host ports 80 and 443 (other host ports: the http host, that port). */
export interface NginxListen { httpHost: string; httpPort: number; httpsHost: string; httpsPort: number }

export interface SiteInput {
  app: string;
  hostnames: readonly string[];
  maps: readonly SiteMap[];
  target: SiteTarget;
  /** The app's tls folder (server.crt, server.key) when it has a certificate. */
  tlsDir?: string;
  /** $DOKKU_ROOT/APP/nginx.conf.d: plugins' fragments. */
  includeDir: string;
  /** Where HTTP-01 challenge tokens are written (served at /.well-known/acme-challenge/). */
  acmeDir: string;
  values: NginxValues;
  listen: NginxListen;
  /** False after domains:disable (the app has no hostnames; Dokku's SSL_SERVER_NAME then lists the global domains). */
  vhostEnabled?: boolean;
  /** The global domains ($DOKKU_ROOT/VHOST). */
  globalDomains?: readonly string[];
  /** The names the app's certificate covers (subject CN and DNS alternative names). */
  certNames?: readonly string[];
  /** The nginx version (`nginx -v`), which Dokku's HTTP2_* template variables follow. */
  nginxVersion?: string;
  /** An app without vhosts: its proxy-port and proxy-ssl-port (a template's PROXY_PORT, PROXY_SSL_PORT). */
  proxyPorts?: { http?: number; https?: number };
}

/** The port the app's processes get as PORT: such a mapping goes to each process's own port. */
export const INSTANCE_PORT = 5000;

const GZIP_TYPES = 'text/css text/javascript text/plain text/xml application/javascript application/json application/xml application/rss+xml application/wasm image/svg+xml font/opentype';

/** nginx's address syntax: IPv6 in brackets. */
export function listenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function listenFor(map: SiteMap, listen: NginxListen): string {
  if (map.scheme === 'https' && map.hostPort === 443) return listenAddress(listen.httpsHost, listen.httpsPort);
  if (map.scheme === 'http' && map.hostPort === 80) return listenAddress(listen.httpHost, listen.httpPort);
  return listenAddress(map.scheme === 'https' ? listen.httpsHost : listen.httpHost, map.hostPort);
}

/** The upstream servers for a container port: each process's own port for 5000, else that port on its host. */
export function upstreamServers(upstreams: readonly Upstream[], containerPort: number): string[] {
  const servers = upstreams.map((u) => listenAddress(u.host, containerPort === INSTANCE_PORT ? u.port : containerPort));
  return [...new Set(servers)];
}

export function upstreamName(app: string, containerPort: number): string {
  return `${app}-${containerPort}`;
}

/** Only names nginx reads as server names (domains are checked when added; this keeps the file safe regardless). */
function serverNames(hostnames: readonly string[]): string {
  return hostnames.filter((h) => /^[a-z0-9*.-]+$/i.test(h)).join(' ');
}

function hstsValue(values: NginxValues): string | undefined {
  if (values.hsts !== 'true') return undefined;
  let header = `max-age=${values['hsts-max-age']}`;
  if (values['hsts-include-subdomains'] === 'true') header += '; includeSubdomains';
  if (values['hsts-preload'] === 'true') header += '; preload';
  return header;
}

/**
 * The app's access log, in memory until 32 KiB are gathered or the oldest line is 1 s old (and on
 * reload and stop): one write per batch instead of one per request, worth ~0.1x of nginx's
 * requests/s (bench/README.md, nginx mode). Buffering needs a format name: Dokku's default is combined.
 */
export function accessLog(v: NginxValues): string {
  if (v['access-log-path'] === 'off') return 'off';
  return `${v['access-log-path']} ${v['access-log-format'] || 'combined'} buffer=32k flush=1s`;
}

function proxyLocation(site: SiteInput, map: SiteMap, lines: string[]): void {
  const v = site.values;
  const target = site.target;
  lines.push('  location / {');
  if (target.kind === 'static') {
    lines.push(`    root ${target.dir};`, '    index index.html index.htm;', '    try_files $uri $uri/ =404;');
  } else if (target.kind === 'stopped' || target.upstreams.length === 0) {
    lines.push('    return 503;');
  } else {
    lines.push(
      '    gzip on;', '    gzip_min_length 1100;', '    gzip_comp_level 6;', '    gzip_vary on;', `    gzip_types ${GZIP_TYPES};`,
      `    proxy_pass http://${upstreamName(site.app, map.containerPort)};`,
      '    proxy_http_version 1.1;',
      `    proxy_connect_timeout ${v['proxy-connect-timeout']};`,
      `    proxy_read_timeout ${v['proxy-read-timeout']};`,
      `    proxy_send_timeout ${v['proxy-send-timeout']};`,
      `    proxy_buffer_size ${v['proxy-buffer-size']};`,
      `    proxy_buffering ${v['proxy-buffering']};`,
      `    proxy_buffers ${v['proxy-buffers']};`,
      `    proxy_busy_buffers_size ${v['proxy-busy-buffers-size']};`,
      '    proxy_set_header Upgrade $http_upgrade;',
      '    proxy_set_header Connection $http_connection;',
      '    proxy_set_header Host $http_host;',
      `    proxy_set_header X-Forwarded-For ${v['x-forwarded-for-value']};`,
      `    proxy_set_header X-Forwarded-Port ${v['x-forwarded-port-value']};`,
      `    proxy_set_header X-Forwarded-Proto ${v['x-forwarded-proto-value']};`,
      '    proxy_set_header X-Request-Start $msec;',
    );
    if (v['x-forwarded-ssl']) lines.push(`    proxy_set_header X-Forwarded-Ssl ${v['x-forwarded-ssl']};`);
  }
  lines.push('  }');
}

function serverBlock(site: SiteInput, map: SiteMap, lines: string[]): void {
  const v = site.values;
  const secure = map.scheme === 'https';
  // Dokku's rule: plain HTTP on port 80 of an app with a certificate only redirects.
  const redirect = !secure && map.hostPort === 80 && site.tlsDir !== undefined;
  const names = serverNames(site.hostnames);
  lines.push('server {', `  listen ${listenFor(map, site.listen)}${secure ? ' ssl http2' : ''};`);
  if (names) lines.push(`  server_name ${names};`);
  lines.push(
    `  access_log ${accessLog(v)};`,
    `  error_log ${v['error-log-path'] === 'off' ? '/dev/null' : v['error-log-path']};`,
    `  underscores_in_headers ${v['underscore-in-headers']};`,
    `  client_body_timeout ${v['client-body-timeout']};`,
    `  client_header_timeout ${v['client-header-timeout']};`,
    `  keepalive_timeout ${v['keepalive-timeout']};`,
    `  lingering_timeout ${v['lingering-timeout']};`,
    `  send_timeout ${v['send-timeout']};`,
    `  client_max_body_size ${v['client-max-body-size']};`,
  );
  if (secure && site.tlsDir) {
    lines.push(
      `  ssl_certificate ${site.tlsDir}/server.crt;`,
      `  ssl_certificate_key ${site.tlsDir}/server.key;`,
      '  ssl_protocols TLSv1.2 TLSv1.3;',
      '  ssl_prefer_server_ciphers off;',
    );
    const hsts = hstsValue(v);
    if (hsts) lines.push(`  add_header Strict-Transport-Security "${hsts}" always;`);
  }
  // HTTP-01 challenges: answered from the app's challenge folder, before any plugin's locations.
  lines.push(
    '  location ^~ /.well-known/acme-challenge/ {',
    `    alias ${site.acmeDir}/;`,
    '    default_type text/plain;',
    '  }',
  );
  if (redirect) {
    // Dokku includes the fragments before the redirect's location, so they can answer first.
    lines.push(`  include ${site.includeDir}/*.conf;`);
    const port = site.listen.httpsPort === 443 ? '' : `:${site.listen.httpsPort}`;
    lines.push('  location / {', `    return 301 https://$host${port}$request_uri;`, '  }');
  } else {
    proxyLocation(site, map, lines);
    lines.push(`  include ${site.includeDir}/*.conf;`);
  }
  lines.push('}', '');
}

/** The whole nginx.conf of one app; empty server list when it has no http/https mapping. */
export function renderSite(site: SiteInput): string {
  const lines: string[] = [`# ${site.app}: written by Slipway (proxy type nginx). Rebuilt on every deploy and proxy change;`,
    `# add directives as files in ${site.includeDir}/ instead of editing this file.`, ''];
  const maps = site.maps.filter((m) => m.scheme === 'http' || m.scheme === 'https');
  if (site.target.kind === 'upstreams' && site.target.upstreams.length > 0) {
    const keepalive = site.values['proxy-keepalive'];
    for (const port of [...new Set(maps.map((m) => m.containerPort))].sort((a, b) => a - b)) {
      lines.push(`upstream ${upstreamName(site.app, port)} {`);
      if (keepalive && keepalive !== '0') lines.push(`  keepalive ${keepalive};`);
      for (const server of upstreamServers(site.target.upstreams, port)) lines.push(`  server ${server};`);
      lines.push('}', '');
    }
  }
  for (const map of maps) serverBlock(site, map, lines);
  return `${lines.join('\n')}\n`;
}
