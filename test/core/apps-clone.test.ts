// apps:clone as a user runs it (real server, OpenSSH, git push): the clone serves under its own
// domain with the old app's config, a recorder plugin sees Dokku's clone triggers with Dokku's
// arguments in Dokku's order, and a clone that fails at any step leaves nothing behind.
// Also ps:rebuild --all over the same apps.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, gitClientEnv, makeKey, repoRoot } from '../helpers/server.js';
import { fixtures, get } from '../deploy/helpers.js';
import { tree } from '../helpers/fixtures.js';

describe('apps:clone (real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let calls: string;

  /** The recorder's lines since the last call. */
  let seen = 0;
  const recorded = (): string[] => {
    const lines = fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean) : [];
    const fresh = lines.slice(seen);
    seen = lines.length;
    return fresh;
  };

  /** Every file or folder of the data dir that names the app (its repo, properties, releases, logs, processes). */
  const leftovers = (app: string): string[] => tree(server.home).filter((p) => p.split('/').includes(app));

  before(async () => {
    server = await TestServer.start();
    const plugin = path.join(server.home, 'lib', 'plugins', 'available', 'trigger-recorder');
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'plugins', 'dokku-trigger-recorder'), plugin, { recursive: true, verbatimSymlinks: true });
    fs.mkdirSync(path.join(server.home, 'lib', 'plugins', 'enabled'), { recursive: true });
    fs.symlinkSync(plugin, path.join(server.home, 'lib', 'plugins', 'enabled', 'trigger-recorder'));
    calls = path.join(plugin, 'calls.log');

    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    const env = gitClientEnv(server.admin, home);
    const work = path.join(server.dir, 'work');
    fs.cpSync(path.join(fixtures, 'node-app'), work, { recursive: true });
    const git = (args: string[]) => execa('git', args, { cwd: work, env, extendEnv: false, reject: false });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'v1']]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    for (const args of [['apps:create', 'source'], ['config:set', '--no-restart', 'source', 'GREETING=hello'], ['ps:scale', 'source', 'web=1'], ['domains:add', 'source', 'www.source.test'], ['ports:add', 'source', 'http:80:5000']]) {
      const r = await server.ssh(args);
      assert.equal(r.code, 0, r.stderr);
    }
    const push = await git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/source`, 'main']);
    assert.equal(push.exitCode, 0, push.stderr);
    assert.equal((await get(server.httpPort, 'source.localhost')).body, 'v1 web.1 hello');
    recorded();
  });
  after(async () => { await server?.stop(); });

  it('clones a deployed app: config, scale and repo copied, deployed, served on its own domain; Dokku\'s triggers in order', async () => {
    const r = await server.ssh(['apps:clone', 'source', 'copy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Cloning source to copy\n-----> Creating copy\.\.\.\n/);
    assert.match(r.stdout, /-----> Switching traffic to v1/);
    assert.deepEqual(await get(server.httpPort, 'copy.localhost'), { status: 200, body: 'v1 web.1 hello' });
    // Dokku leaves the old app's domains behind: the clone answers on its own default domain only.
    assert.equal((await server.ssh(['urls', 'copy'])).stdout, `http://copy.localhost:${server.httpPort}`);
    assert.equal((await get(server.httpPort, 'www.source.test')).body, 'v1 web.1 hello');
    assert.equal((await server.ssh(['config:get', 'copy', 'GREETING'])).stdout, 'hello');
    assert.match((await server.ssh(['ps:scale', 'copy'])).stdout, /^web: +1$/m);
    assert.equal((await server.ssh(['ports:report', 'copy', '--ports-map'])).stdout, 'http:80:5000');
    assert.equal((await server.ssh(['git:report', 'copy', '--git-deploy-branch'])).stdout, 'main');
    const tag = (await server.ssh(['ps:report', 'copy', '--ps-release'])).stdout;
    assert.match(tag, /^v1 \([0-9a-f]{7}\)$/);
    const lines = recorded();
    assert.deepEqual(lines.filter((l) => !l.startsWith('pre-deploy ')), [
      'post-create copy',
      'post-app-clone-setup source copy greeting=hello',
      'post-app-clone source copy',
    ]);
    // The deploy of the clone runs between the two clone triggers (Dokku's ps rebuilds in post-app-clone).
    assert.match(lines[2], /^pre-deploy copy \S+$/);
    // The old app is untouched and keeps serving.
    assert.equal((await get(server.httpPort, 'source.localhost')).body, 'v1 web.1 hello');
    assert.equal((await server.ssh(['config:get', 'source', 'GREETING'])).stdout, 'hello');
  });

  it('--skip-deploy copies without deploying: the clone exists, has the repo and config, and serves nothing', async () => {
    const r = await server.ssh(['apps:clone', '--skip-deploy', 'source', 'quiet-copy']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Switching traffic/);
    assert.equal((await server.ssh(['apps:exists', 'quiet-copy'])).code, 0);
    assert.equal((await server.ssh(['config:get', 'quiet-copy', 'GREETING'])).stdout, 'hello');
    assert.equal((await get(server.httpPort, 'quiet-copy.localhost')).status, 404);
    const rev = await execa('git', ['--git-dir', path.join(server.home, 'home', 'quiet-copy'), 'rev-parse', 'refs/heads/main'], { reject: false });
    assert.equal(rev.exitCode, 0, rev.stderr);
    assert.deepEqual(recorded(), [
      'post-create quiet-copy',
      'post-app-clone-setup source quiet-copy greeting=hello',
      'post-app-clone source quiet-copy',
    ]);
  });

  it('an app never deployed is cloned without a deploy', async () => {
    assert.equal((await server.ssh(['apps:create', 'empty'])).code, 0);
    const r = await server.ssh(['apps:clone', 'empty', 'empty-copy']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Extracting|Switching/);
    assert.equal((await server.ssh(['apps:exists', 'empty-copy'])).code, 0);
    recorded();
  });

  it('refuses as Dokku: an existing new name, a missing old app, missing arguments; --ignore-existing exits 0', async () => {
    const taken = await server.ssh(['apps:clone', 'source', 'copy']);
    assert.deepEqual([taken.code, taken.stderr], [1, ' !     Name is already taken']);
    const ignored = await server.ssh(['apps:clone', '--ignore-existing', 'source', 'copy']);
    assert.deepEqual([ignored.code, ignored.stderr, ignored.stdout], [0, ' !     Name is already taken', '']);
    const missing = await server.ssh(['apps:clone', 'ghost', 'ghost-copy']);
    assert.deepEqual([missing.code, missing.stderr], [20, ' !     App ghost does not exist']);
    const none = await server.ssh(['apps:clone']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify an app to run the command on']);
    const one = await server.ssh(['apps:clone', 'source']);
    assert.equal(one.code, 1);
    assert.match(one.stderr, /^ ! {5}Please specify an new app name/);
    const invalid = await server.ssh(['apps:clone', 'source', 'Bad_Name']);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /App name must begin with lowercase alphanumeric character/);
    for (const app of ['ghost-copy', 'Bad_Name']) assert.deepEqual(leftovers(app), []);
    assert.deepEqual(recorded(), []);
  });

  it('a failing post-app-clone-setup removes the new app: nothing of it is left, the old app serves on', async () => {
    const r = await server.ssh(['apps:clone', 'source', 'refused-copy']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /recorder refuses the clone refused-copy/);
    assert.match(r.stderr, /Removing refused-copy: the clone did not complete/);
    assert.equal((await server.ssh(['apps:exists', 'refused-copy'])).code, 20);
    assert.deepEqual(leftovers('refused-copy'), []);
    assert.deepEqual(recorded(), [
      'post-create refused-copy',
      'post-app-clone-setup source refused-copy greeting=hello',
      'pre-delete refused-copy ',
      'post-delete refused-copy ',
    ]);
    assert.equal((await get(server.httpPort, 'source.localhost')).body, 'v1 web.1 hello');
  });

  it('a failing deploy of the clone removes it, processes and route included', async () => {
    const r = await server.ssh(['apps:clone', 'source', 'undeployable-copy']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /recorder refuses to deploy undeployable-copy/);
    assert.equal((await server.ssh(['apps:exists', 'undeployable-copy'])).code, 20);
    assert.deepEqual(leftovers('undeployable-copy'), []);
    assert.equal((await get(server.httpPort, 'undeployable-copy.localhost')).status, 404);
    const lines = recorded();
    assert.deepEqual(lines.slice(0, 2), ['post-create undeployable-copy', 'post-app-clone-setup source undeployable-copy greeting=hello']);
    assert.match(lines[2], /^pre-deploy undeployable-copy /);
    assert.deepEqual(lines.slice(3).map((l) => l.split(' ').slice(0, 2).join(' ')), ['pre-delete undeployable-copy', 'post-delete undeployable-copy']);
    assert.equal(lines.length, 5);
  });

  it('a key that is not an admin may not clone', async () => {
    const r = await server.ssh(['apps:clone', 'source', 'stolen'], { key: await nonAdmin(server) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Access denied/);
    assert.deepEqual(leftovers('stolen'), []);
  });

  it('ps:rebuild --all rebuilds every deployed app (serial, then --parallel 2), skipping the undeployed ones', async () => {
    const serial = await server.ssh(['ps:rebuild', '--all']);
    assert.equal(serial.code, 0, serial.stderr);
    assert.match(serial.stderr, /^ ! {5}Running rebuild in serial mode$/m);
    assert.match(serial.stdout, /^-----> Running rebuild against app copy$/m);
    assert.match(serial.stdout, /^-----> Running rebuild against app source$/m);
    assert.match(serial.stderr, /^ ! {5}App empty has not been deployed$/m);
    assert.match((await server.ssh(['ps:report', 'copy', '--ps-release'])).stdout, /^v2 /);
    assert.match((await server.ssh(['ps:report', 'source', '--ps-release'])).stdout, /^v2 /);
    const parallel = await server.ssh(['ps:rebuild', '--all', '--parallel', '2']);
    assert.equal(parallel.code, 0, parallel.stderr);
    assert.match(parallel.stdout, /^-----> Running command against source$/m);
    assert.match((await server.ssh(['ps:report', 'source', '--ps-release'])).stdout, /^v3 /);
    assert.equal((await get(server.httpPort, 'copy.localhost')).body, 'v1 web.1 hello');
    const bad = await server.ssh(['ps:rebuild', '--all', '--parallel', '-2']);
    assert.deepEqual([bad.code, bad.stderr], [1, ' !     Invalid value -2 for --parallel flag']);
    recorded();
  });
});

/** A second, non-admin key (added through the local CLI, as an operator would). */
async function nonAdmin(server: TestServer) {
  const key = await makeKey(server.dir, 'dev');
  const added = await server.dokku(['ssh-keys:add', 'dev', key.publicKey]);
  assert.equal(added.code, 0, added.stderr);
  return key;
}
