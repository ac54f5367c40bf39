// An in-process Slipway server with an injected deployer, plus the real git client driven
// over SSH (GIT_SSH_COMMAND with the test key) and over HTTP, in a temp dir it cleans up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { execa } from 'execa';
import { loadSettings, type Settings } from '../../src/settings.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { PushDeployer } from '../../src/deploy/types.js';
import { makeKey, sshOptions, gitClientEnv, type ClientKey, type RunResult } from '../helpers/server.js';

export class GitTestServer {
  running!: RunningServer;
  settings!: Settings;
  admin!: ClientKey;
  httpBase = '';
  logLines: string[] = [];
  private counter = 0;

  private constructor(readonly dir: string) {}

  /** env: more settings (SLIPWAY_GIT_HTTPS_LISTEN…), relative paths from the test's dir. */
  static async start(deployer: PushDeployer, env: Record<string, string> = {}, dir?: string): Promise<GitTestServer> {
    const server = new GitTestServer(dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-git-')));
    fs.mkdirSync(server.clientHome, { recursive: true });
    server.settings = loadSettings({
      SLIPWAY_HOME: path.join(server.dir, 'data'),
      SLIPWAY_KEYS_DIR: path.join(server.dir, 'keys'),
      SLIPWAY_SSH_LISTEN: '127.0.0.1:0',
      SLIPWAY_HTTP_LISTEN: '127.0.0.1:0',
      SLIPWAY_DASHBOARD_LISTEN: '127.0.0.1:0',
      SLIPWAY_HTTPS_LISTEN: '127.0.0.1:0',
      SLIPWAY_GIT_HTTP_LISTEN: '127.0.0.1:0',
      SLIPWAY_SCHEDULER: 'process',
      ...env,
    }, server.dir);
    server.admin = await makeKey(server.dir, 'admin');
    server.running = await startServer(server.settings, (line) => server.logLines.push(line), { deployer });
    const added = await server.command(['ssh-keys:add', '--admin', 'admin', server.admin.publicKey]);
    if (added.code !== 0) throw new Error(`ssh-keys:add failed: ${added.stderr}`);
    const banner = server.logLines.map((l) => /git-http: (http:\/\/\S+)/.exec(l)).find(Boolean);
    if (!banner) throw new Error(`no git-http banner line in:\n${server.logLines.join('\n')}`);
    server.httpBase = banner[1];
    return server;
  }

  get clientHome(): string { return path.join(this.dir, 'client-home'); }
  get sshPort(): number { return this.running.ssh.port; }
  get dokkuRoot(): string { return this.settings.dokkuRoot; }
  repoDir(app: string): string { return path.join(this.settings.dokkuRoot, app); }
  sshUrl(repo: string): string { return `ssh://dokku@127.0.0.1:${this.sshPort}/${repo}`; }
  httpUrl(repo: string, user?: string, password?: string): string {
    const url = new URL(`${this.httpBase}/${repo}`);
    if (user !== undefined) { url.username = user; url.password = password ?? ''; }
    return url.toString();
  }

  /** A command run in-process as the host operator (like `dokku …` on the host). */
  async command(argv: string[]): Promise<RunResult> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => { out += c.toString(); });
    stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const code = await this.running.booted.router.run({
      argv,
      identity: { user: 'root', keyName: 'admin', fingerprint: '', admin: true, remote: false },
      io: { stdin: new PassThrough(), stdout, stderr, tty: false },
      signal: new AbortController().signal,
    });
    return { code, stdout: out.trim(), stderr: err.trim() };
  }

  /** `ssh dokku@127.0.0.1 ARGS…` with the real OpenSSH client (ARGS joined into one exec line). */
  async ssh(args: string[], key: ClientKey = this.admin): Promise<RunResult> {
    const r = await execa('ssh', [...sshOptions(this.sshPort, key), '--', 'dokku@127.0.0.1', ...args], { reject: false, input: '', timeout: 60_000 });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  gitEnv(key: ClientKey = this.admin): Record<string, string> {
    return gitClientEnv(key, this.clientHome);
  }

  /** The real git client, in cwd, with the test key for SSH remotes. */
  async git(cwd: string, args: string[], options: { key?: ClientKey; timeout?: number } = {}): Promise<RunResult> {
    const r = await execa('git', args, { cwd, env: this.gitEnv(options.key), extendEnv: false, reject: false, timeout: options.timeout ?? 120_000 });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** A fresh work tree on branch main with one commit holding files; returns its dir. */
  async workTree(files: Record<string, string | Buffer> = { 'README.md': 'hello\n' }): Promise<string> {
    const dir = path.join(this.dir, `work-${++this.counter}`);
    fs.mkdirSync(dir, { recursive: true });
    await this.mustGit(dir, ['init', '-q', '-b', 'main']);
    await this.commit(dir, files);
    return dir;
  }

  /** Writes files (an empty string deletes one), commits, returns the new commit. */
  async commit(dir: string, files: Record<string, string | Buffer>, message = `commit ${++this.counter}`): Promise<string> {
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(dir, name);
      if (content === '') fs.rmSync(file, { force: true });
      else fs.writeFileSync(file, content);
    }
    await this.mustGit(dir, ['add', '-A']);
    await this.mustGit(dir, ['commit', '-q', '--allow-empty', '-m', message]);
    return (await this.mustGit(dir, ['rev-parse', 'HEAD'])).stdout.trim();
  }

  async mustGit(cwd: string, args: string[]): Promise<RunResult> {
    const r = await this.git(cwd, args);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  }

  /** The commit a ref points at in the server's bare repo, or '' when missing. */
  async serverRev(app: string, ref = 'refs/heads/main'): Promise<string> {
    const r = await execa('git', ['--git-dir', this.repoDir(app), 'rev-parse', '--verify', '--quiet', ref], { reject: false });
    return r.exitCode === 0 ? r.stdout.trim() : '';
  }

  apps(): string[] {
    return fs.existsSync(this.dokkuRoot) ? fs.readdirSync(this.dokkuRoot).sort() : [];
  }

  async stop(): Promise<void> {
    await this.running?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
