// apps:lock, apps:unlock, apps:locked as Dokku answers them (real server, OpenSSH, git push): a
// locked app refuses pushes and rebuilds with Dokku's two lines while its release keeps serving;
// apps:locked exits 0 when locked and 1 when not; the lock survives nothing it should not (rename, destroy).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, gitClientEnv } from '../helpers/server.js';
import { fixtures, get } from '../deploy/helpers.js';

describe('apps:lock, apps:unlock, apps:locked (real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let work: string;
  let git: (args: string[]) => Promise<{ exitCode?: number; stdout: string; stderr: string }>;

  const commit = async (text: string) => {
    fs.writeFileSync(path.join(work, 'VERSION'), text);
    for (const args of [['add', '-A'], ['commit', '-q', '-m', text]]) assert.equal((await git(args)).exitCode, 0);
  };
  const push = () => git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/locky`, 'main']);

  before(async () => {
    server = await TestServer.start();
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    const env = gitClientEnv(server.admin, home);
    work = path.join(server.dir, 'work');
    fs.cpSync(path.join(fixtures, 'node-app'), work, { recursive: true });
    git = (args) => execa('git', args, { cwd: work, env, extendEnv: false, reject: false });
    assert.equal((await git(['init', '-q', '-b', 'main'])).exitCode, 0);
    await commit('one');
    assert.equal((await server.ssh(['apps:create', 'locky'])).code, 0);
    const first = await push();
    assert.equal(first.exitCode, 0, first.stderr);
  });
  after(async () => { await server?.stop(); });

  it('apps:locked exits 1 with Dokku\'s line while no lock exists; apps:report says false', async () => {
    const r = await server.ssh(['apps:locked', 'locky']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', ' !     Deploy lock does not exist']);
    assert.equal((await server.ssh(['apps:report', 'locky', '--app-locked'])).stdout, 'false');
  });

  it('apps:lock: locked exits 0, a push is refused with Dokku\'s message and the old release keeps serving', async () => {
    const before = await get(server.httpPort, 'locky.localhost');
    assert.equal(before.status, 200);
    const lock = await server.ssh(['apps:lock', 'locky']);
    assert.deepEqual([lock.code, lock.stdout], [0, '-----> Deploy lock created']);
    assert.ok(fs.existsSync(path.join(server.home, 'lib', 'data', 'apps', 'locky', '.deploy.lock')), 'Dokku\'s marker file');
    const locked = await server.ssh(['apps:locked', 'locky']);
    assert.deepEqual([locked.code, locked.stdout], [0, 'Deploy lock exists']);
    assert.deepEqual((await server.ssh(['--quiet', 'apps:locked', 'locky'])).stdout, '');
    assert.equal((await server.ssh(['apps:report', 'locky', '--app-locked'])).stdout, 'true');
    // Locking twice is fine, as on Dokku.
    assert.equal((await server.ssh(['apps:lock', 'locky'])).code, 0);

    await commit('two');
    const refused = await push();
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /remote: +! +locky currently has a deploy lock in place\. Exiting\.\.\. *\n/);
    assert.match(refused.stderr, /remote: +! +Run 'apps:unlock' to release the existing deploy lock *\n/);
    assert.doesNotMatch(refused.stderr, /Extracting/);
    assert.deepEqual(await get(server.httpPort, 'locky.localhost'), before);
    assert.match((await server.ssh(['ps:report', 'locky', '--ps-release'])).stdout, /^v1 /);

    const rebuild = await server.ssh(['ps:rebuild', 'locky']);
    assert.equal(rebuild.code, 1);
    assert.match(rebuild.stderr, /locky currently has a deploy lock in place\. Exiting\.\.\./);
    // Restarting is not a deploy: it still works.
    assert.equal((await server.ssh(['ps:restart', 'locky'])).code, 0);
    assert.deepEqual(await get(server.httpPort, 'locky.localhost'), before);
  });

  it('apps:unlock warns as Dokku does, then a push deploys', async () => {
    const unlock = await server.ssh(['apps:unlock', 'locky']);
    assert.deepEqual([unlock.code, unlock.stdout, unlock.stderr], [0, '-----> Deploy lock removed',
      ' !     A deploy may be in progress.\n !     Removing the app lock will not stop in progress deploys.']);
    assert.equal((await server.ssh(['apps:locked', 'locky'])).code, 1);
    assert.equal((await server.ssh(['apps:report', 'locky', '--app-locked'])).stdout, 'false');
    // Unlocking an app with no lock: no warning, exit 0.
    const again = await server.ssh(['apps:unlock', 'locky']);
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, '-----> Deploy lock removed', '']);
    const pushed = await push();
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    assert.match((await server.ssh(['ps:report', 'locky', '--ps-release'])).stdout, /^v2 /);
  });

  it('refuses as Dokku: no app, an unknown app', async () => {
    for (const cmd of ['apps:lock', 'apps:unlock', 'apps:locked']) {
      const none = await server.ssh([cmd]);
      assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify an app to run the command on'], cmd);
      const ghost = await server.ssh([cmd, 'ghost']);
      assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist'], cmd);
    }
  });

  it('the lock follows apps:rename and goes with apps:destroy', async () => {
    assert.equal((await server.ssh(['apps:lock', 'locky'])).code, 0);
    assert.equal((await server.ssh(['apps:rename', 'locky', 'locked-too'])).code, 0);
    assert.equal((await server.ssh(['apps:locked', 'locked-too'])).code, 0);
    assert.equal((await server.ssh(['apps:destroy', '--force', 'locked-too'])).code, 0);
    assert.ok(!fs.existsSync(path.join(server.home, 'lib', 'data', 'apps', 'locked-too')));
    assert.ok(!fs.existsSync(path.join(server.home, 'lib', 'data', 'apps', 'locky')));
  });
});
