// Reads Slipway's configuration from the environment once, at the edge.
// Every other module receives a typed Settings value instead of touching process.env.
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ListenAddress { host: string; port: number }

export interface Settings {
  /** Root of the Slipway checkout or installed package (holds plugins/, bin/, dist/). */
  packageRoot: string;
  /** SLIPWAY_HOME: all state. */
  home: string;
  /** DOKKU_ROOT: one bare repo and ENV per app. */
  dokkuRoot: string;
  /** DOKKU_LIB_ROOT: config, properties, plugins, locks. */
  libRoot: string;
  keysDir: string;
  sshListen: ListenAddress;
  sshUser: string;
  httpListen: ListenAddress;
  /** SLIPWAY_HTTPS_LISTEN: the proxy's TLS port (SNI per app certificate); `off`: no HTTPS listener. */
  httpsListen: ListenAddress | undefined;
  gitHttpListen: ListenAddress;
  /** SLIPWAY_GIT_HTTPS_LISTEN: the git smart-HTTP transport over TLS too (off unless set). */
  gitHttpsListen: ListenAddress | undefined;
  /** SLIPWAY_GIT_TLS_CERT / SLIPWAY_GIT_TLS_KEY: PEM files of the git host's certificate (re-read when they change). */
  gitTls: { cert: string; key: string } | undefined;
  /** SLIPWAY_DASHBOARD_LISTEN: the web dashboard (default 127.0.0.1:8090); empty or `off`: no dashboard. */
  dashboardListen: ListenAddress | undefined;
  /** SLIPWAY_DASHBOARD_URL: the address users open (behind a proxy); empty: http://HOST:PORT of the listener. */
  dashboardUrl: string;
  /** SLIPWAY_DASHBOARD_TLS_CERT / _KEY: PEM files of the dashboard host's certificate; set, the dashboard listens over HTTPS. */
  dashboardTls: { cert: string; key: string } | undefined;
  scheduler: 'auto' | 'process' | 'docker-local';
  /** Shipped core plugins (PLUGIN_CORE_AVAILABLE_PATH). */
  corePluginsDir: string;
  /** PLUGIN_PATH: installed plugins live in available/, enabled ones are linked from enabled/. */
  pluginPath: string;
  /** Limits of the SSH door (README, "Security model"). */
  sshLimits: SshLimits;
  /** The Docker engine and how docker-local networks its containers. */
  docker: DockerSettings;
  /** SLIPWAY_TRUSTED_PROXIES: addresses and CIDR ranges whose X-Forwarded-* headers the proxy keeps. */
  trustedProxies: string[];
  /** SLIPWAY_KEEP_RELEASES: builds (directories and images) kept per app besides the running one's. */
  keepReleases: number;
  /** SLIPWAY_PLUGIN_INFO_TIMEOUT: seconds a plugin's `help` or `report` trigger may run before it is stopped as faulty. */
  pluginInfoTimeoutSeconds: number;
  /** The nginx proxy (proxy:set APP nginx): who runs nginx, and where it listens. */
  nginx: NginxSettings;
}

export interface NginxSettings {
  /** SLIPWAY_NGINX: `managed` (Slipway runs its own nginx master) or `system` (the host's nginx, reloaded). */
  mode: 'managed' | 'system';
  /** SLIPWAY_NGINX_BIN: the nginx executable. */
  bin: string;
  /** SLIPWAY_NGINX_HTTP_LISTEN / _HTTPS_LISTEN: what host ports 80 and 443 of a mapping become. */
  httpListen: ListenAddress;
  httpsListen: ListenAddress;
  /** SLIPWAY_NGINX_CONF (system): the file the system nginx includes from its http block. */
  systemInclude: string;
  /** SLIPWAY_NGINX_PID (system): the system nginx's pid file. */
  systemPidFile: string;
}

export function loadNginxSettings(env: NodeJS.ProcessEnv): NginxSettings {
  const mode = env.SLIPWAY_NGINX || 'managed';
  if (mode !== 'managed' && mode !== 'system') throw new Error(`SLIPWAY_NGINX must be managed or system, got '${mode}'`);
  return {
    mode,
    bin: env.SLIPWAY_NGINX_BIN || 'nginx',
    httpListen: parseListen(env.SLIPWAY_NGINX_HTTP_LISTEN || '127.0.0.1:80', 'SLIPWAY_NGINX_HTTP_LISTEN'),
    httpsListen: parseListen(env.SLIPWAY_NGINX_HTTPS_LISTEN || '127.0.0.1:443', 'SLIPWAY_NGINX_HTTPS_LISTEN'),
    systemInclude: env.SLIPWAY_NGINX_CONF || '/etc/nginx/conf.d/slipway.conf',
    systemPidFile: env.SLIPWAY_NGINX_PID || '/run/nginx.pid',
  };
}

export const DEFAULT_KEEP_RELEASES = 5;

export interface DockerSettings {
  /** DOCKER_HOST: `unix:///path` or `tcp://host:port`; empty means the default socket. Checked by src/docker/endpoint.ts. */
  host: string;
  /** DOCKER_TLS_VERIFY=1: the engine wants TLS, which Slipway does not speak (refused when connecting). */
  tlsVerify: boolean;
  /** SLIPWAY_DOCKER_NETWORK: `bridge` (default) or `host`; checked when docker-local starts. */
  network: string;
}

/** Read on its own too, by the Docker modules that are not handed the server's Settings. */
export function loadDockerSettings(env: NodeJS.ProcessEnv = process.env): DockerSettings {
  return { host: env.DOCKER_HOST ?? '', tlsVerify: env.DOCKER_TLS_VERIFY === '1', network: env.SLIPWAY_DOCKER_NETWORK || 'bridge' };
}

export interface SshLimits {
  /** SLIPWAY_SSH_LOGIN_GRACE: seconds a connection may stay unauthenticated, counted from the TCP accept. */
  loginGraceSeconds: number;
  /** SLIPWAY_SSH_MAX_AUTH_TRIES: authentication requests per connection (the first `none` is free). */
  maxAuthTries: number;
  /** SLIPWAY_SSH_IDLE_TIMEOUT: seconds an authenticated connection may stay with no open session; 0 = never. */
  idleTimeoutSeconds: number;
  /** SLIPWAY_SSH_MAX_UNAUTHENTICATED: unauthenticated connections in total; the oldest is evicted beyond it. */
  maxUnauthenticated: number;
  /** SLIPWAY_SSH_MAX_UNAUTHENTICATED_PER_ADDRESS: the same, per source address. */
  maxUnauthenticatedPerAddress: number;
  /** SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS: authenticated connections per source address. */
  maxConnectionsPerAddress: number;
}

export const defaultSshLimits: SshLimits = {
  loginGraceSeconds: 30,
  maxAuthTries: 6,
  idleTimeoutSeconds: 600,
  maxUnauthenticated: 512,
  maxUnauthenticatedPerAddress: 128,
  maxConnectionsPerAddress: 256,
};

function parseCount(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) throw new Error(`${name} must be a whole number of at least ${min}, got '${raw}'`);
  return Number(raw);
}

export function loadSshLimits(env: NodeJS.ProcessEnv): SshLimits {
  const d = defaultSshLimits;
  return {
    loginGraceSeconds: parseCount(env, 'SLIPWAY_SSH_LOGIN_GRACE', d.loginGraceSeconds, 1),
    maxAuthTries: parseCount(env, 'SLIPWAY_SSH_MAX_AUTH_TRIES', d.maxAuthTries, 1),
    idleTimeoutSeconds: parseCount(env, 'SLIPWAY_SSH_IDLE_TIMEOUT', d.idleTimeoutSeconds, 0),
    maxUnauthenticated: parseCount(env, 'SLIPWAY_SSH_MAX_UNAUTHENTICATED', d.maxUnauthenticated, 1),
    maxUnauthenticatedPerAddress: parseCount(env, 'SLIPWAY_SSH_MAX_UNAUTHENTICATED_PER_ADDRESS', d.maxUnauthenticatedPerAddress, 1),
    maxConnectionsPerAddress: parseCount(env, 'SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS', d.maxConnectionsPerAddress, 1),
  };
}

/**
 * SLIPWAY_TRUSTED_PROXIES: IP addresses or CIDR ranges separated by commas or spaces
 * (`10.0.0.0/8, 2001:db8::1`). Empty: no peer is trusted, every X-Forwarded-* is the proxy's own.
 */
export function parseTrustedProxies(value: string | undefined): string[] {
  const entries = (value ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = net.isIP(address);
    const valid = family !== 0 && extra === undefined
      && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32)));
    if (!valid) throw new Error(`SLIPWAY_TRUSTED_PROXIES must list IP addresses or CIDR ranges, got '${entry.replace(/[^\x20-\x7e]/g, '?').slice(0, 60)}'`);
  }
  return entries;
}

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function parseListen(value: string, name: string): ListenAddress {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(value.trim());
  if (!match) throw new Error(`${name} must look like HOST:PORT, got '${value}'`);
  const port = Number(match[2]);
  if (port < 0 || port > 65535) throw new Error(`${name} has an invalid port: ${match[2]}`);
  return { host: match[1] || '127.0.0.1', port };
}

/** SLIPWAY_GIT_HTTPS_LISTEN needs both certificate files; the files without the listener are an error too. */
function gitHttps(env: NodeJS.ProcessEnv, cwd: string): Pick<Settings, 'gitHttpsListen' | 'gitTls'> {
  const listen = env.SLIPWAY_GIT_HTTPS_LISTEN && env.SLIPWAY_GIT_HTTPS_LISTEN !== 'off' ? env.SLIPWAY_GIT_HTTPS_LISTEN : undefined;
  const cert = env.SLIPWAY_GIT_TLS_CERT || undefined;
  const key = env.SLIPWAY_GIT_TLS_KEY || undefined;
  if (listen === undefined) {
    if (cert || key) throw new Error('SLIPWAY_GIT_TLS_CERT and SLIPWAY_GIT_TLS_KEY need SLIPWAY_GIT_HTTPS_LISTEN (HOST:PORT)');
    return { gitHttpsListen: undefined, gitTls: undefined };
  }
  if (!cert || !key) throw new Error('SLIPWAY_GIT_HTTPS_LISTEN needs SLIPWAY_GIT_TLS_CERT and SLIPWAY_GIT_TLS_KEY (PEM files of the git host\'s certificate chain and key)');
  return { gitHttpsListen: parseListen(listen, 'SLIPWAY_GIT_HTTPS_LISTEN'), gitTls: { cert: path.resolve(cwd, cert), key: path.resolve(cwd, key) } };
}

/** Unset: the default; set but empty (or `off`): no dashboard. */
function parseDashboardListen(value: string | undefined): ListenAddress | undefined {
  if (value === undefined) return parseListen('127.0.0.1:8090', 'SLIPWAY_DASHBOARD_LISTEN');
  if (value.trim() === '' || value.trim() === 'off') return undefined;
  return parseListen(value, 'SLIPWAY_DASHBOARD_LISTEN');
}

function dashboardTls(env: NodeJS.ProcessEnv, cwd: string): { cert: string; key: string } | undefined {
  const cert = env.SLIPWAY_DASHBOARD_TLS_CERT || undefined;
  const key = env.SLIPWAY_DASHBOARD_TLS_KEY || undefined;
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new Error('SLIPWAY_DASHBOARD_TLS_CERT and SLIPWAY_DASHBOARD_TLS_KEY go together (PEM files of the dashboard host\'s certificate chain and key)');
  return { cert: path.resolve(cwd, cert), key: path.resolve(cwd, key) };
}

function parseDashboardUrl(value: string | undefined): string {
  const url = (value ?? '').trim().replace(/\/+$/, '');
  if (url && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(url)) throw new Error(`SLIPWAY_DASHBOARD_URL must look like https://HOST[:PORT][/PATH], got '${url.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)}'`);
  return url;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  const home = path.resolve(cwd, env.SLIPWAY_HOME || 'data');
  const libRoot = path.join(home, 'lib');
  const scheduler = env.SLIPWAY_SCHEDULER || 'auto';
  if (scheduler !== 'auto' && scheduler !== 'process' && scheduler !== 'docker-local') {
    throw new Error(`SLIPWAY_SCHEDULER must be auto, process or docker-local, got '${scheduler}'`);
  }
  return {
    packageRoot,
    home,
    dokkuRoot: path.join(home, 'home'),
    libRoot,
    keysDir: path.resolve(cwd, env.SLIPWAY_KEYS_DIR || 'keys'),
    sshListen: parseListen(env.SLIPWAY_SSH_LISTEN || '127.0.0.1:2222', 'SLIPWAY_SSH_LISTEN'),
    sshUser: env.SLIPWAY_SSH_USER || 'dokku',
    httpListen: parseListen(env.SLIPWAY_HTTP_LISTEN || '127.0.0.1:8080', 'SLIPWAY_HTTP_LISTEN'),
    httpsListen: env.SLIPWAY_HTTPS_LISTEN === 'off' ? undefined : parseListen(env.SLIPWAY_HTTPS_LISTEN || '127.0.0.1:8443', 'SLIPWAY_HTTPS_LISTEN'),
    gitHttpListen: parseListen(env.SLIPWAY_GIT_HTTP_LISTEN || '127.0.0.1:8081', 'SLIPWAY_GIT_HTTP_LISTEN'),
    ...gitHttps(env, cwd),
    dashboardListen: parseDashboardListen(env.SLIPWAY_DASHBOARD_LISTEN),
    dashboardUrl: parseDashboardUrl(env.SLIPWAY_DASHBOARD_URL),
    dashboardTls: dashboardTls(env, cwd),
    scheduler,
    corePluginsDir: path.join(packageRoot, 'plugins'),
    pluginPath: path.join(libRoot, 'plugins'),
    sshLimits: loadSshLimits(env),
    docker: loadDockerSettings(env),
    trustedProxies: parseTrustedProxies(env.SLIPWAY_TRUSTED_PROXIES),
    keepReleases: parseCount(env, 'SLIPWAY_KEEP_RELEASES', DEFAULT_KEEP_RELEASES, 1),
    pluginInfoTimeoutSeconds: parseCount(env, 'SLIPWAY_PLUGIN_INFO_TIMEOUT', 20, 1),
    nginx: loadNginxSettings(env),
  };
}
