// domains:add-global, remove-global, set-global, clear-global and domains:reset as Dokku answers them
// (real server, OpenSSH, git push): the global domains live in Dokku's $DOKKU_ROOT/VHOST, an app
// without its own hostnames answers on APP.DOMAIN for each of them, and the proxy follows at once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, makeKey } from '../helpers/server.js';
import { get } from '../deploy/helpers.js';
import { appWork } from '../helpers/app-work.js';

describe('domains:*-global and domains:reset (real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;
  const globalFile = () => path.join(server.home, 'home', 'VHOST');
  const status = async (host: string) => (await get(server.httpPort, host)).status;
  const report = async (flag: string, app = '--global') => (await server.ssh(['domains:report', app, flag])).stdout;

  before(async () => {
    server = await TestServer.start();
    const push = await (await appWork(server)).push('site');
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.equal(await status('site.localhost'), 200);
  });
  after(async () => { await server?.stop(); });

  it('add-global adds each new domain once (Added / Skipping), and the app answers on it at once', async () => {
    const r = await server.ssh(['domains:add-global', 'example.test', 'Other.Test']);
    assert.deepEqual([r.code, r.stdout], [0, '-----> Added example.test\n-----> Added other.test']);
    const again = await server.ssh(['domains:add-global', 'example.test']);
    assert.deepEqual([again.code, again.stdout], [0, '-----> Skipping example.test: already added']);
    assert.equal(fs.readFileSync(globalFile(), 'utf8'), 'localhost\nexample.test\nother.test\n');
    assert.equal(await report('--domains-global-vhosts'), 'localhost example.test other.test');
    assert.equal(await report('--domains-app-vhosts', 'site'), 'site.localhost site.example.test site.other.test');
    for (const host of ['site.localhost', 'site.example.test', 'site.other.test']) assert.equal(await status(host), 200, host);
  });

  it('refuses as Dokku: no domain, an invalid one (nothing is written), a key that is not an admin', async () => {
    for (const cmd of ['domains:add-global', 'domains:remove-global', 'domains:set-global']) {
      const none = await server.ssh([cmd]);
      assert.deepEqual([none.code, none.stderr], [1, ` !     Please specify a domain name. Usage: dokku ${cmd} <domain> [<domain> ...]`], cmd);
    }
    const before = fs.readFileSync(globalFile(), 'utf8');
    for (const cmd of ['domains:add-global', 'domains:set-global']) {
      const bad = await server.ssh([cmd, 'fine.test', '-bad-.test']);
      assert.equal(bad.code, 1, cmd);
      assert.match(bad.stderr, /-bad-\.test.* is invalid\. exiting\.\.\.$/, cmd);
      assert.equal(bad.stdout, '', cmd);
    }
    assert.equal(fs.readFileSync(globalFile(), 'utf8'), before);
    const key = await makeKey(server.dir, 'dev');
    assert.equal((await server.dokku(['ssh-keys:add', 'dev', key.publicKey])).code, 0);
    for (const args of [['domains:add-global', 'evil.test'], ['domains:clear-global'], ['domains:remove-global', 'localhost']]) {
      const denied = await server.ssh(args, { key });
      assert.deepEqual([denied.code, denied.stderr], [1, ' !     Access denied'], args[0]);
    }
    assert.equal(fs.readFileSync(globalFile(), 'utf8'), before);
  });

  it('remove-global names each domain it was given; the app stops answering on the removed one', async () => {
    const r = await server.ssh(['domains:remove-global', 'localhost', 'never-added.test']);
    assert.deepEqual([r.code, r.stdout], [0, '-----> Removed localhost\n-----> Removed never-added.test']);
    assert.equal(await report('--domains-global-vhosts'), 'example.test other.test');
    assert.equal(await status('site.localhost'), 404);
    assert.equal(await status('site.example.test'), 200);
  });

  it('domains:reset drops the app\'s own domains: it answers on the global defaults again', async () => {
    assert.equal((await server.ssh(['domains:set', 'site', 'www.custom.test'])).code, 0);
    assert.equal(await status('www.custom.test'), 200);
    assert.equal(await status('site.example.test'), 404);
    const r = await server.ssh(['domains:reset', 'site']);
    assert.deepEqual([r.code, r.stdout], [0, '-----> Reset domains for site']);
    assert.equal(await status('www.custom.test'), 404);
    assert.equal(await status('site.example.test'), 200);
    assert.equal(await report('--domains-app-vhosts', 'site'), 'site.example.test site.other.test');
    assert.ok(!fs.existsSync(path.join(server.home, 'home', 'site', 'VHOST')), 'no VHOST file of its own');
    assert.equal((await server.ssh(['--quiet', 'domains:reset', 'site'])).stdout, '');
    const none = await server.ssh(['domains:reset']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify an app to run the command on']);
    const ghost = await server.ssh(['domains:reset', 'ghost']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
  });

  it('set-global replaces the list (Set …); clear-global empties it: no default domain, global disabled', async () => {
    const set = await server.ssh(['domains:set-global', 'a.test', 'b.test']);
    assert.deepEqual([set.code, set.stdout], [0, '-----> Set a.test b.test']);
    assert.equal(fs.readFileSync(globalFile(), 'utf8'), 'a.test\nb.test\n');
    assert.equal(await status('site.example.test'), 404);
    assert.equal(await status('site.b.test'), 200);
    const clear = await server.ssh(['domains:clear-global']);
    assert.deepEqual([clear.code, clear.stdout], [0, '-----> Clearing global domains']);
    assert.equal(fs.readFileSync(globalFile(), 'utf8'), '');
    assert.equal(await report('--domains-global-enabled'), 'false');
    assert.equal(await report('--domains-app-vhosts', 'site'), '');
    assert.equal(await status('site.a.test'), 404);
    assert.equal((await server.ssh(['domains:add-global', 'localhost'])).stdout, '-----> Added localhost');
    assert.equal(await status('site.localhost'), 200);
  });
});
