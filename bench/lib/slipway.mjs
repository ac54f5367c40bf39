// Starts a real Slipway server (`node dist/src/cli.js serve`) on ephemeral loopback ports with a
// temp data dir, as test/helpers/server.ts does, and drives it with the real OpenSSH client.
import fs from 'node:fs';
import path from 'node:path';
import { cliPath, distDir, log, memoryOf, run, startProcess, stopProcess, tempDir } from './common.mjs';

export async function makeKey(dir, name) {
  const file = path.join(dir, `id_${name}`);
  const result = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  if (result.code !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
  return { name, privateKey: file, publicKey: `${file}.pub` };
}

/** The same client options for Slipway and the OpenSSH anchor: only the port and user differ. */
export function sshOptions(port, key) {
  return [
    '-p', String(port), '-i', key.privateKey,
    '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=30',
    '-o', 'ControlMaster=no', '-o', 'ControlPath=none',
  ];
}

/** GIT_SSH_COMMAND for the same options (paths here never contain spaces: they are mkdtemp dirs). */
export function gitSshCommand(key) {
  return ['ssh', ...sshOptions(0, key).slice(2)].join(' ');
}

/** Writes an installed plugin: $SLIPWAY_HOME/lib/plugins/available/NAME + enabled/NAME link. */
export function installPlugin(home, name, commandsScript) {
  const available = path.join(home, 'lib', 'plugins', 'available', name);
  const enabled = path.join(home, 'lib', 'plugins', 'enabled');
  fs.mkdirSync(available, { recursive: true });
  fs.mkdirSync(enabled, { recursive: true });
  fs.writeFileSync(path.join(available, 'plugin.toml'), `[plugin]\ndescription = "bench plugin ${name}"\nversion = "0.0.1"\n`);
  fs.writeFileSync(path.join(available, 'commands'), commandsScript, { mode: 0o755 });
  const link = path.join(enabled, name);
  if (!fs.existsSync(link)) fs.symlinkSync(available, link);
}

export class SlipwayServer {
  constructor(dir, home, keysDir) {
    this.dir = dir;
    this.home = home;
    this.keysDir = keysDir;
    this.sshPort = 0;
    this.httpPort = null;
    this.proc = null;
    this.profileDir = null;
  }

  /**
   * Creates the data dir, registers an admin key, lets `prepare(home)` lay files (plugins)
   * before boot, then starts the server and waits for its banner.
   */
  static async start({ name = 'server', env = {}, prepare, cpuProfDir } = {}) {
    if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npx tsc -p .\` (or npm run build) first`);
    const dir = tempDir(name);
    const server = new SlipwayServer(dir, path.join(dir, 'data'), path.join(dir, 'keys'));
    server.extraEnv = env;
    server.admin = await makeKey(dir, 'admin');
    const added = await server.cli(['ssh-keys:add', '--admin', 'admin', server.admin.publicKey]);
    if (added.code !== 0) throw new Error(`ssh-keys:add failed: ${added.stderr}`);
    if (prepare) await prepare(server.home);
    // dist/ is shared with engineers who rebuild it while we run: a start that dies on a
    // half-written file gets two more tries.
    for (let attempt = 1; ; attempt++) {
      try {
        await server.boot({ cpuProfDir });
        return server;
      } catch (error) {
        if (attempt >= 3) throw error;
        log(`server start failed (attempt ${attempt}), retrying: ${String(error.message).split('\n').slice(0, 3).join(' ')}`);
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    }
  }

  env() {
    return {
      ...process.env,
      SLIPWAY_HOME: this.home,
      SLIPWAY_KEYS_DIR: this.keysDir,
      SLIPWAY_SSH_LISTEN: `127.0.0.1:${this.sshPort || 0}`,
      SLIPWAY_HTTP_LISTEN: '127.0.0.1:0',
      SLIPWAY_DASHBOARD_LISTEN: '127.0.0.1:0',
      SLIPWAY_HTTPS_LISTEN: '127.0.0.1:0',
      SLIPWAY_GIT_HTTP_LISTEN: '127.0.0.1:0',
      SLIPWAY_SCHEDULER: 'process',
      ...this.extraEnv,
    };
  }

  async boot({ cpuProfDir } = {}) {
    const nodeArgs = [];
    // BENCH_EXPERIMENT=name preloads bench/lib/experiments/name.mjs: a proposed src fix, measured.
    for (const name of (process.env.BENCH_EXPERIMENT || '').split(',').filter(Boolean)) {
      const file = path.join(path.dirname(new URL(import.meta.url).pathname), 'experiments', `${name}.mjs`);
      if (!fs.existsSync(file)) throw new Error(`unknown BENCH_EXPERIMENT ${name}`);
      nodeArgs.push('--import', file);
    }
    if (cpuProfDir) {
      fs.mkdirSync(cpuProfDir, { recursive: true });
      this.profileDir = cpuProfDir;
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
    }
    const proc = startProcess('slipway', process.execPath, [...nodeArgs, cliPath, 'serve'], { env: this.env() });
    this.proc = proc;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${proc.output}`)), 30_000);
      const check = () => {
        const ssh = /ssh: \S+@[\d.]+:(\d+)/.exec(proc.output);
        if (!ssh) return;
        this.sshPort = Number(ssh[1]);
        const http = /http: (?:http:\/\/)?[\d.]+:(\d+) \(proxy\)/.exec(proc.output);
        if (http) this.httpPort = Number(http[1]);
        clearTimeout(timer);
        // The banner ends with the data line: wait for it so every port line is in.
        if (/data: /.test(proc.output)) resolve();
        else setTimeout(resolve, 200);
      };
      proc.stdout.on('data', check);
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${proc.output}`)); });
    });
    log(`slipway ${this.dir} pid ${proc.pid} ssh :${this.sshPort}${this.httpPort ? ` http :${this.httpPort}` : ''}`);
  }

  get pid() { return this.proc?.pid; }
  get banner() { return this.proc?.output ?? ''; }
  memory() { return memoryOf(this.pid); }

  sshArgs(args, key = this.admin) {
    return [...sshOptions(this.sshPort, key), '--', 'dokku@127.0.0.1', ...args];
  }

  ssh(args, opts = {}) {
    return run('ssh', this.sshArgs(args, opts.key), { timeoutMs: 120_000, ...opts });
  }

  /** The local CLI against the same data dir (forwarded to the running server's control socket). */
  cli(args, opts = {}) {
    return run(process.execPath, [cliPath, ...args], { env: this.env(), ...opts });
  }

  async createApp(app) {
    const result = await this.cli(['apps:create', app]);
    if (result.code !== 0) throw new Error(`apps:create ${app} failed: ${result.stderr}`);
  }

  /** Stops the server (SIGTERM: it closes and exits, which also writes a --cpu-prof profile). */
  async stop() {
    await stopProcess(this.proc, 10_000);
  }

  profiles() {
    if (!this.profileDir) return [];
    return fs.readdirSync(this.profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(this.profileDir, f));
  }
}

export { distDir };
