// A real platform (proxy + process scheduler + pipeline) on a temp data dir, fixture apps committed
// to temp git repos, pushes built from them, and a small HTTP client that talks to the proxy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { PassThrough, Writable } from 'node:stream';
import { execa } from 'execa';
import { loadSettings } from '../../src/settings.js';
import { boot, openServices, type Booted } from '../../src/boot.js';
import { startPlatform, type RunningPlatform } from '../../src/deploy/platform.js';
import type { PushRequest } from '../../src/deploy/types.js';
import type { Out } from '../../src/log.js';
import { parseAppName, type AppName } from '../../src/names.js';
import { repoRoot } from '../helpers/server.js';

export const fixtures = path.join(repoRoot, 'test', 'fixtures', 'apps');

export interface Captured { out: Out; text(): string }

export function capture(): Captured {
  let text = '';
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { text += chunk.toString(); done(); } });
  return { out: { stdout: sink, stderr: sink }, text: () => text };
}

export class Harness {
  booted!: Booted;
  platform!: RunningPlatform;
  readonly serverLog: string[] = [];

  private constructor(readonly dir: string, readonly env: Record<string, string>) {}

  static async start(): Promise<Harness> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-deploy-'));
    const env = {
      SLIPWAY_HOME: path.join(dir, 'data'),
      SLIPWAY_KEYS_DIR: path.join(dir, 'keys'),
      SLIPWAY_HTTP_LISTEN: '127.0.0.1:0',
      SLIPWAY_DASHBOARD_LISTEN: '127.0.0.1:0',
      SLIPWAY_HTTPS_LISTEN: '127.0.0.1:0',
      SLIPWAY_SCHEDULER: 'process',
    };
    const harness = new Harness(dir, env);
    await harness.boot();
    return harness;
  }

  /** Boot services and start the platform as `slipway serve` does (again after close: a restart). */
  async boot(): Promise<void> {
    const core = openServices(loadSettings(this.env, this.dir));
    this.platform = await startPlatform(core, (line) => this.serverLog.push(line));
    this.booted = boot(core, this.platform.control);
    void this.platform.restore();
  }

  get services() { return this.booted.services; }
  get port(): number { return this.platform.httpPort; }

  async createApp(name: string): Promise<AppName> {
    const app = parseAppName(name);
    await this.services.store.apps.create(app);
    // Offline npm: a test never reaches a registry.
    await this.services.store.config.update(app, (env) => { env.set('npm_config_offline', 'true'); return true; });
    return app;
  }

  async deploy(app: AppName, repo: Repo, rev?: string): Promise<string> {
    const captured = capture();
    await this.platform.deployer.deploy(repo.push(app, rev ?? repo.head), captured.out, new AbortController().signal);
    return captured.text();
  }

  /** Run a command through the router as the local operator; returns exit code and output. */
  async command(argv: string[], options: { signal?: AbortSignal; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const stdin = new PassThrough();
    stdin.end(options.stdin ?? '');
    const code = await this.booted.router.run({
      argv,
      identity: { user: 'root', keyName: 'admin', fingerprint: '', admin: true, remote: false },
      io: {
        stdin,
        stdout: new Writable({ write(c: Buffer, _e, done) { stdout += c.toString(); done(); } }),
        stderr: new Writable({ write(c: Buffer, _e, done) { stderr += c.toString(); done(); } }),
        tty: false,
      },
      signal: options.signal ?? new AbortController().signal,
    });
    return { code, stdout, stderr };
  }

  async close(): Promise<void> {
    await this.platform.close();
  }

  async stop(): Promise<void> {
    await this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const GIT_ID = ['-c', 'user.name=Slipway Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false'];

export class Repo {
  head = '';
  private constructor(readonly dir: string) {}

  /** A git repo holding a copy of a fixture app, committed once. */
  static async from(fixture: string, parent: string, edits: Record<string, string> = {}): Promise<Repo> {
    const dir = fs.mkdtempSync(path.join(parent, `${fixture}-`));
    fs.cpSync(path.join(fixtures, fixture), dir, { recursive: true });
    await execa('git', ['init', '-q', '-b', 'main'], { cwd: dir });
    const repo = new Repo(dir);
    await repo.commit(edits, `${fixture}: initial`);
    return repo;
  }

  /** Write files (relative path → content), commit everything, return the new rev. */
  async commit(files: Record<string, string>, message = 'change'): Promise<string> {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(this.dir, name)), { recursive: true });
      fs.writeFileSync(path.join(this.dir, name), content);
    }
    await execa('git', ['add', '-A'], { cwd: this.dir });
    await execa('git', [...GIT_ID, 'commit', '-q', '--allow-empty', '-m', message], { cwd: this.dir });
    this.head = (await execa('git', ['rev-parse', 'HEAD'], { cwd: this.dir })).stdout.trim();
    return this.head;
  }

  push(app: AppName, rev: string): PushRequest {
    return {
      app, ref: 'refs/heads/main', oldRev: '0'.repeat(40), newRev: rev,
      repoDir: path.join(this.dir, '.git'), gitEnv: {}, pusher: { user: 'dokku', keyName: 'tester', fingerprint: 'SHA256:test', admin: true, remote: true },
    };
  }
}

export interface Reply { status: number; body: string }

/** GET through the proxy on 127.0.0.1 with a Host header (a fresh connection each time). */
export function get(port: number, host: string, urlPath = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers: { Host: host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Poll a condition (no timing assertion: mocha's timeout is the only limit). */
export async function eventually<T>(probe: () => Promise<T | undefined>, pauseMs = 50): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
