// git:auth, git:auth-status, git:allow-host, git:public-key, git:generate-deploy-key as Dokku
// documents them (real server, OpenSSH, real git), and git:sync using them: over HTTP from a
// loopback smart-HTTP server that wants basic auth (Slipway's own, with a git token) through
// git:auth's netrc, and over SSH (Slipway's own SSH door) with the deploy key and git:allow-host.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localGit } from '../helpers/local-git.js';
import { TestServer } from '../helpers/server.js';
import { fixtures } from '../deploy/helpers.js';

const git = localGit;

describe('git:auth, git:allow-host and the deploy key, used by git:sync (real server, OpenSSH, real git)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let root: string;
  let rev: string;

  const sha = async (app: string) => (await server.ssh(['git:report', app, '--git-sha'])).stdout;

  before(async () => {
    server = await TestServer.start();
    root = path.join(server.home, 'home');
    const work = path.join(server.dir, 'work');
    const bare = path.join(server.dir, 'source.git');
    fs.cpSync(path.join(fixtures, 'node-app'), work, { recursive: true });
    await git(server.dir, ['init', '-q', '--bare', '-b', 'main', bare]);
    await git(work, ['init', '-q', '-b', 'main']);
    await git(work, ['add', '-A']);
    await git(work, ['commit', '-q', '-m', 'v1']);
    await git(work, ['push', '-q', bare, 'HEAD:refs/heads/main']);
    rev = await git(work, ['rev-parse', 'HEAD']);
    // The app other apps sync from, through Slipway's own git doors.
    for (const app of ['source', 'by-http', 'by-ssh']) assert.equal((await server.ssh(['apps:create', app])).code, 0);
    const synced = await server.ssh(['git:sync', 'source', `file://${bare}`, 'main']);
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal(await sha('source'), rev);
  });
  after(async () => { await server?.stop(); });

  it('git:public-key without a key: Dokku\'s four lines, exit 1; git:generate-deploy-key makes an ed25519 key once', async () => {
    const none = await server.ssh(['git:public-key']);
    assert.equal(none.code, 1);
    assert.deepEqual(none.stderr.split('\n'), [
      ' !     There is no deploy key associated with the dokku user.',
      ' !     Generate an ssh key with the following command:',
      ' !       dokku git:generate-deploy-key',
      ' !     As an alternative, configure the netrc authentication via the git:auth command',
    ]);
    const made = await server.ssh(['git:generate-deploy-key']);
    assert.equal(made.code, 0, made.stderr);
    const key = path.join(root, '.ssh', 'id_ed25519');
    assert.match(made.stdout, new RegExp(`Your identification has been saved in ${key.replace(/[.]/g, '\\.')}\\n`));
    assert.match(made.stdout, /The key fingerprint is:\nSHA256:\S+ dokku@/);
    assert.equal(fs.statSync(key).mode & 0o777, 0o600);
    const pub = await server.ssh(['git:public-key']);
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.stdout, fs.readFileSync(`${key}.pub`, 'utf8').trim());
    assert.match(pub.stdout, new RegExp(`^ssh-ed25519 \\S+ dokku@${os.hostname().replace(/[.]/g, '\\.')}$`));
    const again = await server.ssh(['git:generate-deploy-key']);
    assert.deepEqual([again.code, again.stdout], [0, ' !     A deploy key already exists for this host']);
    assert.equal((await server.ssh(['git:public-key'])).stdout, pub.stdout, 'the key is kept');
  });

  it('git:auth writes $DOKKU_ROOT/.netrc (0600); git:auth-status answers by exit code; no username removes', async () => {
    const set = await server.ssh(['git:auth', 'git.example.com', 'ci', 's3cret']);
    assert.deepEqual([set.code, set.stdout], [0, '-----> Setting netrc auth entry for host git.example.com']);
    const netrc = path.join(root, '.netrc');
    assert.equal(fs.readFileSync(netrc, 'utf8'), 'machine git.example.com\n  login ci\n  password s3cret\n');
    assert.equal(fs.statSync(netrc).mode & 0o777, 0o600);
    assert.equal((await server.ssh(['git:auth-status', 'git.example.com', 'ci', 's3cret'])).code, 0);
    assert.equal((await server.ssh(['git:auth-status', 'git.example.com', 'ci', 'other'])).code, 1);
    assert.equal((await server.ssh(['git:auth-status', 'git.example.com'])).code, 1, 'an entry exists');
    // The password may come on stdin, out of the command line.
    const piped = await server.ssh(['git:auth', 'git.example.com', 'ci'], { input: 'from-stdin\n' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((await server.ssh(['git:auth-status', 'git.example.com', 'ci', 'from-stdin'])).code, 0);
    const missing = await server.ssh(['git:auth', 'git.example.com', 'ci']);
    assert.deepEqual([missing.code, missing.stderr], [1, ' !     Missing password for netrc auth entry']);
    const nohost = await server.ssh(['git:auth']);
    assert.deepEqual([nohost.code, nohost.stderr], [1, ' !     Please supply a git host']);
    const removed = await server.ssh(['git:auth', 'git.example.com']);
    assert.deepEqual([removed.code, removed.stdout], [0, '-----> Removing netrc auth entry for host git.example.com']);
    assert.equal((await server.ssh(['git:auth-status', 'git.example.com'])).code, 0);
    assert.equal(fs.readFileSync(netrc, 'utf8'), '');
  });

  it('git:sync over HTTP: refused without credentials, then git:auth\'s netrc entry lets it fetch', async () => {
    const banner = /git-http: (http:\/\/\S+)/.exec(server.output);
    assert.ok(banner, server.output);
    const url = `${banner[1]}/source.git`;
    const refused = await server.ssh(['git:sync', 'by-http', url, 'main']);
    assert.equal(refused.code, 128, refused.stderr);
    assert.match(refused.stderr, /could not read Username|Authentication failed/);
    assert.equal(await sha('by-http'), '');
    const token = (await server.ssh(['git:token:add', 'admin'])).stdout.trim().split('\n').pop() ?? '';
    assert.match(token, /^slw_/);
    const host = new URL(url).hostname;
    assert.equal((await server.ssh(['git:auth', host, 'admin', token])).code, 0);
    const synced = await server.ssh(['git:sync', 'by-http', url, 'main']);
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal(await sha('by-http'), rev);
    assert.equal((await server.ssh(['git:auth', host])).code, 0);
  });

  it('git:sync over SSH: the deploy key logs in, but only once git:allow-host trusts the host key', async () => {
    const pub = (await server.ssh(['git:public-key'])).stdout;
    assert.equal((await server.ssh(['ssh-keys:add', 'deploy'], { input: pub })).code, 0);
    assert.equal((await server.ssh(['acl:add', 'source', 'deploy'])).code, 0);
    const url = `ssh://dokku@127.0.0.1:${server.sshPort}/source`;
    const unknown = await server.ssh(['git:sync', 'by-ssh', url, 'main']);
    assert.equal(unknown.code, 128);
    assert.match(unknown.stderr, /Host key verification failed|Could not read from remote repository/);
    const allowed = await server.ssh(['git:allow-host', `127.0.0.1:${server.sshPort}`]);
    assert.deepEqual([allowed.code, allowed.stdout], [0, `-----> 127.0.0.1:${server.sshPort} added to known hosts`], allowed.stderr);
    const knownHosts = fs.readFileSync(path.join(root, '.ssh', 'known_hosts'), 'utf8');
    const hostKey = fs.readFileSync(path.join(server.keysDir, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    assert.ok(knownHosts.includes(`[127.0.0.1]:${server.sshPort} ${hostKey}`), knownHosts);
    const twice = await server.ssh(['git:allow-host', `127.0.0.1:${server.sshPort}`]);
    assert.equal(twice.code, 0);
    assert.equal(fs.readFileSync(path.join(root, '.ssh', 'known_hosts'), 'utf8'), knownHosts, 'no duplicate lines');
    const synced = await server.ssh(['git:sync', 'by-ssh', url, 'main']);
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal(await sha('by-ssh'), rev);
  });

  it('nothing listening: git:allow-host fails with one line; the commands are admin-only and listed in help --all', async () => {
    const dead = await server.ssh(['git:allow-host', '127.0.0.1:1']);
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, /^ ! {5}Could not read any host key from 127\.0\.0\.1:1/);
    const help = await server.ssh(['help', '--all']);
    for (const name of ['git:auth', 'git:auth-status', 'git:allow-host', 'git:public-key', 'git:generate-deploy-key', 'git:load-image']) {
      assert.match(help.stdout, new RegExp(`^\\s+${name} `, 'm'), name);
    }
    const dev = path.join(server.dir, 'id_deploy');
    fs.writeFileSync(dev, fs.readFileSync(path.join(root, '.ssh', 'id_ed25519')), { mode: 0o600 });
    const key = { name: 'deploy', privateKey: dev, publicKey: `${dev}.pub` };
    for (const args of [['git:auth', 'x.example.com', 'u', 'p'], ['git:public-key'], ['git:generate-deploy-key'], ['git:allow-host', '127.0.0.1']]) {
      const r = await server.ssh(args, { key });
      assert.deepEqual([r.code, r.stderr], [1, ' !     Access denied'], args.join(' '));
    }
  });
});
