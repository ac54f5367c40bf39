// Pushed trees go through the one safe extraction path (src/os/safe-extract.ts): a real `git push`
// over OpenSSH whose tree holds a chain of symlinks out of the release folder is rejected.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { get } from './helpers.js';

describe('pushed trees (real server, git and OpenSSH)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let work: string;
  let git: AppWork['git'];

  const releasesDir = () => path.join(server.home, 'lib', 'data', 'releases', 'linked');

  before(async () => {
    server = await TestServer.start();
    ({ work, git } = await appWork(server, { fixture: 'static-site' }));
    assert.equal((await server.ssh(['apps:create', 'linked'])).code, 0);
  });
  after(async () => { await server?.stop(); });

  it('10.8: a chain of symlinks out of the release folder is refused with one line; the push is rejected', async () => {
    // Each link alone stays inside (`s` is the folder itself; `s/..` and `up/..` read as the folder
    // too), but followed link after link, `up` is the app's releases folder and `out` all releases.
    fs.symlinkSync('.', path.join(work, 's'));
    fs.symlinkSync('s/..', path.join(work, 'up'));
    fs.symlinkSync('up/..', path.join(work, 'out'));
    assert.equal((await git(['add', '-A'])).exitCode, 0);
    assert.equal((await git(['commit', '-q', '-m', 'a chain of links'])).exitCode, 0);
    const push = await git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/linked`, 'main']);
    const stderr = String(push.stderr);
    assert.notEqual(push.exitCode, 0, stderr);
    const refusals = stderr.split('\n').filter((line) => line.includes('Refusing'));
    assert.deepEqual(refusals.map((line) => line.trimEnd()), [
      'remote:  !     Refusing archive entry out: symlink leaves the release directory through other symlinks',
    ], stderr);
    assert.match(stderr, /! \[remote rejected\] main -> main \(pre-receive hook declined\)/, stderr);
    const remote = await git(['ls-remote', `ssh://dokku@127.0.0.1:${server.sshPort}/linked`]);
    assert.equal(remote.exitCode, 0, String(remote.stderr));
    assert.equal(String(remote.stdout).trim(), '', 'no ref moved');
    const left = fs.existsSync(releasesDir()) ? fs.readdirSync(releasesDir()) : [];
    assert.deepEqual(left, [], 'nothing of the tree is kept');
    assert.notEqual((await get(server.httpPort, 'linked.localhost')).status, 200, 'nothing is served');
  });
});
