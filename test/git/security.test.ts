// Regression tests for the git layer's security contracts: repo names are parsed before disk is
// touched, a hook request needs the push id of a live push, refs and push options are checked.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { GitTestServer } from './helpers.js';
import { FakeDeployer } from './fake-deployer.js';
import { connectControl, sendRequest } from '../../src/control/client.js';
import { controlSocketPath } from '../../src/control/path.js';
import { cliPath, makeKey } from '../helpers/server.js';
import { PassThrough } from 'node:stream';

async function collect(fn: (out: PassThrough, err: PassThrough) => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => { stdout += c.toString(); });
  err.on('data', (c: Buffer) => { stderr += c.toString(); });
  const code = await fn(out, err);
  return { code, stdout, stderr };
}

describe('git layer security', function () {
  this.timeout(120_000);
  let server: GitTestServer;
  let work: string;
  const deployer = new FakeDeployer();

  before(async () => {
    server = await GitTestServer.start(deployer);
    work = await server.workTree();
    await server.mustGit(work, ['push', server.sshUrl('target'), 'main']);
  });
  after(async () => { await server?.stop(); });

  const badNames = ['../other', '/abs/path', 'app/../x', '-app', '--upload-pack=touch x', 'App', 'a b', '.hidden', '//target', ''];
  for (const bad of badNames) {
    it(`git-receive-pack refuses ${JSON.stringify(bad)} before touching disk`, async () => {
      const before = server.apps();
      const outside = fs.readdirSync(path.dirname(server.dokkuRoot)).sort();
      const quoted = `'${bad.replace(/'/g, `'\\''`)}'`;
      for (const verb of ['git-receive-pack', 'git-upload-pack', 'git-upload-archive']) {
        const r = await server.ssh([`${verb} ${quoted}`]);
        assert.equal(r.code, 1, `${verb} ${bad}: ${r.stderr}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, /^ !     (App name must begin with lowercase alphanumeric character|Please specify an app)/);
        assert.equal(r.stdout, '');
      }
      assert.deepEqual(server.apps(), before);
      assert.deepEqual(fs.readdirSync(path.dirname(server.dokkuRoot)).sort(), outside);
    });
  }

  it('a git verb with extra arguments is refused', async () => {
    const r = await server.ssh(["git-upload-pack 'target' '--strict'"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Usage: git-upload-pack/);
  });

  it('a hook request with an unknown push id is refused and deploys nothing', async () => {
    const before = deployer.deploys.length;
    const rev = await server.serverRev('target');
    const socket = await connectControl(controlSocketPath(server.settings));
    assert.ok(socket);
    const r = await collect((stdout, stderr) => sendRequest(socket, {
      kind: 'pre-receive', app: 'target', pushId: 'f'.repeat(48), gitEnv: {},
      updates: [{ oldRev: rev, newRev: rev, ref: 'refs/heads/main' }],
    }, { stdout, stderr }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not started by this Slipway server/);
    assert.equal(deployer.deploys.length, before);
  });

  it('the hook run by hand (no push id) refuses', async () => {
    const r = await execa(process.execPath, [cliPath, '__hook', 'pre-receive'], {
      cwd: server.repoDir('target'), reject: false, input: `${'0'.repeat(40)} ${'1'.repeat(40)} refs/heads/main\n`,
      env: { PATH: process.env.PATH ?? '', SLIPWAY_HOME: server.settings.home }, extendEnv: false,
    });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /did not come through Slipway/);
  });

  it('the hook with a forged push id is refused by the server', async () => {
    const r = await execa(process.execPath, [cliPath, '__hook', 'pre-receive'], {
      cwd: server.repoDir('target'), reject: false, input: `${'0'.repeat(40)} ${'1'.repeat(40)} refs/heads/main\n`,
      env: { PATH: process.env.PATH ?? '', SLIPWAY_HOME: server.settings.home, SLIPWAY_PUSH_ID: 'a'.repeat(48) }, extendEnv: false,
    });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /not started by this Slipway server/);
  });

  it('refs whose names start with - or hold odd characters are refused; nothing moves', async () => {
    const rev = await server.commit(work, { 'x.txt': 'x\n' });
    for (const ref of ['refs/heads/-evil', 'refs/heads/a;b', 'refs/heads/a$b', 'refs/notes/commits']) {
      const push = await server.git(work, ['push', server.sshUrl('target'), `${rev}:${ref}`]);
      assert.notEqual(push.code, 0, `${ref}: ${push.stderr}`);
      assert.match(push.stderr, /Refusing ref/, push.stderr);
      assert.equal(await server.serverRev('target', ref), '', ref);
    }
  });

  it('push options: plain ones pass, ones starting with - are refused', async () => {
    const ok = await server.git(work, ['push', '-o', 'ci.skip', server.sshUrl('target'), 'main']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /remote:        Push options: ci\.skip/);
    const rev = await server.commit(work, { 'y.txt': 'y\n' });
    const bad = await server.git(work, ['push', '-o', '--exec=evil', server.sshUrl('target'), 'main']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Refusing push option/);
    assert.notEqual(await server.serverRev('target'), rev);
  });

  it('git:token:* need an admin key', async () => {
    const dev = await makeKey(server.dir, 'dev');
    assert.equal((await server.command(['ssh-keys:add', 'dev', dev.publicKey])).code, 0);
    for (const args of [['git:token:add', 'devtoken'], ['git:token:list'], ['git:token:remove', 'x']]) {
      const r = await server.ssh(args, dev);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /Access denied/);
    }
  });

  it('a non-admin key cannot push or fetch without an acl grant, and never creates apps', async () => {
    const dev = { name: 'dev', privateKey: path.join(server.dir, 'id_dev'), publicKey: path.join(server.dir, 'id_dev.pub') };
    const before = server.apps();
    for (const args of [['push', server.sshUrl('target'), 'main'], ['push', server.sshUrl('devapp'), 'main'], ['ls-remote', server.sshUrl('target')]]) {
      const r = await server.git(work, args, { key: dev });
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /Access denied/);
    }
    assert.deepEqual(server.apps(), before);
    assert.equal((await server.command(['acl:add', 'target', 'dev'])).code, 0);
    const read = await server.git(work, ['ls-remote', server.sshUrl('target')], { key: dev });
    assert.equal(read.code, 0, read.stderr);
    const push = await server.git(work, ['push', server.sshUrl('target'), 'main'], { key: dev });
    assert.equal(push.code, 0, push.stderr);
    assert.equal(deployer.forApp('target').at(-1)?.push.pusher.keyName, 'dev');
    const create = await server.git(work, ['push', server.sshUrl('devapp'), 'main'], { key: dev });
    assert.match(create.stderr, /Access denied/);
    assert.deepEqual(server.apps(), before);
  });

  it('a user-auth plugin can deny a push (git-receive-pack) but allow fetches', async () => {
    const plugin = path.join(server.settings.pluginPath, 'available', 'deny-push');
    fs.mkdirSync(plugin, { recursive: true });
    fs.writeFileSync(path.join(plugin, 'user-auth'), '#!/usr/bin/env bash\n[[ "$2" == "dev" && "$3" == git-receive-pack ]] && exit 1\nexit 0\n', { mode: 0o755 });
    fs.mkdirSync(path.join(server.settings.pluginPath, 'enabled'), { recursive: true });
    fs.symlinkSync(plugin, path.join(server.settings.pluginPath, 'enabled', 'deny-push'));
    try {
      const dev = { name: 'dev', privateKey: path.join(server.dir, 'id_dev'), publicKey: path.join(server.dir, 'id_dev.pub') };
      const rev = await server.serverRev('target');
      await server.commit(work, { 'z.txt': 'z\n' });
      const denied = await server.git(work, ['push', server.sshUrl('target'), 'main'], { key: dev });
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /Access denied/);
      assert.equal(await server.serverRev('target'), rev);
      const read = await server.git(work, ['ls-remote', server.sshUrl('target')], { key: dev });
      assert.equal(read.code, 0, read.stderr);
    } finally {
      fs.rmSync(path.join(server.settings.pluginPath, 'enabled', 'deny-push'));
    }
  });

  it('client env requests (GIT_*) do not reach git', async () => {
    // OpenSSH sends SendEnv variables as env requests; the server rejects them all.
    const r = await execa('git', ['ls-remote', server.sshUrl('target')], {
      env: { ...server.gitEnv(), GIT_SSH_COMMAND: `${server.gitEnv().GIT_SSH_COMMAND} -o SendEnv=GIT_TRACE_PACKET`, GIT_TRACE_PACKET: '/tmp/should-not-exist' },
      extendEnv: false, reject: false,
    });
    assert.equal(r.exitCode, 0, r.stderr);
  });
});
