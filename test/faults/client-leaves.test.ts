// 10.1: a client that stops reading and then goes away, on every path the server streams to a
// client (ssh exec of a plugin, git over SSH and HTTP, `run`, `logs -t`), never stops the server:
// its children are stopped and it answers the next `ssh … version`.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { TestServer, sshOptions } from '../helpers/server.js';
import { until } from '../helpers/ssh-client.js';
import { alive, commandPlugin, installPlugin, sleep } from '../helpers/fixtures.js';
import { PushClient, APP_SERVER, serverRev } from './push-client.js';
import { descendants } from './procs.js';

/** Incompressible, so a clone or push of it takes many SSH windows. */
const BLOB_BYTES = 24 * 1024 * 1024;
/** How long a stopped client sits before it is killed: enough for every buffer on the way to fill. */
const STALL_MS = 1000;

/** An app whose web process writes a steady stream of log lines (stdout and stderr). */
const CHATTY_SERVER = `${APP_SERVER}
setInterval(() => { console.log('chatter '.repeat(60)); console.error('grumble '.repeat(60)); }, 5);
`;

describe('10.1 faults: a client that stops reading and leaves never takes the server down', function () {
  this.timeout(240_000);
  let server: TestServer;
  let client: PushClient;
  let serverPid: number;
  const live: ChildProcess[] = [];

  before(async () => {
    server = await TestServer.start();
    serverPid = server.pid!;
    installPlugin(server.home, 'flood', {
      commands: commandPlugin('flood:*', [
        '    case "$1" in',
        '      flood:err) exec yes plugin-flood-err >&2 ;;',
        '      flood:out) exec yes plugin-flood-out ;;',
        '      flood:both) yes plugin-flood-both & exec yes plugin-flood-both >&2 ;;',
        '    esac',
      ].join('\n')),
    });
    client = new PushClient(server, path.join(server.dir, 'work'));
    await client.init({ Procfile: 'web: node server.cjs\n', 'server.cjs': CHATTY_SERVER, 'version.txt': 'v1\n' });
    const pushed = await client.push('chatty');
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  // Each case on its own: a server a previous case took down is started again.
  beforeEach(async () => {
    if (alive(serverPid)) return;
    server.output = '';
    await server.boot();
    serverPid = server.pid!;
  });
  afterEach(() => { for (const p of live.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); });
  after(async () => { await server?.stop(); });

  /** The server process still runs and serves a new SSH session. */
  async function stillServing(): Promise<void> {
    assert.ok(alive(serverPid), `the server exited:\n${server.output.slice(-3000)}`);
    const r = await server.ssh(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dokku version/);
  }

  /** Starts a real OpenSSH client whose output nobody reads. */
  function sshClient(args: string[]): ChildProcess {
    const ssh = spawn('ssh', [...sshOptions(server.sshPort, server.admin), 'dokku@127.0.0.1', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    live.push(ssh);
    return ssh;
  }

  /** The client stops reading (SIGSTOP: it reads neither the socket nor its pipes), then dies. */
  async function stallThenKill(proc: ChildProcess): Promise<void> {
    proc.kill('SIGSTOP');
    await sleep(STALL_MS);
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Waits for server-side processes matching pattern to appear (or the server to die). */
  async function started(pattern: RegExp): Promise<void> {
    await until(() => descendants(serverPid, pattern).length > 0 || !alive(serverPid));
  }

  /** Waits until the server has stopped every process matching pattern (or has died itself). */
  async function stopped(pattern: RegExp): Promise<void> {
    await until(() => descendants(serverPid, pattern).length === 0 || !alive(serverPid), 100);
  }

  for (const [name, command, pattern] of [
    ['stderr', 'flood:err', /^yes plugin-flood-err/],
    ['stdout', 'flood:out', /^yes plugin-flood-out/],
    ['stdout and stderr', 'flood:both', /^yes plugin-flood-both/],
  ] as const) {
    it(`10.1 ssh exec: a plugin flooding ${name}, the client stops reading and is killed`, async () => {
      const ssh = sshClient([command]);
      await started(pattern);
      await stallThenKill(ssh);
      await stopped(pattern);
      await stillServing();
    });
  }

  it('10.1 run APP: a one-off command flooding stderr, the client stops reading and is killed', async () => {
    const pattern = /^yes run-flood-err|^sh -c yes run-flood-err/;
    const ssh = sshClient(['run chatty \'yes run-flood-err >&2\'']);
    await started(pattern);
    await stallThenKill(ssh);
    await stopped(pattern);
    await stillServing();
  });

  it('10.1 logs -t: following a chatty app, the client stops reading and is killed', async () => {
    const ssh = sshClient(['logs', 'chatty', '-t']);
    // No process to watch here: the follower lives in the server; give it lines to send.
    await sleep(STALL_MS);
    await stallThenKill(ssh);
    // The app keeps logging: the server must not write them to the gone client.
    await sleep(STALL_MS);
    await stillServing();
  });

  describe('git', () => {
    let bigCommit: string;
    before(async () => {
      assert.equal((await server.ssh(['apps:create', 'bigrepo'])).code, 0);
      assert.equal((await server.ssh(['git:set', 'bigrepo', 'deploy-branch', 'main'])).code, 0);
      await client.mustGit(['checkout', '-q', '-b', 'big']);
      bigCommit = await client.commit({ 'blob.bin': randomBytes(BLOB_BYTES).toString('base64') });
      const r = await client.push('bigrepo', 'big:big');
      assert.equal(r.code, 0, r.stderr);
    });

    /** The git client's ssh stops reading mid-transfer, then dies; the server's git must stop and the server serve on. */
    async function stallThenKillSsh(git: ReturnType<typeof spawn>, pattern: RegExp): Promise<void> {
      live.push(git);
      await started(pattern);
      await until(() => descendants(git.pid!, /^ssh /).length > 0);
      const [sshPid] = descendants(git.pid!, /^ssh /);
      process.kill(sshPid, 'SIGSTOP');
      await sleep(STALL_MS);
      process.kill(sshPid, 'SIGKILL');
      await new Promise((resolve) => git.once('exit', resolve));
      await stopped(pattern);
      await stillServing();
    }

    it('10.1 git clone over SSH: the client stops reading mid-transfer and is killed', async () => {
      const pattern = /upload-pack/;
      const git = spawn('git', ['clone', '-q', client.url('bigrepo'), path.join(server.dir, 'clone-ssh')], { env: client.env, stdio: 'ignore' });
      await stallThenKillSsh(git, pattern);
    });

    it('10.1 git push over SSH: the client stops mid-transfer and is killed; no ref moves', async () => {
      const pattern = /receive-pack/;
      await client.mustGit(['checkout', '-q', '-b', 'big2']);
      await client.commit({ 'blob2.bin': randomBytes(BLOB_BYTES).toString('base64') });
      const git = spawn('git', ['push', '-q', client.url('bigrepo'), 'big2:big2'], { cwd: client.dir, env: client.env, stdio: 'ignore' });
      await stallThenKillSsh(git, pattern);
      assert.equal(await serverRev(server, 'bigrepo', 'refs/heads/big2'), '', 'a push whose client died moved a ref');
    });

    it('10.1 git smart HTTP: the client aborts in the middle of an upload-pack response', async () => {
      // The token is the last line (an info line comes first).
      const token = (await server.ssh(['git:token:add', 'admin'])).stdout.trim().split('\n').pop();
      assert.ok(token, 'git:token:add printed a token');
      const base = /git-http: (http:\/\/[\d.]+:\d+)/.exec(server.output)?.[1];
      assert.ok(base, 'the banner names the git-http address');
      const pkt = (text: string) => (text.length + 4).toString(16).padStart(4, '0') + text;
      const body = `${pkt(`want ${bigCommit} side-band-64k no-progress\n`)}0000${pkt('done\n')}`;
      const pattern = /upload-pack/;
      const received = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${base}/bigrepo/git-upload-pack`, {
          method: 'POST',
          auth: `admin:${token}`,
          headers: { 'Content-Type': 'application/x-git-upload-pack-request' },
        }, (res) => {
          if (res.statusCode !== 200) { reject(new Error(`upload-pack answered ${res.statusCode}`)); return; }
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            // A little of the pack, then the client stops reading and, later, leaves.
            if (bytes > 64 * 1024 && !res.isPaused()) {
              res.pause();
              sleep(STALL_MS).then(() => { req.destroy(); resolve(bytes); }, reject);
            }
          });
        });
        req.on('error', () => { /* destroyed by us */ });
        req.end(body);
      });
      assert.ok(received > 0);
      await stopped(pattern);
      await stillServing();
    });
  });
});
