// Dokku's standard `deploy APP [TAG]` and `cleanup [APP|--global]` on the process scheduler (real
// server, OpenSSH, git push): deploy runs an existing build again without building (the current
// release, or another release's by its tag); cleanup drops build directories no release runs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { get } from '../deploy/helpers.js';
import { appWork, type AppWork } from '../helpers/app-work.js';

describe('deploy and cleanup (process scheduler, real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let work: AppWork;
  const body = async () => (await get(server.httpPort, 'site.localhost')).body;
  const releasesDir = () => path.join(server.home, 'lib', 'data', 'releases', 'site');
  const buildDirs = () => fs.readdirSync(releasesDir()).filter((n) => /^v\d+$/.test(n)).sort();

  async function pushVersion(version: string, procfile?: string): Promise<number> {
    fs.writeFileSync(path.join(work.work, 'version.txt'), `${version}\n`);
    if (procfile !== undefined) fs.writeFileSync(path.join(work.work, 'Procfile'), procfile);
    assert.equal((await work.git(['commit', '-q', '-am', version])).exitCode, 0);
    return (await work.push('site')).exitCode ?? -1;
  }

  before(async () => {
    server = await TestServer.start();
    work = await appWork(server);
    const push = await work.push('site');
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.match(await body(), /^v1 web\.1/);
  });
  after(async () => { await server?.stop(); });

  it('deploy APP runs the current release again through its scheduler (no build, no new release)', async () => {
    const r = await server.ssh(['deploy', 'site']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Deploying site via the process scheduler\.\.\.$/m);
    assert.doesNotMatch(r.stdout, /Building|Releasing/);
    assert.match(await body(), /^v1 web\.1/);
    assert.match((await server.ssh(['releases', 'site'])).stdout, /v1 .* current/);
    assert.doesNotMatch((await server.ssh(['releases', 'site'])).stdout, /^\s+v2 /m);
  });

  it('a stopped app starts again; `latest` and the current vN name the current release', async () => {
    assert.equal((await server.ssh(['ps:stop', 'site'])).code, 0);
    assert.equal((await get(server.httpPort, 'site.localhost')).status, 503);
    for (const tag of ['latest', 'v1']) {
      const r = await server.ssh(['deploy', 'site', tag]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(await body(), /^v1 web\.1/, tag);
    }
  });

  it('another release\'s tag deploys that build (a rollback); an unknown tag is one line, exit 1', async () => {
    assert.equal(await pushVersion('v2'), 0);
    assert.match(await body(), /^v2 /);
    const r = await server.ssh(['deploy', 'site', 'v1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Rolling back site to v1/);
    assert.match(await body(), /^v1 /);
    const bad = await server.ssh(['deploy', 'site', 'nope']);
    assert.deepEqual([bad.code, bad.stderr], [1, ' !     No release of site has the tag nope (tags: latest, vN for release N, or an image tag)']);
    assert.equal((await server.ssh(['deploy', 'site', '2'])).code, 0);
    assert.match(await body(), /^v2 /);
  });

  it('refusals as Dokku: no app, an unknown app, an app never deployed', async () => {
    const none = await server.ssh(['deploy']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify an app to run the command on']);
    const ghost = await server.ssh(['deploy', 'ghost']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
    assert.equal((await server.ssh(['apps:create', 'empty'])).code, 0);
    const empty = await server.ssh(['deploy', 'empty']);
    assert.deepEqual([empty.code, empty.stderr], [1, ' !     App empty has not been deployed']);
  });

  it('cleanup APP removes the build directories of failed releases and crashed builds; the serving ones stay', async () => {
    // A release command that fails: the release is recorded failed, v2 keeps serving.
    assert.notEqual(await pushVersion('v3', 'web: node server.cjs\nrelease: exit 3\n'), 0);
    assert.match(await body(), /^v2 /);
    fs.mkdirSync(path.join(releasesDir(), 'v99'));
    const before = buildDirs();
    assert.ok(before.includes('v99'));
    const failed = JSON.parse(fs.readFileSync(path.join(releasesDir(), 'releases.json'), 'utf8')) as { releases: Array<{ version: number; status: string }> };
    const failedVersions = failed.releases.filter((r) => r.status === 'failed').map((r) => `v${r.version}`);
    assert.ok(failedVersions.length > 0 && failedVersions.every((v) => before.includes(v)), String(before));
    const r = await server.ssh(['cleanup', 'site']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Cleaning up\.\.\.$/m);
    assert.match(r.stdout, /site: removed build directories .*v99/);
    const after = buildDirs();
    for (const v of [...failedVersions, 'v99']) assert.ok(!after.includes(v), v);
    assert.match(await body(), /^v2 /);
    assert.equal((await server.ssh(['deploy', 'site', 'v1'])).code, 0, 'v1 build kept for rollbacks');
    assert.equal((await server.ssh(['cleanup', '--global'])).stdout, '-----> Cleaning up...');
    assert.equal((await server.ssh(['cleanup'])).code, 0);
    assert.equal((await server.ssh(['--quiet', 'cleanup', 'site'])).stdout, '');
  });
});
