// git push over the real OpenSSH client: app creation, deploy output as `remote:` lines, failed
// deploys refusing the push, Dokku's deploy-branch rule (first branch pushed is adopted, master by
// default, other branches stored with Dokku's warning), the deploy branch setting, clone back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GitTestServer } from './helpers.js';
import { FakeDeployer } from './fake-deployer.js';

describe('git push over ssh (real git + OpenSSH)', function () {
  this.timeout(120_000);
  let server: GitTestServer;
  let work: string;
  let v1: string;
  const deployer = new FakeDeployer();

  before(async () => { server = await GitTestServer.start(deployer); });
  after(async () => { await server?.stop(); });

  it('a first push creates the app, deploys, and shows the build as remote: lines', async () => {
    work = await server.workTree({ 'README.md': 'v1\n' });
    v1 = (await server.mustGit(work, ['rev-parse', 'HEAD'])).stdout.trim();
    const push = await server.git(work, ['push', server.sshUrl('myapp'), 'main']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /-----> Creating myapp\.\.\./);
    assert.match(push.stderr, /remote: -----> Set main as deploy-branch/);
    assert.match(push.stderr, new RegExp(`remote: -----> Building ${v1} \\(refs/heads/main\\) for myapp`));
    assert.match(push.stderr, /remote: -----> Released/);
    assert.ok(fs.existsSync(path.join(server.repoDir('myapp'), 'HEAD')), 'the app dir is the bare repo');
    assert.equal(await server.serverRev('myapp'), v1);
    const [deploy] = deployer.forApp('myapp');
    assert.deepEqual(deploy.files, ['README.md']);
    assert.equal(deploy.readableWithoutQuarantine, false, 'pushed objects are only readable through push.gitEnv');
    assert.ok(deploy.push.gitEnv.GIT_QUARANTINE_PATH?.startsWith(path.join(server.repoDir('myapp'), 'objects')));
    assert.equal(deploy.push.pusher.keyName, 'admin');
    assert.match((await server.ssh(['apps:list'])).stdout, /^myapp$/m);
    assert.equal((await server.ssh(['git:report', 'myapp', '--git-deploy-branch'])).stdout, 'main');
    assert.equal((await server.ssh(['git:report', 'myapp', '--git-computed-deploy-branch'])).stdout, 'main');
  });

  it('with no deploy-branch set anywhere, master deploys and is not recorded (Dokku)', async () => {
    const tree = await server.workTree({ 'a.txt': 'a\n' });
    const push = await server.git(tree, ['push', server.sshUrl('onmaster'), 'main:master']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /remote: -----> Building \S+ \(refs\/heads\/master\)/);
    assert.doesNotMatch(push.stderr, /Set master as deploy-branch/);
    assert.equal((await server.ssh(['git:report', 'onmaster', '--git-deploy-branch'])).stdout, '');
    assert.equal((await server.ssh(['git:report', 'onmaster', '--git-computed-deploy-branch'])).stdout, 'master');
  });

  it('a first deploy that fails records no deploy-branch; the next push adopts its branch', async () => {
    assert.equal((await server.ssh(['apps:create', 'adopter'])).code, 0);
    const failing = await server.workTree({ FAIL: 'x\n' });
    const bad = await server.git(failing, ['push', server.sshUrl('adopter'), 'main:trunk']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /remote: -----> Set trunk as deploy-branch/);
    assert.equal((await server.ssh(['git:report', 'adopter', '--git-deploy-branch'])).stdout, '');
    const tree = await server.workTree({ 'b.txt': 'b\n' });
    const good = await server.git(tree, ['push', server.sshUrl('adopter'), 'main:stable']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stderr, /remote: -----> Building \S+ \(refs\/heads\/stable\)/);
    assert.equal((await server.ssh(['git:report', 'adopter', '--git-deploy-branch'])).stdout, 'stable');
    const other = await server.git(tree, ['push', server.sshUrl('adopter'), 'main:trunk']);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stderr, /remote: -----> WARNING: deploy did not complete, you must push to stable\./);
  });

  it('the hook shim is tiny and never names the app', async () => {
    const shim = fs.readFileSync(path.join(server.repoDir('myapp'), 'hooks', 'pre-receive'), 'utf8');
    assert.match(shim, /^#!\/bin\/sh\nexec '[^']+' '[^']+\/dist\/src\/cli\.js' __hook pre-receive\n$/);
    assert.doesNotMatch(shim, /myapp/);
  });

  it('a failing deploy rejects the push and the ref does not move', async () => {
    const bad = await server.commit(work, { FAIL: 'boom\n' });
    const push = await server.git(work, ['push', server.sshUrl('myapp'), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, new RegExp(`remote: -----> Building ${bad}`));
    assert.match(push.stderr, /remote:  !     Build failed: FAIL file found/);
    assert.match(push.stderr, /pre-receive hook declined/);
    assert.equal(await server.serverRev('myapp'), v1);
    const remote = await server.git(work, ['ls-remote', server.sshUrl('myapp')]);
    assert.match(remote.stdout, new RegExp(`^${v1}\\trefs/heads/main$`, 'm'));
    await server.commit(work, { FAIL: '' });
  });

  it('10.6: a first push whose deploy fails keeps the app it created (Dokku does), with no ref', async () => {
    const failing = await server.workTree({ FAIL: 'x\n' });
    const push = await server.git(failing, ['push', server.sshUrl('doomed'), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /Build failed/);
    assert.equal(fs.existsSync(server.repoDir('doomed')), true);
    assert.match((await server.ssh(['apps:list'])).stdout, /^doomed$/m);
    assert.equal(await server.serverRev('doomed'), '', 'the refused ref did not move');
    assert.equal((await server.ssh(['apps:destroy', 'doomed', '--force'])).code, 0);
  });

  it('a push to another branch is stored, not deployed, with Dokku\'s warning', async () => {
    const before = deployer.deploys.length;
    const rev = await server.commit(work, { 'feature.txt': 'f\n' });
    const push = await server.git(work, ['push', server.sshUrl('myapp'), 'main:feature']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /remote: -----> WARNING: deploy did not complete, you must push to main\./);
    assert.match(push.stderr, /remote: -----> for example, try 'git push <dokku> feature:main'/);
    assert.equal(deployer.deploys.length, before);
    assert.equal(await server.serverRev('myapp', 'refs/heads/feature'), rev);
    assert.equal(await server.serverRev('myapp'), v1);
  });

  it('tags are stored, not deployed; other branches can be deleted', async () => {
    const before = deployer.deploys.length;
    await server.mustGit(work, ['tag', 'v1.0', v1]);
    const tag = await server.git(work, ['push', server.sshUrl('myapp'), 'v1.0']);
    assert.equal(tag.code, 0, tag.stderr);
    assert.match(tag.stderr, /remote: -----> WARNING: deploy did not complete, you must push to main\./);
    await server.mustGit(work, ['push', server.sshUrl('myapp'), 'main:scratch']);
    const del = await server.git(work, ['push', server.sshUrl('myapp'), ':scratch']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stderr, /remote: -----> Branch scratch deleted/);
    assert.equal(await server.serverRev('myapp', 'refs/heads/scratch'), '');
    assert.equal(deployer.deploys.length, before);
  });

  it('git:set deploy-branch moves deploys to another branch; git:report shows it', async () => {
    const set = await server.ssh(['git:set', 'myapp', 'deploy-branch', 'feature']);
    assert.equal(set.code, 0, set.stderr);
    const report = await server.ssh(['git:report', 'myapp']);
    assert.match(report.stdout, /Git deploy branch: +feature/);
    assert.equal((await server.ssh(['git:report', 'myapp', '--git-deploy-branch'])).stdout, 'feature');
    const rev = await server.commit(work, { 'more.txt': 'm\n' });
    const push = await server.git(work, ['push', server.sshUrl('myapp'), 'main:feature']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, new RegExp(`remote: -----> Building ${rev} \\(refs/heads/feature\\)`));
    const main = await server.git(work, ['push', server.sshUrl('myapp'), 'main']);
    assert.equal(main.code, 0, main.stderr);
    assert.match(main.stderr, /WARNING: deploy did not complete, you must push to feature\./);
    assert.equal((await server.ssh(['git:report', 'myapp', '--git-sha'])).stdout, rev);
  });

  it('the deploy branch cannot be deleted', async () => {
    const del = await server.git(work, ['push', server.sshUrl('myapp'), ':feature']);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /Refusing to delete the deploy branch \(feature\) of myapp/);
    assert.notEqual(await server.serverRev('myapp', 'refs/heads/feature'), '');
  });

  it('a global deploy branch applies to apps without their own', async () => {
    assert.equal((await server.ssh(['git:set', 'myapp', 'deploy-branch'])).code, 0);
    assert.equal((await server.ssh(['git:set', '--global', 'deploy-branch', 'release'])).code, 0);
    assert.equal((await server.ssh(['git:report', 'myapp', '--git-deploy-branch'])).stdout, '');
    assert.equal((await server.ssh(['git:report', 'myapp', '--git-computed-deploy-branch'])).stdout, 'release');
    const push = await server.git(work, ['push', server.sshUrl('myapp'), 'main:release']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /remote: -----> Building \S+ \(refs\/heads\/release\)/);
    assert.equal((await server.ssh(['git:set', '--global', 'deploy-branch'])).code, 0);
    assert.equal((await server.ssh(['git:report', 'myapp', '--git-computed-deploy-branch'])).stdout, 'master');
    // Nothing set anywhere again: the next branch pushed is adopted.
    await server.commit(work, { 'again.txt': 'a\n' });
    const again = await server.git(work, ['push', server.sshUrl('myapp'), 'main']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /remote: -----> Set main as deploy-branch/);
    assert.equal((await server.ssh(['git:report', 'myapp', '--git-deploy-branch'])).stdout, 'main');
  });

  it('git:set refuses a branch name starting with - or holding odd characters', async () => {
    for (const bad of ['-x', 'a..b', 'a;b', 'x.lock']) {
      const r = await server.ssh(['git:set', 'myapp', 'deploy-branch', `'${bad}'`]);
      assert.equal(r.code, 1, bad);
      assert.match(r.stderr, /Invalid branch name/);
    }
  });

  it('clone gives back the pushed commit (HEAD follows the deploy branch)', async () => {
    const pushed = await server.serverRev('myapp');
    const dest = path.join(server.dir, 'clone-myapp');
    const clone = await server.git(server.dir, ['clone', '-q', server.sshUrl('myapp'), dest]);
    assert.equal(clone.code, 0, clone.stderr);
    assert.equal((await server.mustGit(dest, ['rev-parse', 'HEAD'])).stdout.trim(), pushed);
    assert.equal((await server.mustGit(dest, ['rev-parse', '--abbrev-ref', 'HEAD'])).stdout.trim(), 'main');
    const fetch = await server.git(dest, ['fetch', '-q', 'origin']);
    assert.equal(fetch.code, 0, fetch.stderr);
  });

  it('a leading slash and a .git suffix are accepted', async () => {
    const r = await server.git(work, ['ls-remote', `ssh://dokku@127.0.0.1:${server.sshPort}/myapp.git`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /refs\/heads\/main/);
  });

  it('upload-pack of a missing app: clear error, nothing created', async () => {
    const before = server.apps();
    const clone = await server.git(server.dir, ['clone', server.sshUrl('ghost'), path.join(server.dir, 'ghost-clone')]);
    assert.notEqual(clone.code, 0);
    assert.match(clone.stderr, /App ghost does not exist/);
    assert.deepEqual(server.apps(), before);
  });

  it('upload-archive works for an existing app', async () => {
    const r = await server.git(server.dir, ['archive', `--remote=${server.sshUrl('myapp')}`, '--format=tar', '-o', path.join(server.dir, 'a.tar'), 'main']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.statSync(path.join(server.dir, 'a.tar')).size > 0);
  });

  it('an app created with apps:create (ENV already there) becomes the repo on first push', async () => {
    assert.equal((await server.ssh(['apps:create', 'precreated'])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', 'precreated', 'A=1'])).code, 0);
    const push = await server.git(work, ['push', server.sshUrl('precreated'), 'main']);
    assert.equal(push.code, 0, push.stderr);
    assert.doesNotMatch(push.stderr, /Creating precreated/);
    assert.ok(fs.existsSync(path.join(server.repoDir('precreated'), 'ENV')));
    assert.equal((await server.ssh(['config:get', 'precreated', 'A'])).stdout, '1');
  });

  it('disable-autocreation: a push to an unknown app fails and creates nothing', async () => {
    const on = await server.ssh(['apps:set', '--global', 'disable-autocreation', 'true']);
    assert.equal(on.code, 0, on.stderr);
    const before = server.apps();
    const push = await server.git(work, ['push', server.sshUrl('notyet'), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /App notyet does not exist/);
    assert.deepEqual(server.apps(), before);
    assert.equal((await server.ssh(['apps:set', '--global', 'disable-autocreation', 'false'])).code, 0);
    const again = await server.git(work, ['push', server.sshUrl('notyet'), 'main']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await server.ssh(['apps:set', '--global', 'disable-autocreation', 'maybe'])).code, 1);
  });
});
