// Starts a real Slipway server (`node dist/src/cli.js serve`) on ephemeral loopback ports with
// a temp data dir, and drives it with the real OpenSSH client. Stops only what it started (apps
// outlive the server, so stop() also stops the app processes and containers of its data dir).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../../src/settings.js';
import { Store } from '../../src/store/index.js';
import { ONE_OFF_VAR, OWNER_VAR } from '../../src/scheduler/process/engine.js';
import { groupsMarked, processAlive, processName, stopGroup } from '../../src/os/process-group.js';
import { instanceId, ownLabels } from '../../src/scheduler/docker-local/naming.js';
import { connect } from '../../src/docker/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const cliPath = path.join(repoRoot, 'dist', 'src', 'cli.js');

export interface RunResult { code: number; stdout: string; stderr: string }

export interface ClientKey { name: string; privateKey: string; publicKey: string }

export async function makeKey(dir: string, name: string, type = 'ed25519'): Promise<ClientKey> {
  const file = path.join(dir, `id_${name}`);
  const args = ['-q', '-t', type, '-N', '', '-C', name, '-f', file];
  if (type === 'rsa') args.push('-b', '2048');
  await execa('ssh-keygen', args);
  return { name, privateKey: file, publicKey: `${file}.pub` };
}

export function sshOptions(port: number, key: ClientKey): string[] {
  return [
    '-p', String(port), '-i', key.privateKey,
    '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20',
  ];
}

/** GIT_SSH_COMMAND for the real git client: the test key, no agent, no known_hosts, no prompts. */
export function gitSshCommand(key: ClientKey): string {
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  return ['ssh', '-i', q(key.privateKey), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20'].join(' ');
}

/** Environment for running the real git client against a test server over SSH. */
export function gitClientEnv(key: ClientKey, home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.invalid',
    GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.invalid',
    GIT_SSH_COMMAND: gitSshCommand(key),
  };
}

export interface StartOptions {
  env?: Record<string, string>;
  home?: string;
  /** A command prefix the server and the ssh client run under (`nsenter --net=…`: a test's network namespace). */
  wrap?: string[];
}

export class TestServer {
  private proc?: ChildProcess;
  sshPort = 0;
  output = '';
  admin!: ClientKey;

  private constructor(
    readonly dir: string, readonly home: string, readonly keysDir: string, private readonly extraEnv: Record<string, string>, readonly wrap: string[] = [],
  ) {}

  static async start(options: StartOptions = {}): Promise<TestServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-test-'));
    const home = options.home ?? path.join(dir, 'data');
    const server = new TestServer(dir, home, path.join(dir, 'keys'), options.env ?? {}, options.wrap);
    server.admin = await makeKey(dir, 'admin');
    await server.dokku(['ssh-keys:add', '--admin', 'admin', server.admin.publicKey]);
    await server.boot();
    return server;
  }

  env(): Record<string, string> {
    return {
      ...process.env as Record<string, string>,
      SLIPWAY_HOME: this.home,
      SLIPWAY_KEYS_DIR: this.keysDir,
      SLIPWAY_SSH_LISTEN: `127.0.0.1:${this.sshPort || 0}`,
      SLIPWAY_HTTP_LISTEN: '127.0.0.1:0',
      SLIPWAY_HTTPS_LISTEN: '127.0.0.1:0',
      SLIPWAY_GIT_HTTP_LISTEN: '127.0.0.1:0',
      SLIPWAY_DASHBOARD_LISTEN: '127.0.0.1:0',
      SLIPWAY_SCHEDULER: 'process',
      ...this.extraEnv,
    };
  }

  /** Start (or restart, on the same port) the server process and wait for its banner. */
  async boot(): Promise<void> {
    this.output = '';
    const [command, ...args] = [...this.wrap, process.execPath, cliPath, 'serve'];
    const proc = spawn(command, args, { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      // Generous: on a loaded machine (many suites at once) a start can take tens of seconds.
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.output}`)), 90_000);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        // The banner's last line is `data:`; the lines before it (proxy, dashboard …) may arrive in
        // separate reads, so the start is complete only once it is in.
        const match = /ssh: \S+@[\d.]+:(\d+)[\s\S]*\n\s+data: \S.*\n/.exec(this.output);
        if (match) {
          this.sshPort = Number(match[1]);
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (chunk: Buffer) => { this.output += chunk.toString(); });
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${this.output}`)); });
    });
  }

  get pid(): number | undefined { return this.proc?.pid; }

  /** The proxy's port, from the banner line `http: http://HOST:PORT (proxy)`. */
  get httpPort(): number {
    const match = /http: http:\/\/[\d.]+:(\d+) \(proxy\)/.exec(this.output);
    if (!match) throw new Error(`no proxy banner line in:\n${this.output}`);
    return Number(match[1]);
  }

  /** The proxy's HTTPS port, from the banner line `https: https://HOST:PORT (proxy)`. */
  get httpsPort(): number {
    const match = /https: https:\/\/[\d.]+:(\d+) \(proxy\)/.exec(this.output);
    if (!match) throw new Error(`no https banner line in:\n${this.output}`);
    return Number(match[1]);
  }

  /** The dashboard's base URL, from the banner line `dashboard: http(s)://HOST:PORT (…)`. */
  get dashboardUrl(): string {
    const match = /dashboard: (https?:\/\/[\d.]+:\d+)/.exec(this.output);
    if (!match) throw new Error(`no dashboard banner line in:\n${this.output}`);
    return match[1];
  }

  /** Run `ssh dokku@127.0.0.1 ARGS…` with the real OpenSSH client. */
  async ssh(args: string[], options: { key?: ClientKey; input?: string | Uint8Array; user?: string; extra?: string[]; timeout?: number } = {}): Promise<RunResult> {
    const key = options.key ?? this.admin;
    const [command, ...prefix] = [...this.wrap, 'ssh'];
    const result = await execa(command, [...prefix, ...sshOptions(this.sshPort, key), ...(options.extra ?? []), '--', `${options.user ?? 'dokku'}@127.0.0.1`, ...args], {
      reject: false, input: options.input ?? '', timeout: options.timeout ?? 60_000,
    });
    return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /** Run the local CLI against the same data dir (like `dokku …` on the host). */
  async dokku(args: string[], input = ''): Promise<RunResult> {
    const result = await execa(process.execPath, [cliPath, ...args], { env: this.env(), reject: false, input });
    return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      // A server that ignores SIGTERM (stuck start-up) is killed outright after 10 s.
      const force = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => { clearTimeout(force); resolve(); });
      proc.kill(signal);
    });
  }

  /** Stop the apps the server left running (they outlive it): processes and containers of this data dir. */
  async stopApps(): Promise<void> {
    // The managed nginx outlives the server as the apps do: stopped here by its pid file.
    const pidFile = path.join(this.home, 'lib', 'data', 'nginx', 'nginx.pid');
    const nginxPid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) || 0 : 0;
    if (nginxPid > 0 && processAlive(nginxPid, '') && processName(nginxPid).startsWith('nginx')) {
      process.kill(nginxPid, 'SIGQUIT');
      for (let i = 0; i < 100 && processAlive(nginxPid, ''); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      if (processAlive(nginxPid, '')) process.kill(nginxPid, 'SIGKILL');
    }
    const owner = new Store(loadSettings(this.env(), this.dir)).processes.owner;
    for (const mark of [OWNER_VAR, ONE_OFF_VAR]) await Promise.all(groupsMarked(mark, owner).map((pgid) => stopGroup(pgid, 5_000)));
    if ((this.env().SLIPWAY_SCHEDULER ?? 'process') === 'process') return;
    const docker = connect();
    if (await docker.ping(3_000)) await docker.removeByLabels(ownLabels(instanceId(this.home)));
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    await this.stopApps();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
