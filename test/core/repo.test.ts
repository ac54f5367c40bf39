// repo:* as Dokku documents it: `repo:gc APP` runs `git gc --aggressive` on the app's bare repo (the
// branch refs stay files), `repo:purge-cache APP` empties the app's build cache; a missing app is
// exit 20, no app is Dokku's "Please specify an app". Real server, OpenSSH and git push.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { get } from '../deploy/helpers.js';

describe('repo:gc and repo:purge-cache (real server, git and OpenSSH)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let app: AppWork;
  const repoDir = () => path.join(server.home, 'home', 'gcapp');
  const cacheDir = () => path.join(server.home, 'lib', 'data', 'apps', 'gcapp', 'cache');
  const countObjects = async () => {
    const r = await execa('git', ['--git-dir', repoDir(), 'count-objects', '-v']);
    return Object.fromEntries(r.stdout.split('\n').map((line) => line.split(': ')).map(([k, v]) => [k, Number(v)]));
  };
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await TestServer.start();
    app = await appWork(server, { fixture: 'npm-app' });
    await ok(['apps:create', 'gcapp']);
    const pushed = await app.push('gcapp');
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
  });
  after(async () => { await server?.stop(); });

  it('repo:gc packs the loose objects a push left, keeps refs/heads files, and the app still deploys', async () => {
    fs.writeFileSync(path.join(app.work, 'more.txt'), 'second commit\n');
    assert.equal((await app.git(['add', '-A'])).exitCode, 0);
    assert.equal((await app.git(['commit', '-qm', 'v2'])).exitCode, 0);
    assert.equal((await app.push('gcapp')).exitCode, 0);
    const head = (await app.git(['rev-parse', 'HEAD'])).stdout;
    const before = await countObjects();
    assert.ok(before.count + before['in-pack'] > 0, 'the pushes stored objects');

    const gc = await ok(['repo:gc', 'gcapp']);
    assert.equal(gc.stdout, '');
    const after = await countObjects();
    assert.equal(after.count, 0, 'no loose objects after gc');
    assert.equal(after.packs, 1, 'one pack after --aggressive gc');
    // Dokku keeps each branch head a file after its gc; so does Slipway.
    assert.equal(fs.readFileSync(path.join(repoDir(), 'refs', 'heads', 'main'), 'utf8').trim(), head);

    fs.writeFileSync(path.join(app.work, 'more.txt'), 'third commit\n');
    assert.equal((await app.git(['add', '-A'])).exitCode, 0);
    assert.equal((await app.git(['commit', '-qm', 'v3'])).exitCode, 0);
    const third = await app.push('gcapp');
    assert.equal(third.exitCode, 0, String(third.stderr));
    assert.equal((await get(server.httpPort, 'gcapp.localhost')).status, 200);
  });

  it('repo:purge-cache empties the build cache the native builder keeps (npm), and the next build fills it again', async () => {
    assert.ok(fs.existsSync(path.join(cacheDir(), 'npm')), 'npm used the app\'s cache dir');
    const purged = await ok(['repo:purge-cache', 'gcapp']);
    assert.equal(purged.stdout, '');
    assert.equal(fs.existsSync(cacheDir()), false);
    await ok(['repo:purge-cache', 'gcapp']); // nothing left to purge is fine
    assert.equal((await ok(['ps:rebuild', 'gcapp'])).code, 0);
    assert.ok(fs.existsSync(path.join(cacheDir(), 'npm')));
  });

  it('Dokku\'s answers for a missing app, no app, and an app never pushed; both are in help --all', async () => {
    for (const command of ['repo:gc', 'repo:purge-cache']) {
      const missing = await server.ssh([command, 'nosuchapp']);
      assert.equal(missing.code, 20);
      assert.match(missing.stderr, /App nosuchapp does not exist/);
      const none = await server.ssh([command]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /Please specify an app to run the command on/);
    }
    await ok(['apps:create', 'fresh']);
    await ok(['repo:gc', 'fresh']);
    await ok(['repo:purge-cache', 'fresh']);
    const help = await ok(['help', '--all']);
    assert.match(help.stdout, /repo:gc <app> +Runs 'git gc --aggressive' against the application's repo/);
    assert.match(help.stdout, /repo:purge-cache <app> +Deletes/);
    assert.match((await ok(['repo:help'])).stdout, /repo:purge-cache/);
  });
});
