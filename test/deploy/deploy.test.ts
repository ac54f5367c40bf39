// A user's deploys, end to end without Docker: push a fixture app, reach it through the proxy,
// break it on purpose (failing start, CHECKS 500) and see the previous release keep serving.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Harness, Repo, get } from './helpers.js';
import { DeployFailed } from '../../src/errors.js';
import { DeployLocked } from '../../src/deploy/locks.js';

describe('deploy pipeline (process scheduler, built-in proxy)', function () {
  this.timeout(120_000);
  let h: Harness;

  before(async () => { h = await Harness.start(); });
  after(async () => { await h?.stop(); });

  it('deploys a Node app with a Procfile: 200 with its output, through the proxy', async () => {
    const app = await h.createApp('hello');
    await h.services.store.config.update(app, (env) => { env.set('GREETING', 'hi there'); return true; });
    const repo = await Repo.from('node-app', h.dir);
    const output = await h.deploy(app, repo);
    for (const step of ['Extracting hello', 'Building hello with the native builder', 'Releasing hello v1', 'Starting hello v1', 'Switching traffic to v1']) {
      assert.match(output, new RegExp(`^-----> ${step}`, 'm'), output);
    }
    assert.match(output, /^=====> Application deployed:\n {7}http:\/\/hello\.localhost:\d+$/m);
    const reply = await get(h.port, 'hello.localhost');
    assert.deepEqual(reply, { status: 200, body: 'v1 web.1 hi there' });
    const [release] = await h.services.store.releases.list(app);
    assert.equal(release.version, 1);
    assert.equal(release.rev, repo.head);
    assert.equal(release.pusher, 'tester');
    assert.equal(release.builder, 'native');
    assert.deepEqual(Object.keys(release.processTypes), ['web', 'worker']);
    assert.equal(release.status, 'deployed');
  });

  it('serves a static site straight from the release directory', async () => {
    const app = await h.createApp('site');
    const output = await h.deploy(app, await Repo.from('static-site', h.dir));
    assert.match(output, /Static site detected/);
    const reply = await get(h.port, 'site.localhost', '/');
    assert.equal(reply.status, 200);
    assert.match(reply.body, /Hello from a static site/);
    assert.equal((await h.platform.control.status(app)).instances.length, 0);
  });

  it('a web process that exits at start fails the deploy; the previous release keeps serving', async () => {
    const app = await h.createApp('crashy');
    await h.deploy(app, await Repo.from('node-app', h.dir));
    const failing = await Repo.from('failing-start', h.dir);
    await assert.rejects(h.deploy(app, failing), (error: unknown) => {
      assert.ok(error instanceof DeployFailed);
      assert.equal(error.message, 'web.1 exited with code 1 before it accepted connections');
      return true;
    });
    assert.deepEqual(await get(h.port, 'crashy.localhost'), { status: 200, body: 'v1 web.1' });
    assert.equal((await h.services.store.releases.current(app))?.version, 1);
  });

  it('CHECKS path answering 500 rejects the deploy; the previous release keeps serving', async () => {
    const app = await h.createApp('checked');
    await h.deploy(app, await Repo.from('node-app', h.dir));
    const failing = await Repo.from('checks-500', h.dir);
    await assert.rejects(h.deploy(app, failing), (error: unknown) => {
      assert.ok(error instanceof DeployFailed);
      assert.match(error.message, /^Health check failed: web\.1 GET \/health returned 500$/);
      return true;
    });
    assert.deepEqual(await get(h.port, 'checked.localhost'), { status: 200, body: 'v1 web.1' });
    const releases = await h.services.store.releases.list(app);
    assert.deepEqual(releases.map((r) => [r.version, r.status]), [[1, 'deployed'], [2, 'failed']]);
    assert.equal((await h.services.store.releases.current(app))?.version, 1);
    assert.equal((await h.platform.control.status(app)).instances.length, 1, 'the failed generation was stopped');
  });

  it('app.json is read with comments and trailing commas (as Dokku); a syntax error fails the deploy naming line and column', async () => {
    const app = await h.createApp('jsonc');
    const appJson = [
      '// health checks, as Dokku reads them (JSON with comments)',
      '{',
      '  "healthchecks": {',
      '    /* web runs the startup check */',
      '    "web": [ { "type": "startup", "path": "/ready", "content": "v1 web.1", "attempts": 1, }, ],',
      '  },',
      '}',
    ].join('\n');
    const output = await h.deploy(app, await Repo.from('node-app', h.dir, { 'app.json': appJson }));
    assert.match(output, /GET \/ready: 200 \(content matched\)/, output);
    const broken = await Repo.from('node-app', h.dir, { 'app.json': '{\n  "healthchecks": {\n    "web": [ { "path": "/ready" } }\n}\n', 'version.txt': 'v2\n' });
    await assert.rejects(h.deploy(app, broken), (error: unknown) => {
      assert.ok(error instanceof DeployFailed);
      assert.equal(error.message, 'Cannot parse app.json as jsonc: line 3, column 35: invalid character "}" after array element');
      return true;
    });
    assert.deepEqual(await get(h.port, 'jsonc.localhost'), { status: 200, body: 'v1 web.1' });
  });

  it('two deploys of one app at once: one is refused with the deploy-lock message', async () => {
    const app = await h.createApp('racing');
    const repo = await Repo.from('node-app', h.dir);
    const results = await Promise.allSettled([h.deploy(app, repo), h.deploy(app, repo)]);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(refused.length, 1, JSON.stringify(results.map((r) => r.status)));
    // Dokku's acquire_app_deploy_lock words: the warning naming the app, then the way out (exit 1).
    const reason = refused[0].reason as DeployLocked;
    assert.ok(reason instanceof DeployLocked);
    assert.equal(reason.message, 'racing currently has a deploy lock in place. Exiting...');
    assert.equal(reason.hint, "Run 'apps:unlock' to release the existing deploy lock");
    assert.equal(reason.exitCode, 1);
    assert.equal((await get(h.port, 'racing.localhost')).status, 200);
  });

  it('rolls back to the previous release without building, then to a named one', async () => {
    const app = await h.createApp('rolling');
    const repo = await Repo.from('node-app', h.dir);
    await h.deploy(app, repo);
    await repo.commit({ 'version.txt': 'v2\n' });
    await h.deploy(app, repo);
    assert.equal((await get(h.port, 'rolling.localhost')).body, 'v2 web.1');
    const back = await h.command(['releases:rollback', 'rolling']);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /^-----> Rolling back rolling to v1 \(\w{7}\) as v3$/m);
    assert.doesNotMatch(back.stdout, /Building/);
    assert.equal((await get(h.port, 'rolling.localhost')).body, 'v1 web.1');
    const forward = await h.command(['releases:rollback', 'rolling', 'v2']);
    assert.equal(forward.code, 0, forward.stderr);
    assert.equal((await get(h.port, 'rolling.localhost')).body, 'v2 web.1');
    const list = await h.command(['releases', 'rolling']);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.split('\n').filter((l) => /^ {7}v\d/.test(l));
    assert.deepEqual(rows.map((r) => r.trim().split(/\s+/)[0]), ['v4', 'v3', 'v2', 'v1']);
    assert.match(rows[0], /current \(rollback to v2\)$/);
    assert.match(rows[1], /deployed \(rollback to v1\)$/);
    const missing = await h.command(['releases:rollback', 'rolling', 'v99']);
    assert.deepEqual([missing.code, missing.stderr], [1, ' !     Release v99 of rolling does not exist\n']);
  });

  it('refuses a tree whose symlink leaves the release directory, and keeps nothing of it', async () => {
    const app = await h.createApp('sneaky');
    const repo = await Repo.from('static-site', h.dir);
    fs.symlinkSync('../../../../etc', path.join(repo.dir, 'escape'));
    await repo.commit({}, 'add an escaping symlink');
    await assert.rejects(h.deploy(app, repo), /^DeployFailed: Refusing archive entry escape: symlink leaves the release directory$/);
    assert.deepEqual(await h.services.store.releases.list(app), []);
    assert.deepEqual(fs.readdirSync(h.services.store.layout.releasesDir(app)), []);
  });

  it('builds an npm app: npm install, npm run build (with the app config), npm start', async () => {
    const app = await h.createApp('npmapp');
    await h.services.store.config.update(app, (env) => { env.set('BUILD_FLAVOR', 'vanilla'); return true; });
    const output = await h.deploy(app, await Repo.from('npm-app', h.dir));
    assert.match(output, /^-----> Installing dependencies with npm install$/m);
    assert.match(output, /^-----> Running npm run build$/m);
    assert.match(output, /^ {7}build step done$/m);
    assert.deepEqual(await get(h.port, 'npmapp.localhost'), { status: 200, body: 'built by npm run build with vanilla' });
  });

  it('runs the Procfile release command once before starting; a failing one stops the deploy', async () => {
    const app = await h.createApp('migrated');
    const procfile = 'web: node server.cjs\nrelease: echo "migrating for $DYNO"\n';
    const repo = await Repo.from('node-app', h.dir, { Procfile: procfile });
    const output = await h.deploy(app, repo);
    assert.match(output, /^-----> Running the release command: echo "migrating for \$DYNO"\n {7}migrating for run\.\d+$/m);
    assert.deepEqual((await h.platform.control.status(app)).instances.map((i) => i.id), ['web.1'], 'release is not a process');
    await repo.commit({ Procfile: 'web: node server.cjs\nrelease: exit 5\n', 'version.txt': 'v2\n' });
    await assert.rejects(h.deploy(app, repo), /^DeployFailed: The release command failed \(exit 5\)$/);
    assert.equal((await get(h.port, 'migrated.localhost')).body, 'v1 web.1');
  });

  it('ps:rebuild builds the deployed revision again as a new release', async () => {
    const app = await h.createApp('rebuilt');
    const repo = await Repo.from('node-app', h.dir);
    await h.deploy(app, repo);
    // ps:rebuild reads the app's own repo ($DOKKU_ROOT/APP), which the git layer keeps as a bare repo.
    fs.rmSync(h.services.store.layout.appDir(app), { recursive: true, force: true });
    fs.cpSync(path.join(repo.dir, '.git'), h.services.store.layout.appDir(app), { recursive: true });
    const rebuilt = await h.command(['ps:rebuild', 'rebuilt']);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /^-----> Building rebuilt with the native builder/m);
    const releases = await h.services.store.releases.list(app);
    assert.deepEqual(releases.map((r) => [r.version, r.rev, r.status]), [[1, repo.head, 'deployed'], [2, repo.head, 'deployed']]);
    assert.equal((await h.services.store.releases.current(app))?.version, 2);
  });
});
