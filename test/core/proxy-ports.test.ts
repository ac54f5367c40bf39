// Dokku's proxy-port and proxy-ssl-port (proxy:set, app then --global) for an app without vhosts,
// its https mappings served with its certificate on its proxy-ssl-port, and proxy:clear-config, on a
// real server (OpenSSH, git push, process scheduler, built-in proxy) checked with curl on loopback.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { installPlugin } from '../helpers/fixtures.js';
import { freeLoopbackPort } from '../helpers/net.js';
import { get } from '../deploy/helpers.js';

/** curl's exit code, status and body for SCHEME://127.0.0.1:PORT/ (7: nothing listens; -k: a self-signed pair). */
async function curl(scheme: 'http' | 'https', port: number, extra: string[] = []): Promise<{ code: number; status: string; body: string }> {
  const r = await execa('curl', ['-sk', '-o', '-', '-w', '\n%{http_code}', '-H', 'Host: anything.test', ...extra, `${scheme}://127.0.0.1:${port}/`], { reject: false });
  const out = String(r.stdout);
  const cut = out.lastIndexOf('\n');
  return { code: r.exitCode ?? -1, status: out.slice(cut + 1), body: out.slice(0, Math.max(cut, 0)) };
}

describe('proxy-port / proxy-ssl-port / proxy:clear-config (real server, git push, OpenSSH, curl)', function () {
  this.timeout(240_000);
  let server: TestServer;
  const ssh = (args: string[]) => server.ssh(args);
  const ok = async (args: string[]) => {
    const r = await ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const property = (app: string, name: string) => {
    const file = path.join(server.home, 'lib', 'config', 'proxy', app, name);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  };
  const report = async (flag: string, app = 'site') => (await ok(['proxy:report', app, flag])).stdout;

  before(async () => {
    server = await TestServer.start();
    installPlugin(server.home, 'clear-probe', {
      'proxy-clear-config': '#!/usr/bin/env bash\necho "cleared $*"\necho "$*" >>"$(dirname "$0")/cleared.log"\n',
    });
    const push = await (await appWork(server)).push('site');
    assert.equal(push.exitCode, 0, String(push.stderr));
  });
  after(async () => { await server?.stop(); });

  it('proxy:set proxy-port / proxy-ssl-port: Dokku\'s lines, where Dokku keeps them, the report rows; bad values refused', async () => {
    assert.equal((await ok(['proxy:set', 'site', 'proxy-port', '5000'])).stdout, '=====> Setting proxy-port to 5000');
    assert.equal(property('site', 'proxy-port'), '5000');
    assert.equal((await ok(['proxy:set', '--global', 'proxy-ssl-port', '5443'])).stdout, '=====> Setting proxy-ssl-port to 5443');
    assert.equal(property('--global', 'proxy-ssl-port'), '5443');
    assert.equal(await report('--proxy-proxy-port'), '5000');
    assert.equal(await report('--proxy-computed-proxy-port'), '5000');
    assert.equal(await report('--proxy-global-proxy-port'), '');
    assert.equal(await report('--proxy-proxy-ssl-port'), '');
    assert.equal(await report('--proxy-global-proxy-ssl-port'), '5443');
    assert.equal(await report('--proxy-computed-proxy-ssl-port'), '5443');
    const json = JSON.parse((await ok(['proxy:report', 'site', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['proxy-port'], '5000');
    assert.equal(json['computed-proxy-ssl-port'], '5443');
    assert.equal(json['computed-disabled'], 'false');
    const text = (await ok(['proxy:report', 'site'])).stdout;
    assert.match(text, /^=====> site proxy information$/m);
    assert.match(text, /^ {7}Proxy computed proxy ssl port: +5443$/m);
    assert.match(text, /^ {7}Proxy proxy port: +5000$/m);
    const global = (await ok(['proxy:report', '--global', '--proxy-computed-proxy-ssl-port'])).stdout;
    assert.equal(global, '5443');

    const bad = await ssh(['proxy:set', 'site', 'proxy-port', '70000']);
    assert.deepEqual([bad.code, bad.stderr], [1, ' !     Invalid proxy-port 70000: a port number from 1 to 65535 is expected']);
    const words = await ssh(['proxy:set', 'site', 'proxy-ssl-port', 'abc']);
    assert.equal(words.code, 1);
    assert.equal(property('site', 'proxy-port'), '5000', 'a refused value changes nothing');
    const notGlobal = await ssh(['proxy:set', '--global', 'disabled', 'true']);
    assert.deepEqual([notGlobal.code, notGlobal.stderr], [1, ' !     Property cannot be specified globally']);
    const unknown = await ssh(['proxy:set', 'site', 'proxy-host', 'x']);
    assert.deepEqual([unknown.code, unknown.stderr], [1, ' !     Invalid property specified, valid properties include: disabled, proxy-port, proxy-ssl-port, type']);

    assert.equal((await ok(['proxy:set', 'site', 'proxy-port'])).stdout, '=====> Unsetting proxy-port');
    assert.equal(property('site', 'proxy-port'), undefined);
    assert.equal((await ok(['proxy:set', '--global', 'proxy-ssl-port'])).stdout, '=====> Unsetting proxy-ssl-port');
    assert.equal(await report('--proxy-computed-proxy-ssl-port'), '');
  });

  it('an app without vhosts is served on the proxy-port set (no random one); a new value moves it; the global one is the fallback', async () => {
    const pinned = await freeLoopbackPort();
    await ok(['proxy:set', 'site', 'proxy-port', String(pinned)]);
    const off = await ok(['domains:disable', 'site']);
    assert.equal(off.stdout, '-----> App virtual host support disabled');
    assert.deepEqual(await curl('http', pinned), { code: 0, status: '200', body: 'v1 web.1' });
    assert.equal((await ok(['urls', 'site'])).stdout, `http://localhost:${pinned}`);

    const moved = await freeLoopbackPort();
    await ok(['proxy:set', 'site', 'proxy-port', String(moved)]);
    assert.equal((await curl('http', moved)).status, '200');
    assert.equal((await curl('http', pinned)).code, 7, 'the old port is closed');

    const fallback = await freeLoopbackPort();
    await ok(['proxy:set', '--global', 'proxy-port', String(fallback)]);
    await ok(['proxy:set', 'site', 'proxy-port']);
    assert.equal((await curl('http', fallback)).status, '200');
    assert.equal((await curl('http', moved)).code, 7);
    assert.equal(await report('--proxy-computed-proxy-port'), String(fallback));
    // A restart serves it there again.
    await ok(['ps:restart', 'site']);
    assert.equal((await curl('http', fallback)).status, '200');
    await ok(['proxy:set', '--global', 'proxy-port']);
  });

  it('with a certificate: https on the proxy-ssl-port (random, then pinned) with the app\'s pair, http still plain; certs:remove forgets it', async () => {
    // Vhosts back on (Dokku's pre-enable-vhost forgets both ports), then off again with a pair.
    await ok(['domains:enable', 'site']);
    assert.equal(property('site', 'proxy-port'), undefined);
    const crt = path.join(server.dir, 'site.crt');
    const key = path.join(server.dir, 'site.key');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=site.test']);
    // Dokku's post-certs-update: an app proxy-ssl-port of 443 (the shared port) goes with a new pair.
    await ok(['proxy:set', 'site', 'proxy-ssl-port', '443']);
    await ok(['certs:add', 'site', crt, key]);
    assert.equal(property('site', 'proxy-ssl-port'), undefined);
    const off = await ok(['domains:disable', 'site']);
    const lines = off.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['-----> App virtual host support disabled', '-----> No port set, setting to random open high port']);
    assert.match(lines[2] ?? '', /^-----> Random port \d+$/);
    assert.equal(lines[3], '-----> No ssl port set, setting to random open high port');
    assert.equal(lines.length, 4, off.stdout);
    const httpPort = Number(property('site', 'proxy-port'));
    const sslPort = Number(property('site', 'proxy-ssl-port'));
    assert.ok(sslPort > 1024 && sslPort !== httpPort, `${httpPort} ${sslPort}`);

    // TLS by address (no server name) and by any name, with the app's own certificate.
    assert.deepEqual(await curl('https', sslPort), { code: 0, status: '200', body: 'v1 web.1' });
    const verified = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', crt, '--resolve', `site.test:${sslPort}:127.0.0.1`, `https://site.test:${sslPort}/`], { reject: false });
    assert.deepEqual([verified.exitCode, String(verified.stdout)], [0, '200'], 'any server name gets the app\'s pair');
    // Plain HTTP on the proxy-port is served, not redirected (Dokku redirects only port 80).
    assert.deepEqual(await curl('http', httpPort), { code: 0, status: '200', body: 'v1 web.1' });
    assert.deepEqual((await ok(['urls', 'site'])).stdout.split('\n'), [`http://localhost:${httpPort}`, `https://localhost:${sslPort}`]);

    const pinned = await freeLoopbackPort();
    await ok(['proxy:set', 'site', 'proxy-ssl-port', String(pinned)]);
    assert.equal((await curl('https', pinned)).status, '200');
    assert.equal((await curl('https', sslPort)).code, 7);

    // An https mapping of its own on another port is served there too, with the pair.
    const extra = await freeLoopbackPort();
    const added = await ok(['ports:add', 'site', `https:${extra}:5000`]);
    assert.equal(added.stderr, '', 'served, so no "is kept, but" warning');
    assert.equal((await curl('https', extra)).status, '200');
    assert.equal((await curl('http', extra)).status, '000', 'that port speaks TLS only');

    const removed = await ok(['certs:remove', 'site']);
    assert.equal(removed.stdout, '-----> Removing SSL endpoint from site');
    assert.equal(property('site', 'proxy-ssl-port'), undefined, 'forgotten with the certificate (Dokku\'s post-certs-remove)');
    assert.equal((await curl('https', pinned)).code, 7);
    assert.equal((await curl('https', extra)).code, 7, 'https mappings are not served without a certificate');
    // Without a certificate a new https mapping gets Dokku's nginx warning.
    const other = await freeLoopbackPort();
    const ignored = await ok(['ports:add', 'site', `https:${other}:5000`]);
    // One line per mapping; their order follows the stored mappings, not the order they were added in.
    assert.deepEqual(ignored.stderr.split('\n').sort(), [extra, other].map((port) => ` !     Ignoring detected https port mapping without an accompanying ssl certificate (https:${port}:5000)`).sort());
    await ok(['ports:clear', 'site']);
    assert.equal((await curl('http', httpPort)).status, '200');
  });

  it('proxy:clear-config takes the app off its proxy (silently) and fires proxy-clear-config; build-config brings it back; --all once', async () => {
    const port = Number(property('site', 'proxy-port'));
    const r = await ok(['proxy:clear-config', 'site']);
    assert.equal(r.stdout, 'cleared site');
    assert.equal((await curl('http', port)).code, 7);
    await ok(['proxy:build-config', 'site']);
    assert.equal((await curl('http', port)).status, '200');

    await ok(['domains:enable', 'site']);
    assert.equal((await get(server.httpPort, 'site.localhost')).status, 200);
    const all = await ok(['proxy:clear-config', '--all']);
    assert.equal(all.stdout, 'cleared --all');
    assert.equal((await get(server.httpPort, 'site.localhost')).status, 404);
    await ok(['ps:restart', 'site']);
    assert.equal((await get(server.httpPort, 'site.localhost')).status, 200);
    const log = fs.readFileSync(path.join(server.home, 'lib', 'plugins', 'available', 'clear-probe', 'cleared.log'), 'utf8');
    assert.equal(log, 'site\n--all\n');

    const none = await ssh(['proxy:clear-config']);
    assert.equal(none.code, 1);
    const ghost = await ssh(['proxy:clear-config', 'ghost']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
    assert.match((await ok(['proxy:help'])).stdout, /proxy:clear-config \(<app>\|--all\)/);
  });

  it('apps:rename fires proxy-clear-config for the new name (Dokku\'s nginx does, after post-app-rename-setup); the app is served under it', async () => {
    await ok(['apps:rename', 'site', 'moved']);
    const log = fs.readFileSync(path.join(server.home, 'lib', 'plugins', 'available', 'clear-probe', 'cleared.log'), 'utf8');
    assert.equal(log, 'site\n--all\nmoved\n');
    assert.equal((await get(server.httpPort, 'moved.localhost')).status, 200);
  });
});
