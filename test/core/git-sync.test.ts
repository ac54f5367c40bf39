// git:sync, git:initialize, git:status and git:set/git:report's git properties as a CI job uses
// them (real server, OpenSSH, real git): sync from a local bare repository (file://) and from a
// `git daemon` on loopback, deploy with --build / --build-if-changes, GIT_REV in the app's config,
// and Dokku's errors. A failed sync moves nothing: the old release keeps serving.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { localGit, localGitEnv } from '../helpers/local-git.js';
import { TestServer, makeKey } from '../helpers/server.js';
import { eventually, fixtures, get } from '../deploy/helpers.js';
import { freeLoopbackPort } from '../helpers/net.js';

const git = localGit;
const gitEnv = localGitEnv;

describe('git:sync, git:initialize, git:status (real server, OpenSSH, real git)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let work: string;
  let bare: string;
  let url: string;
  let v1: string;
  let v2: string;

  const served = async (app: string) => (await get(server.httpPort, `${app}.localhost`)).body;
  const sha = async (app: string) => (await server.ssh(['git:report', app, '--git-sha'])).stdout;
  const release = async (app: string) => (await server.ssh(['ps:report', app, '--ps-release'])).stdout;

  /** Commit the node app with version.txt = version on the work tree's current branch, push it to the bare repo. */
  async function commitVersion(version: string, branch = 'main'): Promise<string> {
    fs.writeFileSync(path.join(work, 'version.txt'), `${version}\n`);
    await git(work, ['add', '-A']);
    await git(work, ['commit', '-q', '-m', version]);
    await git(work, ['push', '-q', bare, `HEAD:refs/heads/${branch}`]);
    return git(work, ['rev-parse', 'HEAD']);
  }

  before(async () => {
    server = await TestServer.start();
    work = path.join(server.dir, 'work');
    bare = path.join(server.dir, 'source.git');
    url = `file://${bare}`;
    fs.cpSync(path.join(fixtures, 'node-app'), work, { recursive: true });
    await git(server.dir, ['init', '-q', '--bare', '-b', 'main', bare]);
    await git(work, ['init', '-q', '-b', 'main']);
    v1 = await commitVersion('v1');
    await git(work, ['tag', 'release-1']);
    await git(work, ['push', '-q', bare, 'refs/tags/release-1']);
  });
  after(async () => { await server?.stop(); });

  it('git:sync --build clones, deploys through the pipeline (output streamed), adopts the branch, sets GIT_REV', async () => {
    assert.equal((await server.ssh(['apps:create', 'synced'])).code, 0);
    const r = await server.ssh(['git:sync', '--build', 'synced', url, 'main']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^-----> Cloning synced from ${url}#main$`, 'm'));
    assert.match(r.stdout, /^ {7}Detected branch, setting deploy-branch to main$/m);
    assert.match(r.stdout, /-----> Building synced with the \S+ builder/);
    assert.match(r.stdout, /Application deployed:/);
    assert.equal(await served('synced'), 'v1 web.1');
    assert.equal(await sha('synced'), v1);
    assert.equal((await server.ssh(['git:report', 'synced', '--git-deploy-branch'])).stdout, 'main');
    assert.equal((await server.ssh(['config:get', 'synced', 'GIT_REV'])).stdout, v1);
  });

  it('--build-if-changes deploys a new commit, then skips when nothing changed', async () => {
    v2 = await commitVersion('v2');
    const r = await server.ssh(['git:sync', '--build-if-changes', 'synced', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^ {7}Fetching remote code for synced from ${url}#$`, 'm'));
    assert.equal(await served('synced'), 'v2 web.1');
    assert.equal(await sha('synced'), v2);
    const before = await release('synced');
    const again = await server.ssh(['git:sync', '--build-if-changes', 'synced', url]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^ {7}Skipping build as no changes were detected$/m);
    assert.doesNotMatch(again.stdout, /Building/);
    assert.equal(await release('synced'), before);
  });

  it('without --build only the repo moves; a tag from a git daemon on loopback deploys with --build', async () => {
    const v3 = await commitVersion('v3');
    const plain = await server.ssh(['git:sync', 'synced', url, 'main']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /Building/);
    assert.equal(await sha('synced'), v3);
    assert.equal(await served('synced'), 'v2 web.1');

    const port = await freeLoopbackPort();
    const daemon: ChildProcess = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${server.dir}`, '--listen=127.0.0.1', `--port=${port}`, server.dir], {
      env: gitEnv, stdio: 'ignore',
    });
    try {
      const remote = `git://127.0.0.1:${port}/source.git`;
      await eventually(async () => ((await execa('git', ['ls-remote', remote], { env: gitEnv, extendEnv: false, reject: false })).exitCode === 0 ? true : undefined));
      const r = await server.ssh(['git:sync', '--build', 'synced', remote, 'release-1']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await served('synced'), 'v1 web.1');
      assert.equal(await sha('synced'), v1);
      // A tag is not a branch: the deploy branch stays main.
      assert.equal((await server.ssh(['git:report', 'synced', '--git-computed-deploy-branch'])).stdout, 'main');
      assert.equal((await server.ssh(['config:get', 'synced', 'GIT_REV'])).stdout, v1);
    } finally {
      daemon.kill('SIGTERM');
      if (daemon.exitCode === null) await new Promise((resolve) => daemon.once('exit', resolve));
    }
  });

  it('a commit sha deploys; rev-env-var renames GIT_REV, and an empty one records nothing', async () => {
    assert.equal((await server.ssh(['git:set', 'synced', 'rev-env-var', 'SOURCE_SHA'])).code, 0);
    assert.equal((await server.ssh(['git:report', 'synced', '--git-rev-env-var'])).stdout, 'SOURCE_SHA');
    const r = await server.ssh(['git:sync', '--build', 'synced', url, v2]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await served('synced'), 'v2 web.1');
    assert.equal((await server.ssh(['config:get', 'synced', 'SOURCE_SHA'])).stdout, v2);
    const unset = await server.ssh(['git:set', 'synced', 'rev-env-var']);
    assert.equal(unset.code, 0, unset.stderr);
    assert.match(unset.stdout, /^=====> Unsetting rev-env-var$/m);
    assert.equal((await server.ssh(['git:report', 'synced', '--git-rev-env-var'])).stdout, '');
  });

  it('errors as Dokku: missing app, missing remote, bad repository (128), bad ref (128); nothing moves', async () => {
    const before = { sha: await sha('synced'), release: await release('synced'), body: await served('synced') };
    const missing = await server.ssh(['git:sync', 'ghost', url]);
    assert.deepEqual([missing.code, missing.stderr], [20, ' !     App ghost does not exist']);
    const noApp = await server.ssh(['git:sync']);
    assert.deepEqual([noApp.code, noApp.stderr], [1, ' !     Please specify an app to run the command on']);
    const noRemote = await server.ssh(['git:sync', 'synced']);
    assert.deepEqual([noRemote.code, noRemote.stderr], [1, ' !     Missing GIT_REMOTE parameter']);
    const badRepo = await server.ssh(['git:sync', '--build', 'synced', `file://${server.dir}/nothing-here.git`]);
    assert.equal(badRepo.code, 128, badRepo.stderr);
    assert.match(badRepo.stderr, /^ ! {5}fatal: .*nothing-here\.git/m);
    const badRef = await server.ssh(['git:sync', '--build', 'synced', url, 'no-such-branch']);
    assert.equal(badRef.code, 128, badRef.stderr);
    assert.match(badRef.stderr, /no-such-branch/);
    const option = await server.ssh(['git:sync', 'synced', '--upload-pack=touch /tmp/x']);
    assert.equal(option.code, 1);
    assert.deepEqual({ sha: await sha('synced'), release: await release('synced'), body: await served('synced') }, before);
  });

  it('a build that fails moves nothing: the branch, GIT_REV and the serving release stay', async () => {
    assert.equal((await server.ssh(['git:set', 'synced', 'rev-env-var', 'GIT_REV'])).code, 0);
    const before = { sha: await sha('synced'), release: await release('synced'), body: await served('synced'), rev: (await server.ssh(['config:get', 'synced', 'GIT_REV'])).stdout };
    await git(work, ['checkout', '-q', '-b', 'broken']);
    fs.rmSync(path.join(work, 'Procfile'));
    fs.cpSync(path.join(fixtures, 'failing-start'), work, { recursive: true });
    const broken = await commitVersion('v-broken', 'broken');
    await git(work, ['checkout', '-q', 'main']);
    const r = await server.ssh(['git:sync', '--build', 'synced', url, broken]);
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual({ sha: await sha('synced'), release: await release('synced'), body: await served('synced'), rev: (await server.ssh(['config:get', 'synced', 'GIT_REV'])).stdout }, before);
  });

  it('git:sync is for admin keys only; git:initialize and git:status work on a new app', async () => {
    const key = await makeKey(server.dir, 'dev');
    assert.equal((await server.dokku(['ssh-keys:add', 'dev', key.publicKey])).code, 0);
    const denied = await server.ssh(['git:sync', 'synced', url], { key });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /Access denied/);

    assert.equal((await server.ssh(['apps:create', 'fresh'])).code, 0);
    const init = await server.ssh(['git:initialize', 'fresh']);
    assert.deepEqual([init.code, init.stdout], [0, '-----> Initializing git repository for fresh']);
    assert.ok(fs.existsSync(path.join(server.home, 'home', 'fresh', 'HEAD')));
    const status = await server.ssh(['git:status', 'fresh']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^On branch master\n\nNo commits yet$/);
    const synced = await server.ssh(['git:status', 'synced']);
    assert.match(synced.stdout, new RegExp(`^On branch main\ncommit ${await sha('synced')}\n`));
    const ghost = await server.ssh(['git:initialize', 'ghost']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
  });

  it('git:set validates keys and values as Dokku does; git:report shows keep-git-dir and source-image', async () => {
    const bad = await server.ssh(['git:set', 'synced', 'colour', 'blue']);
    assert.deepEqual([bad.code, bad.stderr], [1, ' !     Invalid key specified, valid keys include: archive-max-files, archive-max-size, deploy-branch, keep-git-dir, rev-env-var, source-image']);
    const none = await server.ssh(['git:set', 'synced']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     No key specified']);
    const set = await server.ssh(['git:set', 'synced', 'keep-git-dir', 'true']);
    assert.deepEqual([set.code, set.stdout], [0, '=====> Setting keep-git-dir to true']);
    assert.equal((await server.ssh(['git:set', 'synced', 'source-image', 'busybox:latest'])).code, 0);
    assert.equal((await server.ssh(['git:report', 'synced', '--git-keep-git-dir'])).stdout, 'true');
    assert.equal((await server.ssh(['git:report', 'synced', '--git-computed-keep-git-dir'])).stdout, 'true');
    assert.equal((await server.ssh(['git:report', 'synced', '--git-source-image'])).stdout, 'busybox:latest');
    assert.match((await server.ssh(['git:report', 'synced', '--git-last-updated-at'])).stdout, /^\d{10}$/);
    // keep-git-dir: the release's files are a work tree of the deployed commit on the deploy branch.
    const build = await server.ssh(['git:sync', '--build', 'synced', url, 'main']);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /Keeping the \.git directory \(keep-git-dir\)/);
    const head = await server.ssh(['run', 'synced', 'git', 'rev-parse', 'HEAD']);
    assert.deepEqual([head.code, head.stdout], [0, await sha('synced')]);
    assert.equal((await server.ssh(['run', 'synced', 'git', 'symbolic-ref', 'HEAD'])).stdout, 'refs/heads/main');
    assert.equal((await server.ssh(['run', 'synced', 'git', 'status', '--porcelain'])).stdout, '');
    assert.equal((await server.ssh(['git:set', 'synced', 'keep-git-dir', 'maybe'])).code, 1);
    assert.equal((await server.ssh(['git:set', 'synced', 'keep-git-dir'])).code, 0);
    assert.equal((await server.ssh(['git:report', 'synced', '--git-computed-keep-git-dir'])).stdout, 'false');
  });
});
