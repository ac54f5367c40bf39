// Proxy type nginx (Debian's nginx-light, managed by Slipway on loopback ports) for an app without
// vhosts: served on its proxy-port and, with a certificate, over TLS on its proxy-ssl-port (server
// blocks without server_name), both set by proxy:set; proxy:clear-config removes its nginx.conf.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { freeLoopbackPort } from '../helpers/net.js';
import { installPlugin } from '../helpers/fixtures.js';

const hasNginx = execa('nginx', ['-v'], { reject: false }).then((r) => r.exitCode === 0, () => false);

/** curl's exit code, status and body for SCHEME://127.0.0.1:PORT/ (7: nothing listens). */
async function curl(scheme: 'http' | 'https', port: number, extra: string[] = []): Promise<{ code: number; status: string; body: string }> {
  const r = await execa('curl', ['-sk', '-o', '-', '-w', '\n%{http_code}', ...extra, `${scheme}://127.0.0.1:${port}/`], { reject: false });
  const out = String(r.stdout);
  const cut = out.lastIndexOf('\n');
  return { code: r.exitCode ?? -1, status: out.slice(cut + 1), body: out.slice(0, Math.max(cut, 0)) };
}

describe('proxy-port / proxy-ssl-port / proxy:clear-config in nginx mode (real server, git push, managed nginx)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let nginxHttp: number;
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const conf = () => {
    const file = path.join(server.home, 'home', 'web', 'nginx.conf');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  };

  before(async function () {
    if (!(await hasNginx)) this.skip();
    nginxHttp = await freeLoopbackPort();
    const nginxHttps = await freeLoopbackPort();
    server = await TestServer.start({ env: { SLIPWAY_NGINX_HTTP_LISTEN: `127.0.0.1:${nginxHttp}`, SLIPWAY_NGINX_HTTPS_LISTEN: `127.0.0.1:${nginxHttps}` } });
    installPlugin(server.home, 'net-probe', { 'network-clear-config': '#!/usr/bin/env bash\necho "$*" >>"$(dirname "$0")/net.log"\n' });
    await ok(['apps:create', 'web']);
    await ok(['domains:set', 'web', 'web.test']);
    await ok(['proxy:set', 'web', 'nginx']);
    const push = await (await appWork(server)).push('web');
    assert.equal(push.exitCode, 0, String(push.stderr));
  });
  after(async () => { await server?.stop(); });

  it('without vhosts: http on the proxy-port set, https with the app\'s pair on a random proxy-ssl-port, no server_name', async () => {
    const port = await freeLoopbackPort();
    await ok(['proxy:set', 'web', 'proxy-port', String(port)]);
    const crt = path.join(server.dir, 'web.crt');
    const key = path.join(server.dir, 'web.key');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=web.test']);
    await ok(['certs:add', 'web', crt, key]);
    const off = await ok(['domains:disable', 'web']);
    assert.equal(off.stdout, '-----> App virtual host support disabled\n-----> No ssl port set, setting to random open high port');
    const sslPort = Number((await ok(['proxy:report', 'web', '--proxy-proxy-ssl-port'])).stdout);
    assert.ok(sslPort > 1024);
    const text = conf() ?? '';
    assert.doesNotMatch(text, /server_name/);
    assert.match(text, new RegExp(`listen 127\\.0\\.0\\.1:${port};`));
    assert.match(text, new RegExp(`listen 127\\.0\\.0\\.1:${sslPort} ssl http2;`));
    assert.deepEqual(await curl('http', port), { code: 0, status: '200', body: 'v1 web.1' });
    assert.deepEqual(await curl('https', sslPort), { code: 0, status: '200', body: 'v1 web.1' });
    const verified = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', crt, '--resolve', `web.test:${sslPort}:127.0.0.1`, `https://web.test:${sslPort}/`], { reject: false });
    assert.deepEqual([verified.exitCode, String(verified.stdout)], [0, '200']);
    assert.equal((await ok(['urls', 'web'])).stdout, `http://localhost:${port}\nhttps://localhost:${sslPort}`);
  });

  it('a new proxy-ssl-port (app, then the global fallback) moves the TLS server block', async () => {
    const pinned = await freeLoopbackPort();
    await ok(['proxy:set', 'web', 'proxy-ssl-port', String(pinned)]);
    assert.equal((await curl('https', pinned)).status, '200');
    const fallback = await freeLoopbackPort();
    await ok(['proxy:set', '--global', 'proxy-ssl-port', String(fallback)]);
    await ok(['proxy:set', 'web', 'proxy-ssl-port']);
    assert.equal((await curl('https', fallback)).status, '200');
    assert.equal((await curl('https', pinned)).code, 7);
    await ok(['proxy:set', '--global', 'proxy-ssl-port']);
  });

  it('proxy:clear-config removes the app\'s nginx.conf (nothing printed); build-config writes it again; vhosts on, --all', async () => {
    const port = Number((await ok(['proxy:report', 'web', '--proxy-computed-proxy-port'])).stdout);
    const r = await ok(['proxy:clear-config', 'web']);
    assert.deepEqual([r.stdout, r.stderr], ['', '']);
    assert.equal(conf(), undefined);
    assert.equal((await curl('http', port)).code, 7);
    await ok(['proxy:build-config', 'web']);
    assert.ok(conf());
    assert.equal((await curl('http', port)).status, '200');

    // Vhosts on again: the default name (Dokku's domains:enable), on nginx's shared port.
    await ok(['domains:enable', 'web']);
    const byName = ['--resolve', `web.localhost:${nginxHttp}:127.0.0.1`];
    const named = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...byName, `http://web.localhost:${nginxHttp}/`], { reject: false });
    assert.equal(String(named.stdout), '301', 'redirected to https: it has a certificate');
    await ok(['proxy:clear-config', '--all']);
    assert.equal(conf(), undefined);
    const gone = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...byName, `http://web.localhost:${nginxHttp}/`], { reject: false });
    assert.equal(String(gone.stdout), '404', 'nginx\'s default server answers');
    // network-clear-config for each nginx app cleared (an app on the built-in proxy gets none).
    await ok(['apps:create', 'plain']);
    await ok(['proxy:clear-config', '--all']);
    const net = fs.readFileSync(path.join(server.home, 'lib', 'plugins', 'available', 'net-probe', 'net.log'), 'utf8');
    assert.equal(net, 'web\nweb\nweb\n');
  });

  it('apps:rename: the config the new name inherits is cleared, then written for the new name', async () => {
    await ok(['proxy:build-config', 'web']);
    await ok(['apps:rename', 'web', 'site']);
    assert.equal(fs.existsSync(path.join(server.home, 'home', 'web', 'nginx.conf')), false);
    const text = fs.readFileSync(path.join(server.home, 'home', 'site', 'nginx.conf'), 'utf8');
    assert.match(text, /upstream site-5000/);
    assert.doesNotMatch(text, /web-5000|web\.localhost/);
    const r = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `site.localhost:${nginxHttp}:127.0.0.1`, `http://site.localhost:${nginxHttp}/`], { reject: false });
    assert.equal(String(r.stdout), '301');
  });
});
