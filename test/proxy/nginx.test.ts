// Proxy type nginx against a real server and a real nginx (Debian's nginx-light, managed by Slipway on
// loopback ports): an app deployed by git push answers over HTTP and HTTPS through nginx (curl
// --resolve, the generated certificate as CA), HTTP redirects to HTTPS, a redeploy under a loop of
// requests loses none, a plugin's invalid nginx.conf.d fragment is refused with nginx's message while
// the old config keeps serving, proxy:disable stops the routing, and nginx:* shows and sets things.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { installPlugin } from '../helpers/fixtures.js';
import { curlLoopback, type CurlReply } from '../helpers/curl.js';
import { freeLoopbackPort } from '../helpers/net.js';
import { eventually, get } from '../deploy/helpers.js';

const hasNginx = execa('nginx', ['-v'], { reject: false }).then((r) => r.exitCode === 0, () => false);

/** A plugin that writes an nginx.conf.d fragment the way dokku-maintenance and dokku-http-auth do. */
const FRAGMENT_PLUGIN = `#!/usr/bin/env bash
source "$PLUGIN_AVAILABLE_PATH/nginx-vhosts/functions"
case "$1" in
  frag:bad) APP="$2"; mkdir -p "$DOKKU_ROOT/$APP/nginx.conf.d"; echo 'not_a_directive on;' >"$DOKKU_ROOT/$APP/nginx.conf.d/frag.conf" ;;
  frag:good) APP="$2"; mkdir -p "$DOKKU_ROOT/$APP/nginx.conf.d"; echo 'add_header X-Frag "from-plugin" always;' >"$DOKKU_ROOT/$APP/nginx.conf.d/frag.conf" ;;
  frag:remove) APP="$2"; rm -f "$DOKKU_ROOT/$APP/nginx.conf.d/frag.conf" ;;
  *) exit "$DOKKU_NOT_IMPLEMENTED_EXIT" ;;
esac
validate_nginx "$APP" && restart_nginx "$APP" >/dev/null
echo "fragment applied"
`;

interface Reply { status: number; body: string; headers: Record<string, string | string[] | undefined> }

describe('proxy type nginx (real server, git push, managed nginx on loopback)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let work: AppWork;
  let httpPort: number;
  let httpsPort: number;
  let pidFile: string;
  let ca = '';
  const ssh = (args: string[]) => server.ssh(args);
  const ok = async (args: string[]) => {
    const r = await ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  /** curl through nginx, the name resolved to loopback, the app's certificate as the only CA. */
  const curl = async (url: string, extra: string[] = []): Promise<CurlReply> => {
    const caFile = path.join(server.dir, 'ca.pem');
    if (ca) fs.writeFileSync(caFile, ca);
    return curlLoopback(url, [`web.test:${httpPort}`, `web.test:${httpsPort}`], [...(ca ? ['--cacert', caFile] : []), ...extra]);
  };

  const httpsGet = (urlPath = '/'): Promise<Reply> => new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: httpsPort, servername: 'web.test', ca, path: urlPath, agent: false, headers: { Host: 'web.test' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });

  before(async function () {
    if (!(await hasNginx)) this.skip();
    httpPort = await freeLoopbackPort();
    httpsPort = await freeLoopbackPort();
    server = await TestServer.start({ env: { SLIPWAY_NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`, SLIPWAY_NGINX_HTTPS_LISTEN: `127.0.0.1:${httpsPort}` } });
    pidFile = path.join(server.home, 'lib', 'data', 'nginx', 'nginx.pid');
    installPlugin(server.home, 'frag', { commands: FRAGMENT_PLUGIN });
    await ok(['apps:create', 'web']);
    await ok(['domains:set', 'web', 'web.test']);
    assert.equal((await ok(['proxy:set', 'web', 'nginx'])).stdout, '=====> Setting type to nginx');
    work = await appWork(server);
    const push = await work.push('web');
    assert.equal(push.exitCode, 0, String(push.stderr));
  });

  // TestServer.stop stops the managed nginx too (by its pid file), as it stops the apps.
  after(async () => { await server?.stop(); });

  it('serves the pushed app over HTTP through nginx (and no longer through the built-in proxy)', async () => {
    const r = await curl(`http://web.test:${httpPort}/`);
    assert.equal(r.code, 0, r.headers);
    assert.match(r.status, / 200/);
    assert.equal(r.body, 'v1 web.1');
    assert.equal((await get(server.httpPort, 'web.test')).status, 404);
    const conf = (await ok(['nginx:show-config', 'web'])).stdout;
    assert.match(conf, /server_name web\.test;/);
    assert.ok(conf.includes(`include ${path.join(server.home, 'home', 'web', 'nginx.conf.d')}/*.conf;`), conf);
    assert.ok(conf.includes('location ^~ /.well-known/acme-challenge/'), conf);
    assert.equal(fs.readFileSync(path.join(server.home, 'home', 'web', 'nginx.conf'), 'utf8'), `${conf}\n`);
    // Unknown names get nginx's default server: 404.
    assert.match((await curl(`http://other.test:${httpPort}/`, ['--resolve', `other.test:${httpPort}:127.0.0.1`])).status, / 404/);
  });

  it('answers ACME HTTP-01 challenges from the app\'s challenge folder', async () => {
    const dir = path.join(server.home, 'lib', 'data', 'apps', 'web', 'acme-challenges');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tok_EN-1'), 'tok_EN-1.thumbprint');
    const r = await curl(`http://web.test:${httpPort}/.well-known/acme-challenge/tok_EN-1`);
    assert.deepEqual([r.status.split(' ')[1], r.body], ['200', 'tok_EN-1.thumbprint']);
  });

  it('with a certificate: HTTPS through nginx with HSTS, HTTP redirected to HTTPS', async () => {
    await ok(['certs:generate', 'web', 'web.test']);
    ca = `${(await ok(['certs:show', 'web', 'crt'])).stdout}\n`;
    const secure = await curl(`https://web.test:${httpsPort}/hello`);
    assert.equal(secure.code, 0, secure.headers);
    assert.match(secure.status, / 200/);
    assert.equal(secure.body, 'v1 web.1');
    assert.match(secure.headers, /^strict-transport-security: max-age=15724800; includeSubdomains$/im);
    // TLS 1.3, as the app's server block says (the default server decides the version: it says so too),
    // and HTTP/2 offered by ALPN (`listen … ssl http2`, as Dokku's nginx).
    const [protocol, alpn] = await new Promise<[string | null, string | false | null]>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: httpsPort, servername: 'web.test', ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
        resolve([socket.getProtocol(), socket.alpnProtocol]);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    assert.deepEqual([protocol, alpn], ['TLSv1.3', 'h2']);
    const plain = await curl(`http://web.test:${httpPort}/a/b?c=d`);
    assert.match(plain.status, / 301/);
    assert.match(plain.headers, new RegExp(`^location: https://web\\.test:${httpsPort}/a/b\\?c=d$`, 'im'));
    // The challenge path is still answered over HTTP (Let's Encrypt asks there), not redirected.
    assert.match((await curl(`http://web.test:${httpPort}/.well-known/acme-challenge/tok_EN-1`)).status, / 200/);
    // nginx:set hsts false applies at the next build.
    await ok(['nginx:set', 'web', 'hsts', 'false']);
    await ok(['proxy:build-config', 'web']);
    assert.doesNotMatch((await curl(`https://web.test:${httpsPort}/`)).headers, /strict-transport-security/i);
    assert.equal((await ok(['nginx:report', 'web', '--nginx-computed-hsts'])).stdout, 'false');
    await ok(['nginx:set', 'web', 'hsts']);
    await ok(['proxy:build-config', 'web']);
  });

  it('a redeploy switches nginx\'s upstreams after the checks: no failed request in a loop across it', async () => {
    fs.writeFileSync(path.join(work.work, 'version.txt'), 'v2\n');
    assert.equal((await work.git(['commit', '-qam', 'v2'])).exitCode, 0);
    const seen = new Set<string>();
    const failures: string[] = [];
    let pushing = true;
    let count = 0;
    const loop = (async () => {
      while (pushing || !seen.has('v2 web.1')) {
        try {
          const r = await httpsGet('/');
          count++;
          if (r.status !== 200) failures.push(`${r.status} ${r.body.slice(0, 80)}`);
          else seen.add(r.body);
        } catch (error) {
          failures.push((error as Error).message);
        }
        if (count > 20_000) break;
      }
    })();
    const push = await work.push('web');
    pushing = false;
    await loop;
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.deepEqual(failures, []);
    assert.ok(seen.has('v1 web.1') && seen.has('v2 web.1'), `bodies seen: ${[...seen].join(', ')} in ${count} requests`);
  });

  it('an invalid fragment from a plugin is refused with nginx\'s message; the old config keeps serving', async () => {
    const before = fs.readFileSync(path.join(server.home, 'home', 'web', 'nginx.conf'), 'utf8');
    const bad = await ssh(['frag:bad', 'web']);
    assert.equal(bad.code, 1);
    // As Dokku's validate_nginx: the app whose config fails alone is named and shown, then nginx's refusal.
    assert.equal(bad.stdout, `${before.trimEnd()}\n`);
    const lines = bad.stderr.split('\n');
    assert.equal(lines.length, 2, bad.stderr);
    assert.equal(lines[0], ' !     Failed to validate nginx config for web. Contents below...');
    assert.match(lines[1], /^ !     nginx refused the configuration: \[emerg\] unknown directive "not_a_directive" in .*frag\.conf:1$/);
    const still = await httpsGet('/');
    assert.deepEqual([still.status, still.body], [200, 'v2 web.1']);
    // A rebuild is refused the same way, and leaves the app's nginx.conf as it was.
    const rebuild = await ssh(['proxy:build-config', 'web']);
    assert.equal(rebuild.code, 1);
    assert.match(rebuild.stderr, /nginx refused the configuration of web: \[emerg\] unknown directive "not_a_directive"/);
    assert.equal(fs.readFileSync(path.join(server.home, 'home', 'web', 'nginx.conf'), 'utf8'), before);
    assert.equal((await httpsGet('/')).status, 200);
    // A valid fragment is included inside the server block and served after the reload.
    assert.equal((await ok(['frag:good', 'web'])).stdout, 'fragment applied');
    assert.equal((await httpsGet('/')).headers['x-frag'], 'from-plugin');
    assert.equal((await ok(['frag:remove', 'web'])).stdout, 'fragment applied');
    assert.equal((await httpsGet('/')).headers['x-frag'], undefined);
  });

  it('nginx:set refuses what nginx would not take; client-max-body-size applies after build-config', async () => {
    const refused = await ssh(['nginx:set', 'web', 'client-max-body-size', '1m; evil']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Invalid value for client-max-body-size/);
    const unknown = await ssh(['nginx:set', 'web', 'nope', '1']);
    assert.match(unknown.stderr, /Invalid key specified, valid keys include: access-log-format/);
    assert.equal((await ok(['nginx:set', 'web', 'client-max-body-size', '1k'])).stdout, '-----> Setting client-max-body-size to 1k');
    await ok(['proxy:build-config', 'web']);
    const big = await curl(`https://web.test:${httpsPort}/`, ['-X', 'POST', '--data-binary', 'x'.repeat(4096)]);
    assert.match(big.status, / 413/);
    await ok(['nginx:set', 'web', 'client-max-body-size']);
    await ok(['proxy:build-config', 'web']);
    assert.match((await curl(`https://web.test:${httpsPort}/`, ['-X', 'POST', '--data-binary', 'x'.repeat(4096)])).status, / 200/);
  });

  it('nginx:access-logs shows the app\'s requests; nginx:validate-config passes', async () => {
    await ok(['nginx:validate-config', 'web']);
    assert.match((await curl(`https://web.test:${httpsPort}/logged?x=1`)).status, / 200/);
    // The log is buffered (flush=1s): the line lands within a second of the request.
    const logs = await eventually(async () => {
      const lines = (await ok(['nginx:access-logs', 'web'])).stdout.split('\n');
      return lines.some((l) => l.includes('/logged?x=1')) ? lines : undefined;
    }, 250);
    assert.ok(logs.length <= 20, `${logs.length} lines`);
    assert.match(logs[logs.length - 1], /"GET \/logged\?x=1 HTTP\/2\.0" 200 .*"curl\//);
  });

  it('nginx:validate-config: a valid config passes quietly; an app made invalid is shown with nginx\'s line and exit 1; --clean (APP, or alone) removes it and nginx keeps serving', async () => {
    const valid = await ok(['nginx:validate-config', 'web']);
    assert.deepEqual([valid.stdout, valid.stderr], ['', '']);
    const appDir = path.join(server.home, 'home', 'web');
    const bad = path.join(appDir, 'nginx.conf.d', 'bad.conf');
    const breakIt = () => {
      fs.mkdirSync(path.dirname(bad), { recursive: true });
      fs.writeFileSync(bad, 'not_a_directive on;\n');
    };
    breakIt();
    try {
      for (const args of [['nginx:validate-config'], ['nginx:validate-config', 'web']]) {
        const r = await ssh(args);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /Failed to validate nginx config for web\. Contents below\.\.\./);
        assert.match(r.stdout, /server_name web\.test;/);
        assert.match(r.stderr, /unknown directive "not_a_directive"/);
        assert.ok(fs.existsSync(path.join(appDir, 'nginx.conf')), 'without --clean the file stays');
      }
      for (const args of [['nginx:validate-config', 'web', '--clean'], ['nginx:validate-config', '--clean']]) {
        const r = await ssh(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /Failed to validate nginx config for web\.[\s\S]*Removing invalid nginx file/);
        assert.equal(fs.existsSync(path.join(appDir, 'nginx.conf')), false, `${args.join(' ')} removed nginx.conf`);
        // Nothing reloaded: the running nginx keeps serving what it had.
        const still = await httpsGet('/');
        assert.equal(still.status, 200);
        assert.equal((await ok(['nginx:validate-config'])).code, 0);
        fs.rmSync(bad);
        await ok(['proxy:build-config', 'web']);
        breakIt();
      }
    } finally {
      fs.rmSync(bad, { force: true });
    }
    await ok(['proxy:build-config', 'web']);
    assert.equal((await httpsGet('/')).status, 200);
    await ok(['nginx:validate-config', 'web']);
  });

  it('domains:disable: a server block without server_name on the app\'s random port; enable brings the names back; Dokku\'s old aliases answer', async () => {
    const off = await ok(['domains:disable', 'web']);
    const port = Number(/Random port (\d+)/.exec(off.stdout)?.[1]);
    assert.ok(port > 1024, off.stdout);
    const conf = (await ok(['nginx:show-conf', 'web'])).stdout;
    assert.equal(conf, (await ok(['nginx:show-config', 'web'])).stdout);
    assert.doesNotMatch(conf, /server_name/);
    assert.match(conf, new RegExp(`listen 127\\.0\\.0\\.1:${port};`));
    assert.match((await curl(`http://web.test:${httpPort}/`)).status, / 404/);
    const direct = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`], { reject: false });
    assert.equal(direct.stdout, '200');
    await ok(['nginx:validate', 'web']);
    await ok(['domains:set', 'web', 'web.test']);
    assert.match(await ok(['nginx:show-config', 'web']).then((r) => r.stdout), /server_name web\.test;/);
    const back = await httpsGet('/');
    assert.equal(back.status, 200);
  });

  it('proxy:disable stops routing through nginx; proxy:enable brings it back', async () => {
    await ok(['proxy:disable', 'web']);
    assert.equal(fs.existsSync(path.join(server.home, 'home', 'web', 'nginx.conf')), false);
    assert.match((await curl(`http://web.test:${httpPort}/`)).status, / 404/);
    assert.equal((await get(server.httpPort, 'web.test')).status, 404);
    await ok(['proxy:enable', 'web']);
    const back = await httpsGet('/');
    assert.deepEqual([back.status, back.body], [200, 'v2 web.1']);
  });

  it('the managed nginx outlives a stopped server and keeps serving; the next server adopts the same master', async () => {
    const first = Number(fs.readFileSync(pidFile, 'utf8').trim());
    await server.kill('SIGTERM');
    assert.match(server.output, new RegExp(`nginx \\(pid ${first}\\) keeps serving the apps`));
    // The server is down: nginx still serves the app (its processes run on, as issue 10 promised).
    const during = await httpsGet('/');
    assert.deepEqual([during.status, during.body], [200, 'v2 web.1']);
    await server.boot();
    const back = await eventually(async () => {
      const r = await httpsGet('/').catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    });
    assert.equal(back.body, 'v2 web.1');
    assert.equal(Number(fs.readFileSync(pidFile, 'utf8').trim()), first, 'the same master serves: adopted, not restarted');
    // Adopted means managed: a config change still reaches it (once the new server has restored the
    // app, which the adopted nginx hides: it served all along).
    await ok(['nginx:set', 'web', 'client-max-body-size', '2m']);
    await eventually(async () => {
      await ok(['proxy:build-config', 'web']);
      return /client_max_body_size 2m;/.test(fs.readFileSync(path.join(server.home, 'home', 'web', 'nginx.conf'), 'utf8')) || undefined;
    }, 250);
    await ok(['nginx:set', 'web', 'client-max-body-size']);
  });

  it('proxy:set builtin moves the app back to the built-in proxy and out of nginx', async () => {
    await ok(['proxy:set', 'web', 'builtin']);
    assert.equal(fs.existsSync(path.join(server.home, 'home', 'web', 'nginx.conf')), false);
    assert.equal((await get(server.httpPort, 'web.test')).status, 301);
    assert.match((await curl(`http://web.test:${httpPort}/`)).status, / 404/);
  });
});
