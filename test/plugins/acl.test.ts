// Access control over real ssh: a non-admin key may run app commands only on apps it was granted
// (acl:add), plus help, version and a filtered apps:list; a user-auth-app plugin can still say no.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, makeKey, type ClientKey, type RunResult } from '../helpers/server.js';
import { makePluginRepo } from './helpers.js';

function denied(r: RunResult, what: string): void {
  assert.equal(r.code, 1, `${what}: ${r.stdout} ${r.stderr}`);
  assert.equal(r.stderr, ' !     Access denied', what);
  assert.equal(r.stdout, '', what);
}

describe('acl: per-app access for non-admin keys (real OpenSSH client)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let dev: ClientKey;
  const asDev = (args: string[]) => server.ssh(args, { key: dev });

  before(async () => {
    server = await TestServer.start();
    dev = await makeKey(server.dir, 'dev');
    const add = await server.ssh(['ssh-keys:add', 'dev'], { input: fs.readFileSync(dev.publicKey, 'utf8') });
    assert.equal(add.code, 0, add.stderr);
    for (const app of ['shop', 'billing', 'locked-vault']) assert.equal((await server.ssh(['apps:create', app])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', 'shop', 'GREETING=hi'])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', 'billing', 'CARD_KEY=sk_live_123'])).code, 0);
  });
  after(async () => { await server?.stop(); });

  it('a non-admin key is refused on an app it was not granted, and nothing runs', async () => {
    denied(await asDev(['config:get', 'shop', 'GREETING']), 'config:get');
    denied(await asDev(['config:set', '--no-restart', 'shop', 'HACKED=1']), 'config:set');
    denied(await asDev(['hello', 'shop']), 'plugin command');
    assert.equal((await server.ssh(['config:get', 'shop', 'HACKED'])).code, 1, 'nothing was set');
  });

  it('the same key may run app commands after acl:add', async () => {
    const grant = await server.ssh(['acl:add', 'shop', 'dev']);
    assert.equal(grant.code, 0, grant.stderr);
    assert.match(grant.stdout, /-----> Granted dev access to shop/);
    assert.equal((await server.ssh(['acl:list', 'shop'])).stdout, 'dev');
    const get = await asDev(['config:get', 'shop', 'GREETING']);
    assert.deepEqual([get.code, get.stdout], [0, 'hi']);
    assert.equal((await asDev(['config:set', '--no-restart', 'shop', 'FROM_DEV=1'])).code, 0);
    assert.equal((await asDev(['hello', 'shop'])).stdout, 'Hello shop');
    assert.equal((await asDev(['--app', 'shop', 'config:get', 'FROM_DEV'])).stdout, '1');
  });

  it('a granted key sees only its apps and may ask for help and the version', async () => {
    const list = await asDev(['apps:list']);
    assert.deepEqual([list.code, list.stdout], [0, '=====> My Apps\nshop']);
    assert.equal((await asDev(['help'])).code, 0);
    assert.equal((await asDev(['config:help'])).code, 0);
    assert.match((await asDev(['version'])).stdout, /^dokku version /);
  });

  it('a granted key is still refused on other apps and on server-wide commands', async () => {
    denied(await asDev(['config:get', 'billing', 'CARD_KEY']), 'other app');
    // A granted app name used as an option's value must not open the app that follows it.
    denied(await asDev(['config:export', '--format', 'shop', 'billing']), 'flag value smuggling');
    denied(await asDev(['config:get', '--global', 'X']), '--global');
    denied(await asDev(['config:show', 'shop', '--global']), '--global after the app');
    denied(await asDev(['apps:create', 'mine']), 'apps:create');
    for (const command of [['ssh-keys:list'], ['plugin:list'], ['acl:add', 'shop', 'dev'], ['acl:list', 'shop'], ['events'], ['trace:on'], ['apps:report']]) {
      denied(await asDev(command), command.join(' '));
    }
    assert.equal(fs.existsSync(path.join(server.home, 'home', 'mine')), false);
  });

  it('the key is refused again after acl:remove', async () => {
    const revoke = await server.ssh(['acl:remove', 'shop', 'dev']);
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.equal((await server.ssh(['acl:list', 'shop'])).stdout, '');
    denied(await asDev(['config:get', 'shop', 'GREETING']), 'after acl:remove');
    assert.equal((await asDev(['apps:list'])).stdout, '=====> My Apps');
    const again = await server.ssh(['acl:remove', 'shop', 'dev']);
    assert.deepEqual([again.code, again.stderr], [1, ' !     dev has no access to shop']);
  });

  it('acl:add refuses unknown apps and keys', async () => {
    assert.match((await server.ssh(['acl:add', 'ghost', 'dev'])).stderr, /App ghost does not exist/);
    assert.match((await server.ssh(['acl:add', 'shop', 'nobody'])).stderr, /No public key named nobody/);
  });

  it('a grant follows apps:rename and dies with apps:destroy', async () => {
    assert.equal((await server.ssh(['acl:add', 'shop', 'dev'])).code, 0);
    assert.equal((await server.ssh(['apps:rename', 'shop', 'store'])).code, 0);
    assert.equal((await asDev(['config:get', 'store', 'GREETING'])).stdout, 'hi');
    assert.equal((await server.ssh(['apps:destroy', 'store', '--force'])).code, 0);
    assert.equal((await server.ssh(['apps:create', 'store'])).code, 0);
    denied(await asDev(['config:keys', 'store']), 'a new app of the same name');
  });

  it('a user-auth-app plugin refuses keys on an app, admins included', async () => {
    assert.equal((await server.ssh(['acl:add', 'locked-vault', 'dev'])).code, 0);
    assert.equal((await asDev(['config:keys', 'locked-vault'])).code, 0);
    const repo = await makePluginRepo(path.join(server.dir, 'repos', 'dokku-gatekeeper'), 'dokku-gatekeeper');
    const install = await server.ssh(['plugin:install', repo]);
    assert.equal(install.code, 0, install.stderr);
    const devTry = await asDev(['config:keys', 'locked-vault']);
    assert.equal(devTry.code, 1);
    assert.match(devTry.stderr, /Access denied/);
    const adminTry = await server.ssh(['config:keys', 'locked-vault']);
    assert.equal(adminTry.code, 1);
    assert.match(adminTry.stderr, /locked-vault is locked \(refused admin\)/);
    assert.equal((await server.ssh(['config:keys', 'billing'])).code, 0, 'other apps are untouched');
    assert.equal((await server.dokku(['config:keys', 'locked-vault'])).code, 0, 'the host operator is not an SSH key');
  });
});
