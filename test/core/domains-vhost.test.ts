// domains:disable, domains:enable and domains:setup as Dokku answers them (real server, OpenSSH, git
// push, curl on loopback): without vhosts an app has no hostname and is served on its own host port
// (Dokku's random open high port for the shared 80, or a mapping's own port) by the built-in proxy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { get } from '../deploy/helpers.js';
import { appWork } from '../helpers/app-work.js';
import { freePort } from '../../src/os/free-port.js';

/** curl's exit code and body for http://127.0.0.1:PORT/ with that Host header (7: nothing listens). */
async function curl(port: number, host = 'anything.test'): Promise<{ code: number; status: string }> {
  const r = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`], { reject: false });
  return { code: r.exitCode ?? -1, status: String(r.stdout) };
}

describe('domains:disable / domains:enable / domains:setup (real server, git push, OpenSSH, curl)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let randomPort = 0;
  const status = async (host: string) => (await get(server.httpPort, host)).status;
  const report = async (flag: string, app = 'site') => (await server.ssh(['domains:report', app, flag])).stdout;
  const noVhost = async (app = 'site') => (await server.ssh(['config:get', app, 'NO_VHOST'])).stdout;

  before(async () => {
    server = await TestServer.start();
    const push = await (await appWork(server)).push('site');
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.equal(await status('site.localhost'), 200);
    assert.equal(await report('--domains-app-enabled'), 'true');
  });
  after(async () => { await server?.stop(); });

  it('disable: Dokku\'s lines, NO_VHOST=1, no hostname; served on a random high port, any Host', async () => {
    const r = await server.ssh(['domains:disable', 'site']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['-----> App virtual host support disabled', '-----> No port set, setting to random open high port']);
    const m = /^-----> Random port (\d+)$/.exec(lines[2] ?? '');
    assert.ok(m, r.stdout);
    randomPort = Number(m[1]);
    assert.ok(randomPort > 1024);
    assert.equal(await noVhost(), '1');
    assert.equal(await report('--domains-app-enabled'), 'false');
    assert.equal(await report('--domains-app-vhosts'), '');
    assert.ok(!fs.existsSync(path.join(server.home, 'home', 'site', 'VHOST')));
    assert.equal(fs.readFileSync(path.join(server.home, 'lib', 'config', 'proxy', 'site', 'proxy-port'), 'utf8'), String(randomPort));
    assert.equal(await status('site.localhost'), 404);
    assert.deepEqual(await curl(randomPort), { code: 0, status: '200' });
    assert.deepEqual(await curl(randomPort, 'site.localhost'), { code: 0, status: '200' });
    assert.equal((await server.ssh(['urls', 'site'])).stdout, `http://localhost:${randomPort}`);
    const again = await server.ssh(['domains:disable', 'site']);
    assert.deepEqual([again.code, again.stdout], [0, '-----> Domains (VHOST) support is already disabled for app (site)']);
  });

  it('a mapping on another host port is served there too (no "not served" warning); a restart keeps both', async () => {
    const extra = await freePort('127.0.0.1');
    const r = await server.ssh(['ports:add', 'site', `http:${extra}:5000`]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, new RegExp(`http:${extra}:5000 is kept`));
    assert.deepEqual(await curl(extra), { code: 0, status: '200' });
    // Its own mappings now hold no http:80, so the random port is no longer one of them.
    assert.equal((await curl(randomPort)).code, 7);
    assert.equal((await server.ssh(['ps:restart', 'site'])).code, 0);
    assert.deepEqual(await curl(extra), { code: 0, status: '200' });
    assert.equal((await server.ssh(['ports:clear', 'site'])).code, 0);
    assert.equal((await curl(extra)).code, 7);
    assert.deepEqual(await curl(randomPort), { code: 0, status: '200' });
  });

  it('enable: NO_VHOST=0, the default hostname again, the port closed; enabling twice says so', async () => {
    const r = await server.ssh(['domains:enable', 'site']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.equal(await noVhost(), '0');
    assert.equal(await report('--domains-app-enabled'), 'true');
    assert.equal(await report('--domains-app-vhosts'), 'site.localhost');
    assert.equal(await status('site.localhost'), 200);
    assert.equal((await curl(randomPort)).code, 7);
    assert.ok(!fs.existsSync(path.join(server.home, 'lib', 'config', 'proxy', 'site', 'proxy-port')), 'proxy-port forgotten');
    const again = await server.ssh(['domains:enable', 'site']);
    assert.deepEqual([again.code, again.stdout], [0, '-----> Domains (VHOST) support is already enabled for app (site)']);
  });

  it('domains:add on an app without vhosts turns them on again, with the names given', async () => {
    assert.equal((await server.ssh(['domains:disable', 'site'])).code, 0);
    const r = await server.ssh(['domains:add', 'site', 'www.site.test']);
    assert.deepEqual([r.code, r.stdout], [0, '-----> Added www.site.test to site']);
    assert.equal(await noVhost(), '0');
    assert.equal(await report('--domains-app-enabled'), 'true');
    assert.equal(await report('--domains-app-vhosts'), 'www.site.test');
    assert.equal(await status('www.site.test'), 200);
    assert.equal((await server.ssh(['domains:reset', 'site'])).code, 0);
    assert.equal(await status('site.localhost'), 200);
  });

  it('--all for every app (admin); refusals as Dokku: no app, an unknown app', async () => {
    assert.equal((await server.ssh(['apps:create', 'bare'])).code, 0);
    const off = await server.ssh(['domains:disable', '--all']);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(await noVhost('bare'), '1');
    assert.equal(await noVhost('site'), '1');
    assert.equal(await status('site.localhost'), 404);
    const on = await server.ssh(['domains:enable', '--all']);
    assert.equal(on.code, 0, on.stderr);
    assert.equal(await noVhost('bare'), '0');
    assert.equal(await status('site.localhost'), 200);
    const none = await server.ssh(['domains:disable']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify an app to run the command on']);
    const ghost = await server.ssh(['domains:enable', 'ghost']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
  });

  it('domains:setup writes the default names into a VHOST file (disables vhosts when there is no global domain); help lists enable/disable only', async () => {
    const r = await server.ssh(['domains:setup', 'bare']);
    assert.deepEqual([r.code, r.stdout], [0, '-----> Creating new app virtual host file...\n-----> Setup domains for bare']);
    assert.equal(fs.readFileSync(path.join(server.home, 'home', 'bare', 'VHOST'), 'utf8'), 'bare.localhost\n');
    assert.equal((await server.ssh(['domains:setup', 'bare'])).stdout, '-----> Setup domains for bare');
    assert.equal((await server.ssh(['apps:create', 'lonely'])).code, 0);
    assert.equal((await server.ssh(['domains:clear-global'])).code, 0);
    const lonely = await server.ssh(['domains:setup', 'lonely']);
    assert.equal(lonely.code, 0, lonely.stderr);
    assert.match(lonely.stdout, /^-----> Global server virtual host not set, disabling app vhost\.\.\.\n-----> App virtual host support disabled\n/);
    assert.equal(await noVhost('lonely'), '1');
    assert.equal((await server.ssh(['domains:add-global', 'localhost'])).code, 0);
    const help = (await server.ssh(['domains:help'])).stdout;
    assert.match(help, /domains:disable <app>/);
    assert.match(help, /domains:enable <app>/);
    assert.doesNotMatch(help, /domains:setup/);
  });
});
