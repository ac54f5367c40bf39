// git over smart HTTP with per-user tokens: the same receive-pack + hook + deploy path as SSH.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GitTestServer } from './helpers.js';
import { FakeDeployer } from './fake-deployer.js';
import { makeKey } from '../helpers/server.js';

describe('git push over HTTP (token auth)', function () {
  this.timeout(120_000);
  let server: GitTestServer;
  let work: string;
  let token: string;
  const deployer = new FakeDeployer();

  before(async () => {
    server = await GitTestServer.start(deployer);
    work = await server.workTree({ 'index.html': '<h1>hi</h1>\n' });
  });
  after(async () => { await server?.stop(); });

  it('the banner names the git-http address', () => {
    assert.match(server.httpBase, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('git:token:add prints a token once and stores only its hash', async () => {
    const add = await server.ssh(['git:token:add', 'admin']);
    assert.equal(add.code, 0, add.stderr);
    token = add.stdout.trim().split('\n').pop() ?? '';
    assert.match(token, /^slw_[0-9a-f]{64}$/);
    const stored = fs.readFileSync(path.join(server.settings.libRoot, 'data', 'git', 'tokens.json'), 'utf8');
    assert.doesNotMatch(stored, new RegExp(token));
    assert.equal((fs.statSync(path.join(server.settings.libRoot, 'data', 'git', 'tokens.json')).mode & 0o777), 0o600);
    const list = await server.ssh(['git:token:list']);
    assert.match(list.stdout, /^admin SHA256:\S+ \d{4}-/m);
    assert.doesNotMatch(list.stdout, new RegExp(token));
    const dup = await server.ssh(['git:token:add', 'admin']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already has a token/);
    const nokey = await server.ssh(['git:token:add', 'nobody']);
    assert.equal(nokey.code, 1);
    assert.match(nokey.stderr, /No public key named nobody/);
  });

  it('a push without credentials is refused and creates nothing', async () => {
    const before = server.apps();
    const push = await server.git(work, ['push', server.httpUrl('httpapp.git'), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /Authentication failed|could not read Username|401/);
    assert.deepEqual(server.apps(), before);
  });

  it('a push with a wrong token is refused and creates nothing', async () => {
    const before = server.apps();
    for (const [user, password] of [['admin', `${token}x`], ['nobody', token], ['admin', '']]) {
      const push = await server.git(work, ['push', server.httpUrl('httpapp.git', user, password), 'main']);
      assert.notEqual(push.code, 0);
      assert.match(push.stderr, /Authentication failed|401|could not read Password/);
    }
    assert.deepEqual(server.apps(), before);
  });

  it('a push with a valid token creates the app and deploys through the same hook', async () => {
    const rev = (await server.mustGit(work, ['rev-parse', 'HEAD'])).stdout.trim();
    const push = await server.git(work, ['push', server.httpUrl('httpapp.git', 'admin', token), 'main']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, new RegExp(`remote: -----> Building ${rev} \\(refs/heads/main\\) for httpapp`));
    assert.equal(await server.serverRev('httpapp'), rev);
    const [deploy] = deployer.forApp('httpapp');
    assert.equal(deploy.push.pusher.keyName, 'admin');
    assert.match(deploy.push.pusher.fingerprint, /^SHA256:/);
    assert.equal(deploy.readableWithoutQuarantine, false);
  });

  it('a failing deploy over HTTP rejects the push; the ref does not move', async () => {
    const before = await server.serverRev('httpapp');
    await server.commit(work, { FAIL: '1\n' });
    const push = await server.git(work, ['push', server.httpUrl('httpapp.git', 'admin', token), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /remote:  !     Build failed/);
    assert.equal(await server.serverRev('httpapp'), before);
    await server.commit(work, { FAIL: '' });
  });

  it('a multi-megabyte push over HTTP (chunked request body) lands', async () => {
    const rev = await server.commit(work, { 'big.bin': randomBytes(6 * 1024 * 1024) });
    const push = await server.git(work, ['push', server.httpUrl('httpapp.git', 'admin', token), 'main']);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(await server.serverRev('httpapp'), rev);
    assert.deepEqual(deployer.forApp('httpapp').at(-1)?.files, ['big.bin', 'index.html']);
  });

  it('clone and fetch over HTTP give back the same commit (no .git suffix needed)', async () => {
    const dest = path.join(server.dir, 'http-clone');
    const clone = await server.git(server.dir, ['clone', '-q', server.httpUrl('httpapp', 'admin', token), dest]);
    assert.equal(clone.code, 0, clone.stderr);
    assert.equal((await server.mustGit(dest, ['rev-parse', 'HEAD'])).stdout.trim(), await server.serverRev('httpapp'));
  });

  it('clone over HTTP needs a token too', async () => {
    const r = await server.git(server.dir, ['ls-remote', server.httpUrl('httpapp')]);
    assert.notEqual(r.code, 0);
  });

  it('a push to an app missing with autocreation disabled: 404, nothing created', async () => {
    assert.equal((await server.ssh(['apps:set', '--global', 'disable-autocreation', 'true'])).code, 0);
    const before = server.apps();
    const push = await server.git(work, ['push', server.httpUrl('nohttp.git', 'admin', token), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /not found/);
    assert.deepEqual(server.apps(), before);
    assert.equal((await server.ssh(['apps:set', '--global', 'disable-autocreation'])).code, 0);
  });

  it('bad app names over HTTP are refused before touching disk', async () => {
    const before = server.apps();
    for (const bad of ['..%2Fx', '-x.git', 'X.git', '%2e%2e']) {
      const res = await fetch(`${server.httpBase}/${bad}/info/refs?service=git-receive-pack`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` },
      });
      assert.equal(res.status, 404, bad);
    }
    assert.deepEqual(server.apps(), before);
  });

  it('the dumb protocol is not served', async () => {
    const res = await fetch(`${server.httpBase}/httpapp.git/info/refs`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` },
    });
    assert.equal(res.status, 403);
  });

  it('a non-admin key\'s token needs an acl grant and cannot create apps', async () => {
    const dev = await makeKey(server.dir, 'dev');
    assert.equal((await server.command(['ssh-keys:add', 'dev', dev.publicKey])).code, 0);
    const add = await server.command(['git:token:add', 'dev']);
    assert.equal(add.code, 0, add.stderr);
    const devToken = add.stdout.split('\n').pop() ?? '';
    const denied = await server.git(work, ['push', server.httpUrl('httpapp.git', 'dev', devToken), 'main']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /403/);
    const before = server.apps();
    const create = await server.git(work, ['push', server.httpUrl('devnew.git', 'dev', devToken), 'main']);
    assert.notEqual(create.code, 0);
    assert.deepEqual(server.apps(), before);
    assert.equal((await server.command(['acl:add', 'httpapp', 'dev'])).code, 0);
    await server.commit(work, { 'dev.txt': 'dev\n' });
    const allowed = await server.git(work, ['push', server.httpUrl('httpapp.git', 'dev', devToken), 'main']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(deployer.forApp('httpapp').at(-1)?.push.pusher.keyName, 'dev');
  });

  it('a token stops working when its key is removed, even if a new key takes the name', async () => {
    const add = await server.command(['git:token:add', 'dev']);
    assert.equal(add.code, 1, 'dev already has a token');
    const list = await server.command(['git:token:list']);
    assert.match(list.stdout, /^dev SHA256:/m);
    const token = (await server.command(['git:token:remove', 'dev'])).code;
    assert.equal(token, 0);
    const again = await server.command(['git:token:add', 'dev']);
    const devToken = again.stdout.split('\n').pop() ?? '';
    assert.equal((await server.command(['ssh-keys:remove', 'dev'])).code, 0);
    const other = await makeKey(server.dir, 'dev2');
    fs.copyFileSync(other.publicKey, path.join(server.dir, 'dev-new.pub'));
    assert.equal((await server.command(['ssh-keys:add', 'dev', path.join(server.dir, 'dev-new.pub')])).code, 0);
    const r = await server.git(work, ['ls-remote', server.httpUrl('httpapp.git', 'dev', devToken)]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Authentication failed|401/);
  });

  it('git:token:remove revokes the token', async () => {
    const rm = await server.ssh(['git:token:remove', 'admin']);
    assert.equal(rm.code, 0, rm.stderr);
    const push = await server.git(work, ['push', server.httpUrl('httpapp.git', 'admin', token), 'main']);
    assert.notEqual(push.code, 0);
    assert.equal((await server.ssh(['git:token:remove', 'admin'])).code, 1);
  });
});
