// The nginx process behind proxy type nginx. `managed`: Slipway writes a main config in its own
// prefix folder, starts the master (own pid file, loopback ports by default) and stops it by pid.
// `system`: Slipway writes one include file for the host's nginx and reloads that nginx. Either way
// every change is checked with `nginx -t` first, and a reload counts only once new workers run it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { NginxSettings } from '../../settings.js';
import type { NginxFiles } from '../../store/nginx-files.js';
import { runChild } from '../../os/spawn.js';
import { hostEnv } from '../../os/host-env.js';
import { childrenOf, processAlive, processName, processTitle } from '../../os/process-group.js';
import { SlipwayError } from '../../errors.js';
import { listenAddress } from './render.js';
import { parseNginxVersion } from './custom.js';

export interface NginxCheck { ok: boolean; message: string }

/**
 * nginx -t's findings in one line: its [emerg]/[alert]/[crit]/[error] messages, without the
 * `nginx: ` prefix, the timestamp and the pid#tid that its error-log format adds.
 */
export function oneLine(output: string): string {
  const lines = output.split('\n')
    .map((l) => l.replace(/^nginx: /, '').replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '').replace(/^(\[\w+\]) \d+#\d+: /, '$1 ').trim())
    .filter(Boolean);
  const findings = lines.filter((l) => /^\[(emerg|alert|crit|error)\]/.test(l));
  return (findings.length ? findings : lines.filter((l) => !/syntax is ok|test is successful|test failed$/.test(l))).join('; ') || 'nginx -t failed';
}

const RELOAD_WAIT_MS = 15_000;

/** A live (not zombie) nginx process. */
function nginxAlive(pid: number): boolean {
  return processAlive(pid, '') && processName(pid).startsWith('nginx');
}

export class NginxServer {
  /** One change at a time: a config written, checked and reloaded is never mixed with another's. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A plugin's dokku.conf (nginx-dokku-template-source, rendered), in place of Slipway's shared http settings. */
  private dokkuConf?: string;

  constructor(private readonly settings: NginxSettings, private readonly files: NginxFiles) {}

  get mode(): 'managed' | 'system' { return this.settings.mode; }

  get listen() {
    const { httpListen, httpsListen } = this.settings;
    return { httpHost: httpListen.host, httpPort: httpListen.port, httpsHost: httpsListen.host, httpsPort: httpsListen.port };
  }

  mainConfig(): string {
    return this.mode === 'managed' ? path.join(this.files.prefix(), 'nginx.conf') : this.settings.systemInclude;
  }

  pidFile(): string {
    return this.mode === 'managed' ? path.join(this.files.prefix(), 'nginx.pid') : this.settings.systemPidFile;
  }

  /** Where app logs go by default (Dokku: /var/log/nginx). */
  logsDir(): string {
    return this.mode === 'managed' ? path.join(this.files.prefix(), 'logs') : '/var/log/nginx';
  }

  /** Runs `work` after every change queued before it. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Dokku's dokku.conf from a plugin's template (undefined: Slipway's own). True when it changed, so
   * the caller checks and reloads.
   */
  setDokkuConf(text: string | undefined): boolean {
    if (text === this.dokkuConf) return false;
    this.dokkuConf = text;
    return true;
  }

  /** What Dokku's dokku.conf holds: the apps' nginx.conf files included, and settings shared by them. */
  private sharedLines(): string[] {
    if (this.dokkuConf !== undefined) return ['# dokku.conf: from a plugin (nginx-dokku-template-source)', ...this.dokkuConf.split('\n')];
    return [
      'server_tokens off;',
      'ssl_session_cache shared:SLIPWAY_TLS:10m;',
      'ssl_session_timeout 1d;',
      'ssl_session_tickets off;',
      `include ${this.files.allAppConfigs()};`,
    ];
  }

  private managedConfig(): string {
    const prefix = this.files.prefix();
    const tmp = path.join(prefix, 'tmp');
    const { httpListen, httpsListen } = this.settings;
    const lines = [
      '# Written by Slipway for the nginx it manages (SLIPWAY_NGINX=managed); rewritten at every start.',
      // Workers run as the server's user: the data dir (challenge folders, static sites) is private to it.
      ...(process.getuid?.() === 0 ? [`user ${os.userInfo().username};`] : []),
      'worker_processes auto;',
      `pid ${this.pidFile()};`,
      `error_log ${path.join(prefix, 'logs', 'error.log')};`,
      'events { worker_connections 4096; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  default_type application/octet-stream;',
      '  sendfile on;',
      '  tcp_nopush on;',
      '  types_hash_max_size 2048;',
      // Clients that keep a connection (load balancers, HTTP/1.1 agents) are not cut every 1000 requests.
      '  keepalive_requests 10000;',
      '  server_names_hash_bucket_size 128;',
      `  access_log ${path.join(prefix, 'logs', 'access.log')};`,
      `  client_body_temp_path ${tmp}/body;`,
      `  proxy_temp_path ${tmp}/proxy;`,
      `  fastcgi_temp_path ${tmp}/fastcgi;`,
      `  uwsgi_temp_path ${tmp}/uwsgi;`,
      `  scgi_temp_path ${tmp}/scgi;`,
      // The version is settled by the listen socket's default server, before SNI picks the app's
      // block: without this nginx < 1.23.4 offers TLS 1.0-1.2 only, and never negotiates TLS 1.3.
      '  ssl_protocols TLSv1.2 TLSv1.3;',
      // No app for the name: 404 on HTTP, and no TLS handshake (as the built-in proxy does).
      `  server { listen ${listenAddress(httpListen.host, httpListen.port)} default_server; server_name _; access_log off; return 404; }`,
      `  server { listen ${listenAddress(httpsListen.host, httpsListen.port)} ssl default_server; server_name _; access_log off; ssl_reject_handshake on; }`,
      ...this.sharedLines().map((line) => (line ? `  ${line}` : line)),
      '}',
      '',
    ];
    return lines.join('\n');
  }

  private systemConfig(): string {
    return [
      '# Written by Slipway (SLIPWAY_NGINX=system): included from the http block of the system nginx.',
      ...(this.dokkuConf === undefined ? [`include ${this.files.allAppConfigs()};`] : this.sharedLines()),
      '',
    ].join('\n');
  }

  private args(): string[] {
    return this.mode === 'managed' ? ['-p', this.files.prefix(), '-c', this.mainConfig()] : [];
  }

  private async run(extra: string[]): Promise<{ status: number; output: string }> {
    const result = await runChild({ file: this.settings.bin, args: [...this.args(), ...extra], env: hostEnv(), stdout: 'capture', stderr: 'capture' });
    if (result.startError) {
      throw new SlipwayError('E_NGINX_UNAVAILABLE', `nginx cannot be run (${this.settings.bin}): ${result.startError.message}`, 1, { cause: result.startError });
    }
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  /** `nginx -v`'s version (`1.22.1`), read at each call as Dokku does: an upgraded nginx is seen at once. */
  async version(): Promise<string> {
    const { output } = await this.run(['-v']);
    return parseNginxVersion(output);
  }

  /**
   * `nginx -t` on one app's configuration alone, inside a minimal wrapper as Dokku's pre-validation
   * writes it (events, and an http block that includes the file), in a scratch prefix of its own
   * (temp and pid paths there, so it runs as any user). `wrapper` replaces that wrapper: given the
   * app file's path, the main configuration to check.
   */
  async testAlone(config: string, wrapper?: (appConf: string) => string): Promise<NginxCheck> {
    // The app's logs go to the managed prefix's logs/ by default, which nginx -t opens.
    if (this.mode === 'managed') await this.files.preparePrefix();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-nginx-validate-'));
    try {
      const conf = path.join(dir, 'nginx.conf');
      await fs.writeFile(path.join(dir, 'app.conf'), config);
      // A plugin's validate-config template is the whole wrapper, as in Dokku (its own pid and temp paths).
      await fs.writeFile(conf, wrapper ? wrapper(path.join(dir, 'app.conf')) : [
        `pid ${path.join(dir, 'nginx.pid')};`,
        'error_log /dev/null;',
        'events { worker_connections 768; }',
        'http {',
        '  access_log off;',
        '  error_log /dev/null;',
        // As the real configuration has it: long domain names fit there, so they do here.
        '  server_names_hash_bucket_size 128;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(dir, t)};`),
        `  include ${path.join(dir, 'app.conf')};`,
        '}',
        '',
      ].join('\n'));
      const result = await runChild({ file: this.settings.bin, args: ['-t', '-q', '-p', dir, '-c', conf], env: hostEnv(), stdout: 'capture', stderr: 'capture' });
      if (result.startError) {
        throw new SlipwayError('E_NGINX_UNAVAILABLE', `nginx cannot be run (${this.settings.bin}): ${result.startError.message}`, 1, { cause: result.startError });
      }
      return { ok: result.status === 0, message: result.status === 0 ? '' : oneLine(`${result.stdout}${result.stderr}`) };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** `nginx -t` on the whole configuration (every app's nginx.conf and its fragments). */
  async test(): Promise<NginxCheck> {
    await this.writeMain();
    const { status, output } = await this.run(['-t', '-q']);
    return { ok: status === 0, message: status === 0 ? '' : oneLine(output) };
  }

  private async writeMain(): Promise<void> {
    if (this.mode === 'managed') await this.files.preparePrefix();
    await this.files.writeMainConfig(this.mainConfig(), this.mode === 'managed' ? this.managedConfig() : this.systemConfig());
  }

  /** The running master's pid, if its pid file names a live nginx. */
  async masterPid(): Promise<number | undefined> {
    const pid = await this.files.readPidFile(this.pidFile());
    return pid !== undefined && nginxAlive(pid) ? pid : undefined;
  }

  /**
   * Makes the running nginx serve the configuration on disk (already checked): starts the managed
   * master when none runs, else reloads and waits until a new worker runs the new configuration.
   */
  async apply(): Promise<void> {
    const pid = await this.masterPid();
    if (pid === undefined) {
      if (this.mode === 'system') throw new SlipwayError('E_NGINX_UNAVAILABLE', `the system nginx is not running (no live process in ${this.pidFile()})`, 1);
      const { status, output } = await this.run([]);
      if (status !== 0 || (await this.masterPid()) === undefined) {
        throw new SlipwayError('E_NGINX_FAILED', `nginx did not start: ${oneLine(output)}`, 1);
      }
      return;
    }
    const before = new Set(childrenOf(pid));
    process.kill(pid, 'SIGHUP');
    const deadline = Date.now() + RELOAD_WAIT_MS;
    // Done when a new worker runs and every old one stopped accepting (gone, or finishing its requests).
    while (Date.now() < deadline) {
      const now = childrenOf(pid);
      const started = now.some((child) => !before.has(child));
      const oldAccepting = now.filter((child) => before.has(child) && /worker process$/.test(processTitle(child)));
      if (started && oldAccepting.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new SlipwayError('E_NGINX_FAILED', `nginx did not reload within ${RELOAD_WAIT_MS / 1000}s (see ${this.logsDir()}/error.log)`, 1);
  }

  /** Checks, then applies; an invalid configuration is refused with nginx's message and nothing reloads. */
  async checkAndApply(): Promise<void> {
    const check = await this.test();
    if (!check.ok) throw new SlipwayError('E_NGINX_INVALID', `nginx refused the configuration: ${check.message}`, 1);
    await this.apply();
  }

  /** Stops the managed master (by its pid: graceful quit, then SIGTERM); a system nginx is left alone. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.mode !== 'managed') return;
    const pid = await this.masterPid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGQUIT');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && nginxAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    if (nginxAlive(pid)) process.kill(pid, 'SIGTERM');
  }
}
