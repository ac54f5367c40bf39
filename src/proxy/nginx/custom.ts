// An app's own nginx.conf.sigil (Dokku's custom template), rendered with sigil and the variables
// Dokku's nginx-vhosts passes it, mapped onto where Slipway's nginx listens; each `upstream APP-PORT`
// block then gets Slipway's servers (its processes listen on their own ports, not on the container
// port at addresses of their own as Dokku's containers do).
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { render as renderSigil, SigilError } from '../../sigil/index.js';
import { SlipwayError } from '../../errors.js';
import { upstreamName, upstreamServers, type SiteInput } from './render.js';

export interface CustomTemplate {
  /** The template's text, as the app's last deploy brought it. */
  text: string;
  /** Shown in errors (nginx.conf.sigil, or the nginx-conf-sigil-path property's file). */
  name: string;
}

const isLoopback = (host: string) => /^127\./.test(host) || host === '::1' || host === 'localhost';

/** The host port a mapping's `listen` gets: 80 and 443 stand for Slipway's nginx listen ports. */
function listenPort(scheme: string, hostPort: number, site: SiteInput): number {
  if (scheme === 'https' && hostPort === 443) return site.listen.httpsPort;
  if (scheme === 'http' && hostPort === 80) return site.listen.httpPort;
  return hostPort;
}

/** Dokku's get_ssl_hostnames: the certificate's subject CN and DNS alternative names (none when it does not parse). */
export function certificateNames(crt: string): string[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(crt);
  } catch {
    return [];
  }
  const names = new Set<string>();
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  if (cn) names.add(cn);
  for (const entry of (cert.subjectAltName ?? '').split(', ')) if (entry.startsWith('DNS:')) names.add(entry.slice(4));
  return [...names].sort();
}

/** `nginx -v`'s version, as Dokku cuts it: what follows `nginx/` up to the first blank. */
export function parseNginxVersion(output: string): string {
  return (output.split('\n').find((l) => l.includes('/')) ?? '').split('/')[1]?.split(/\s/)[0] ?? '';
}

/**
 * Dokku's is_http2_directive_supported (`http2 on;`: nginx 1.25.1 and later) and is_http2_push_enabled
 * (`http2_push_preload`: nginx 1.13.9 up to, not including, 1.25, where push was removed). Missing
 * version parts count as 0, as in Dokku's bash tests.
 */
export function http2Support(version: string | undefined): { directive: boolean; push: boolean } {
  const [major = 0, minor = 0, patch = 0] = (version ?? '').split('.').map((p) => (/^[0-9]+$/.test(p) ? Number(p) : 0));
  if (major >= 2) return { directive: true, push: true };
  if (major !== 1) return { directive: false, push: false };
  return {
    directive: (minor === 25 && patch >= 1) || minor >= 26,
    push: ((minor === 13 && patch >= 9) || minor >= 14) && minor < 25,
  };
}

/**
 * Dokku's SSL_SERVER_NAME: with a certificate, the app's domains that the certificate covers (or,
 * after domains:disable, the global domains), less those already in NOSSL_SERVER_NAME, the last one
 * first. NOSSL_SERVER_NAME holds all of the app's domains, so only an app without vhosts gets any.
 */
export function sslServerName(site: SiteInput, noSslServerName: string): string {
  if (site.tlsDir === undefined) return '';
  let candidates: readonly string[];
  if (site.vhostEnabled !== false) {
    // grep -E "^a|b$" as Dokku builds it: `.` literal, `*` one label; the anchors bind the first and last name only.
    const names = [...new Set(site.certNames ?? [])].sort()
      .map((n) => n.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*'));
    const covered = new RegExp(`^${names.join('|')}$`);
    candidates = site.hostnames.filter((h) => covered.test(h));
  } else {
    candidates = site.globalDomains ?? [];
  }
  const already = (host: string): boolean => {
    try {
      // Dokku tests `[[ $NOSSL =~ (^|[[:space:]])$host($|[[:space:]]) ]]`: the name is a pattern there.
      return new RegExp(`(^|\\s)${host}($|\\s)`).test(noSslServerName);
    } catch {
      return noSslServerName.split(' ').includes(host);
    }
  };
  let out: string[] = [];
  for (const host of candidates) if (!already(host)) out = [host, ...out];
  return out.join(' ');
}

/** DOKKU_APP_<TYPE>_LISTENERS for each scaled process type (upper-cased, `-` as `_`), as Dokku adds them. */
function processListeners(site: SiteInput): Record<string, string> {
  if (site.target.kind !== 'upstreams' || site.target.upstreams.length === 0) return {};
  const out: Record<string, string> = {};
  for (const [type, listeners] of Object.entries(site.target.processes ?? {})) {
    if (type === 'web') continue;
    out[`DOKKU_APP_${type.toUpperCase().replace(/-/g, '_')}_LISTENERS`] = listeners.join(' ');
  }
  return out;
}

/** The warnings Dokku's nginx build gives an app's own template for variables and directives it deprecated. */
export function templateDeprecations(text: string): string[] {
  const out: string[] = [];
  if (text.includes('DOKKU_APP_LISTENERS')) out.push('Deprecated: Usage of DOKKU_APP_LISTENERS within nginx.conf.sigil templates is deprecated in favor of DOKKU_APP_WEB_LISTENERS');
  if (text.includes('NGINX_SSL_PORT')) out.push('Deprecated: Usage of NGINX_SSL_PORT within nginx.conf.sigil templates is deprecated in favor of PROXY_SSL_PORT');
  if (text.includes('NGINX_PORT')) out.push('Deprecated: Usage of NGINX_PORT within nginx.conf.sigil templates is deprecated in favor of PROXY_PORT');
  if (/listen[ \t]+.*[ \t]http2[; \t]/.test(text)) {
    out.push("Deprecated: Usage of 'listen ... http2' within nginx.conf.sigil templates is deprecated since nginx 1.25.1 in favor of the standalone 'http2 on;' directive");
  }
  return out;
}

/** Dokku's sigil variables for nginx.conf.sigil (plugins/nginx-vhosts' fn-nginx-vhosts-render-template). */
export function templateVariables(site: SiteInput, libRoot: string): Record<string, string> {
  const v = site.values;
  const dokkuRoot = path.dirname(path.dirname(site.includeDir));
  const ssl = site.tlsDir !== undefined;
  // Dokku leaves out https mappings while the app has no certificate.
  const maps = site.maps.filter((m) => ssl || m.scheme !== 'https');
  const portMap = maps.map((m) => `${m.scheme}:${listenPort(m.scheme, m.hostPort, site)}:${m.containerPort}`).join(' ');
  const upstreamPorts = [...new Set(maps.map((m) => m.containerPort))].join(' ');
  const listeners = site.target.kind === 'upstreams' ? site.target.upstreams.map((u) => `${u.host}:${u.port}`).join(' ') : '';
  const ip4 = v['bind-address-ipv4'] || site.listen.httpHost;
  const ip6 = v['bind-address-ipv6'] === '::' && isLoopback(site.listen.httpHost) ? '::1' : v['bind-address-ipv6'];
  const names = site.hostnames.filter((h) => /^[a-z0-9*.-]+$/i.test(h)).join(' ');
  const http2 = http2Support(site.nginxVersion);
  return {
    APP: site.app,
    DOKKU_ROOT: dokkuRoot,
    DOKKU_LIB_ROOT: libRoot,
    NOSSL_SERVER_NAME: names,
    SSL_SERVER_NAME: sslServerName(site, names),
    SSL_INUSE: ssl ? 'true' : '',
    APP_SSL_PATH: site.tlsDir ?? path.join(dokkuRoot, site.app, 'tls'),
    DOKKU_APP_LISTENERS: listeners,
    DOKKU_APP_WEB_LISTENERS: listeners,
    PASSED_LISTEN_IP_PORT: '',
    DOKKU_APP_LISTEN_PORT: '',
    DOKKU_APP_LISTEN_IP: '',
    SPDY_SUPPORTED: 'false',
    TLS13_SUPPORTED: 'true',
    HTTP2_SUPPORTED: 'true',
    HTTP2_DIRECTIVE_SUPPORTED: String(http2.directive),
    HTTP2_PUSH_SUPPORTED: String(http2.push),
    GRPC_SUPPORTED: 'true',
    NGINX_LOG_ROOT: path.dirname(v['access-log-path'] === 'off' ? v['error-log-path'] : v['access-log-path']),
    NGINX_ACCESS_LOG_FORMAT: v['access-log-format'],
    NGINX_ACCESS_LOG_PATH: v['access-log-path'],
    NGINX_ERROR_LOG_PATH: v['error-log-path'] === 'off' ? '/dev/null' : v['error-log-path'],
    NGINX_BIND_ADDRESS_IP4: ip4,
    NGINX_BIND_ADDRESS_IP6: ip6,
    NGINX_UNDERSCORE_IN_HEADERS: v['underscore-in-headers'],
    CLIENT_BODY_TIMEOUT: v['client-body-timeout'],
    CLIENT_HEADER_TIMEOUT: v['client-header-timeout'],
    CLIENT_MAX_BODY_SIZE: v['client-max-body-size'],
    KEEPALIVE_TIMEOUT: v['keepalive-timeout'],
    LINGERING_TIMEOUT: v['lingering-timeout'],
    SEND_TIMEOUT: v['send-timeout'],
    PROXY_CONNECT_TIMEOUT: v['proxy-connect-timeout'],
    PROXY_READ_TIMEOUT: v['proxy-read-timeout'],
    PROXY_SEND_TIMEOUT: v['proxy-send-timeout'],
    PROXY_BUFFER_SIZE: v['proxy-buffer-size'],
    PROXY_BUFFERING: v['proxy-buffering'],
    PROXY_BUFFERS: v['proxy-buffers'],
    PROXY_BUSY_BUFFERS_SIZE: v['proxy-busy-buffers-size'],
    PROXY_KEEPALIVE: v['proxy-keepalive'] === '0' ? '' : v['proxy-keepalive'],
    NGINX_PORT: String(site.proxyPorts?.http ?? site.listen.httpPort),
    NGINX_SSL_PORT: String(site.proxyPorts?.https ?? site.listen.httpsPort),
    PROXY_PORT: String(site.proxyPorts?.http ?? site.listen.httpPort),
    PROXY_SSL_PORT: String(site.proxyPorts?.https ?? site.listen.httpsPort),
    PROXY_PORT_MAP: portMap,
    PROXY_UPSTREAM_PORTS: upstreamPorts,
    PROXY_X_FORWARDED_FOR: v['x-forwarded-for-value'],
    PROXY_X_FORWARDED_PORT: v['x-forwarded-port-value'],
    PROXY_X_FORWARDED_PROTO: v['x-forwarded-proto-value'],
    PROXY_X_FORWARDED_SSL: v['x-forwarded-ssl'],
    ...processListeners(site),
  };
}

/** Each `upstream APP-PORT { … }` the template wrote gets Slipway's servers for that port, in place of its own. */
export function fillUpstreams(text: string, site: SiteInput): string {
  if (site.target.kind !== 'upstreams' || !site.target.upstreams.length) return text;
  const upstreams = site.target.upstreams;
  const prefix = upstreamName(site.app, 0).slice(0, -1);
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(upstream\\s+${escaped}(\\d+)\\s*\\{)([^}]*)\\}`, 'g'), (_all, head: string, port: string, body: string) => {
    const kept = body.split('\n').filter((line) => !/^\s*server\s/.test(line));
    const servers = upstreamServers(upstreams, Number(port)).map((s) => `  server ${s};`);
    const lines = kept.filter((l) => l.trim() !== '');
    return `${head}\n${[...lines, ...servers].join('\n')}\n}`;
  });
}

/** The app's nginx.conf from its template, piped through `cat -s` as Dokku does (blank runs squeezed). */
export function renderCustom(site: SiteInput, template: CustomTemplate, libRoot: string, env: Record<string, string>): string {
  let text: string;
  try {
    text = renderSigil(template.text, templateVariables(site, libRoot), { name: template.name, env });
  } catch (error) {
    if (error instanceof SigilError) throw new SlipwayError('E_NGINX_INVALID', `${template.name} of ${site.app} did not render: ${error.message}`, 1, { cause: error });
    throw error;
  }
  const squeezed = text.split('\n').filter((line, i, all) => !(line === '' && i > 0 && all[i - 1] === '')).join('\n');
  return fillUpstreams(squeezed, site);
}

/** A validate-config template (Dokku's validate.conf.sigil): sigil with NGINX_CONF, blank runs squeezed as `cat -s`. */
export function renderWrapper(template: CustomTemplate, appConf: string, app: string): string {
  let text: string;
  try {
    text = renderSigil(template.text, { NGINX_CONF: appConf }, { name: template.name, env: {} });
  } catch (error) {
    if (error instanceof SigilError) throw new SlipwayError('E_NGINX_INVALID', `${template.name} (validate-config of ${app}) did not render: ${error.message}`, 1, { cause: error });
    throw error;
  }
  return text.split('\n').filter((line, i, all) => !(line === '' && i > 0 && all[i - 1] === '')).join('\n');
}

/** Dokku's NGINX_ROOT, which a dokku.conf template may name (its dhparam.pem lives there in Dokku). */
export const NGINX_ROOT = '/etc/nginx';

/** A plugin's dokku.conf template (Dokku's dokku.conf.sigil): sigil with DOKKU_ROOT and NGINX_ROOT, blank runs squeezed. */
export function renderDokkuConf(template: CustomTemplate, dokkuRoot: string): string {
  let text: string;
  try {
    text = renderSigil(template.text, { DOKKU_ROOT: dokkuRoot, NGINX_ROOT }, { name: template.name, env: {} });
  } catch (error) {
    if (error instanceof SigilError) throw new SlipwayError('E_NGINX_INVALID', `${template.name} (nginx-dokku-template-source) did not render: ${error.message}`, 1, { cause: error });
    throw error;
  }
  return text.split('\n').filter((line, i, all) => !(line === '' && i > 0 && all[i - 1] === '')).join('\n').trimEnd();
}
