// letsencrypt:* against a local ACME server (Debian's pebble, on loopback): a real server whose
// app is pushed with git over OpenSSH gets a certificate through HTTP-01 (pebble fetches the
// challenge through the built-in proxy), installed with certs and served over HTTPS (curl checks
// it against pebble's root); enable is skipped while the certificate fits unless --force;
// auto-renew renews inside the grace period; cron-job, set, report, list, active, disable; and an
// ACME server that cannot be reached fails enable with one line. Then the same flow with the nginx
// proxy (Debian's nginx-light, managed): pebble fetches the challenge through nginx.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { X509Certificate } from 'node:crypto';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { freeLoopbackPort } from '../helpers/net.js';
import { startPebble, pebbleInstalled, type Pebble } from '../helpers/pebble.js';

describe('letsencrypt:* with a local ACME server (pebble, real server, OpenSSH, curl)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let pebble: Pebble;
  let root: string;

  const run = (args: string[]) => server.ssh(args);
  const ok = async (args: string[]) => {
    const r = await run(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const fingerprint = async (app: string) => new X509Certificate((await ok(['certs:show', app, 'crt'])).stdout).fingerprint256;

  before(async function () {
    if (!pebbleInstalled()) {
      console.log('    (skipped: pebble is not installed; apt-get install pebble)');
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-pebble-'));
    const httpPort = await freeLoopbackPort();
    pebble = await startPebble(dir, httpPort);
    // The server trusts the directory's HTTPS certificate the standard node way.
    server = await TestServer.start({ env: { SLIPWAY_HTTP_LISTEN: `127.0.0.1:${httpPort}`, NODE_EXTRA_CA_CERTS: pebble.caFile } });
    root = path.join(server.dir, 'pebble-root.pem');
    fs.writeFileSync(root, await pebble.issuingRoot());
    const work = await appWork(server);
    await ok(['apps:create', 'secure']);
    await ok(['domains:set', 'secure', 'secure.test', 'www.secure.test']);
    const push = await work.push('secure');
    assert.equal(push.exitCode, 0, String(push.stderr));
    await ok(['apps:create', 'undeployed']);
  });
  after(async () => {
    await server?.stop();
    await pebble?.stop();
  });

  it('refuses to enable without an e-mail address, in one line', async () => {
    const r = await run(['letsencrypt:enable', 'secure']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, ' !     Cannot request a certificate without an e-mail address: dokku letsencrypt:set secure email <e-mail>');
  });

  it('letsencrypt:set checks properties and values; report shows app, global and computed values', async () => {
    const bad = await run(['letsencrypt:set', 'secure', 'lego-args', '--foo']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /lego container/);
    assert.equal((await run(['letsencrypt:set', 'secure', 'email', 'not-an-address'])).code, 1);
    await ok(['letsencrypt:set', '--global', 'email', 'ops@example.com']);
    await ok(['letsencrypt:set', '--global', 'server', pebble.directoryUrl]);
    assert.equal((await ok(['letsencrypt:report', 'secure', '--letsencrypt-computed-email'])).stdout, 'ops@example.com');
    assert.equal((await ok(['letsencrypt:report', 'secure', '--letsencrypt-email'])).stdout, '');
    assert.equal((await ok(['letsencrypt:report', 'secure', '--letsencrypt-computed-server'])).stdout, pebble.directoryUrl);
    assert.equal((await ok(['letsencrypt:report', 'secure', '--letsencrypt-computed-graceperiod'])).stdout, '2592000');
    assert.equal((await ok(['letsencrypt:report', '--global', '--letsencrypt-global-email'])).stdout, 'ops@example.com');
    const unset = await ok(['letsencrypt:set', 'secure', 'server']);
    assert.match(unset.stdout, /Unsetting server/);
  });

  it('enable gets a certificate over HTTP-01 through the proxy, installs it, and the app answers over HTTPS', async () => {
    const r = await ok(['letsencrypt:enable', 'secure']);
    assert.match(r.stdout, /=====> Enabling letsencrypt for secure/);
    assert.match(r.stdout, /Getting letsencrypt certificate for secure via HTTP-01/);
    assert.match(r.stdout, /- Domain 'secure\.test'/);
    assert.match(r.stdout, /Certificate retrieved successfully\./);
    assert.equal((await ok(['certs:report', 'secure', '--ssl-hostnames'])).stdout, 'secure.test www.secure.test');
    assert.equal((await ok(['letsencrypt:active', 'secure'])).stdout, 'true');
    const curl = await execa('curl', ['-sS', '--cacert', root, '--resolve', `www.secure.test:${server.httpsPort}:127.0.0.1`, `https://www.secure.test:${server.httpsPort}/`], { reject: false });
    assert.equal(curl.exitCode, 0, curl.stderr);
    assert.match(curl.stdout, /^v1 web\.1/);
    // The tokens are withdrawn once the order is done.
    assert.deepEqual(fs.readdirSync(path.join(server.home, 'lib', 'data', 'apps', 'secure', 'acme-challenges')), []);
    const list = await ok(['letsencrypt:list']);
    assert.match(list.stdout.split('\n')[0], /App name\s+Certificate Expiry\s+Time before expiry\s+Time before renewal/);
    assert.match(list.stdout.split('\n')[1], /^\s+secure\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+d/);
  });

  it('enable is skipped while the certificate fits; --force requests a new one', async () => {
    const before = await fingerprint('secure');
    const again = await ok(['letsencrypt:enable', 'secure']);
    assert.match(again.stdout, /Certificate is still valid for secure, skipping certificate request/);
    assert.equal(await fingerprint('secure'), before);
    await ok(['letsencrypt:enable', '--force', 'secure']);
    assert.notEqual(await fingerprint('secure'), before);
  });

  it('auto-renew renews only inside the grace period', async () => {
    const before = await fingerprint('secure');
    const early = await ok(['letsencrypt:auto-renew', 'secure']);
    assert.match(early.stdout, /secure still has \d+d.* left before renewal/);
    assert.equal(await fingerprint('secure'), before);
    // A grace period longer than the certificate's life: it is due now.
    await ok(['letsencrypt:set', 'secure', 'graceperiod', '9999999999']);
    const all = await ok(['letsencrypt:auto-renew']);
    assert.match(all.stdout, /secure needs renewal/);
    assert.match(all.stdout, /Finished auto-renewal/);
    assert.notEqual(await fingerprint('secure'), before);
    await ok(['letsencrypt:set', 'secure', 'graceperiod']);
  });

  it('with cron-job --add, the server renews a due certificate by itself (first look 10 s after a start)', async () => {
    const before = await fingerprint('secure');
    await ok(['letsencrypt:cron-job', '--add']);
    await ok(['letsencrypt:set', 'secure', 'graceperiod', '9999999999']);
    await server.kill('SIGTERM');
    await server.boot();
    // Waits for the job's own log lines (the server's stderr), not for a duration.
    for (let waited = 0; !/letsencrypt: =====> Finished auto-renewal/.test(server.output); waited += 250) {
      assert.ok(waited < 120_000, `no renewal in the server log:\n${server.output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.match(server.output, /slipway: letsencrypt: renewing secure/);
    assert.match(server.output, /letsencrypt: -----> Certificate retrieved successfully\./);
    assert.notEqual(await fingerprint('secure'), before);
    await ok(['letsencrypt:set', 'secure', 'graceperiod']);
    await ok(['letsencrypt:cron-job', '--remove']);
  });

  it('cron-job --add turns the server\'s renewal job on; --remove off; no flag shows it', async () => {
    assert.match((await ok(['letsencrypt:cron-job'])).stdout, /Auto-renew cron job is not enabled/);
    await ok(['letsencrypt:cron-job', '--add']);
    assert.match((await ok(['letsencrypt:cron-job'])).stdout, /Auto-renew cron job is enabled/);
    assert.equal((await ok(['letsencrypt:report', 'secure', '--letsencrypt-autorenew'])).stdout, 'true');
    await ok(['letsencrypt:cron-job', '--remove']);
    assert.equal((await ok(['letsencrypt:report', 'secure', '--letsencrypt-autorenew'])).stdout, 'false');
    assert.equal((await run(['letsencrypt:cron-job', '--bogus'])).code, 1);
  });

  it('an ACME server that cannot be reached fails enable with one clear line; the certificate stays', async () => {
    const before = await fingerprint('secure');
    const closed = `http://127.0.0.1:${await freeLoopbackPort()}/directory`;
    await ok(['letsencrypt:set', 'secure', 'server', closed]);
    const r = await run(['letsencrypt:enable', 'secure']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, ` !     Cannot reach the ACME server at ${closed}: ECONNREFUSED`);
    assert.equal(await fingerprint('secure'), before);
    await ok(['letsencrypt:set', 'secure', 'server']);
  });

  it('an app that was never deployed, or has no domain, is refused before any ACME request', async () => {
    const r = await run(['letsencrypt:enable', 'undeployed']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /undeployed has not been deployed/);
  });

  it('revoke has the ACME server revoke the certificate; the next enable requests a new one', async () => {
    const crt = new X509Certificate((await ok(['certs:show', 'secure', 'crt'])).stdout);
    assert.equal(await pebble.certStatus(crt.serialNumber), 'Valid');
    const r = await ok(['letsencrypt:revoke', 'secure']);
    assert.match(r.stdout, /=====> Revoking letsencrypt certificate for secure/);
    assert.equal(await pebble.certStatus(crt.serialNumber), 'Revoked');
    assert.equal((await ok(['letsencrypt:active', 'secure'])).stdout, 'false');
    assert.equal(await fingerprint('secure'), crt.fingerprint256, 'the files stay until replaced');
    const again = await ok(['letsencrypt:enable', 'secure']);
    assert.match(again.stdout, /Certificate retrieved successfully/);
    assert.notEqual(await fingerprint('secure'), crt.fingerprint256);
    const none = await server.ssh(['letsencrypt:revoke', 'undeployed']);
    assert.equal(none.code, 1);
  });

  it('disable removes the certificate: the app is served on plain HTTP again', async () => {
    await ok(['letsencrypt:disable', 'secure']);
    assert.equal((await ok(['letsencrypt:active', 'secure'])).stdout, 'false');
    assert.equal((await ok(['certs:report', 'secure', '--ssl-enabled'])).stdout, 'false');
    const curl = await execa('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `secure.test:${server.httpPort}:127.0.0.1`, `http://secure.test:${server.httpPort}/`]);
    assert.equal(curl.stdout, '200');
  });

  it('help --all lists the letsencrypt commands', async () => {
    const help = (await ok(['help', '--all'])).stdout;
    for (const command of ['enable', 'disable', 'auto-renew', 'list', 'cron-job', 'set', 'report', 'active', 'revoke']) {
      assert.match(help, new RegExp(`letsencrypt:${command}\\b`));
    }
  });
});

describe('letsencrypt:enable with the nginx proxy (pebble validates through nginx, real server, OpenSSH, curl)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let pebble: Pebble;
  let root: string;
  let httpsPort: number;

  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const hasNginx = () => execa('nginx', ['-v'], { reject: false }).then((r) => r.exitCode === 0, () => false);

  before(async function () {
    if (!pebbleInstalled() || !(await hasNginx())) {
      console.log('    (skipped: needs pebble and nginx)');
      this.skip();
    }
    const httpPort = await freeLoopbackPort();
    httpsPort = await freeLoopbackPort();
    pebble = await startPebble(fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-pebble-')), httpPort);
    server = await TestServer.start({ env: {
      SLIPWAY_NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`, SLIPWAY_NGINX_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`, NODE_EXTRA_CA_CERTS: pebble.caFile,
    } });
    root = path.join(server.dir, 'pebble-root.pem');
    fs.writeFileSync(root, await pebble.issuingRoot());
    await ok(['apps:create', 'web']);
    await ok(['domains:set', 'web', 'web.test']);
    await ok(['proxy:set', 'web', 'nginx']);
    const push = await (await appWork(server)).push('web');
    assert.equal(push.exitCode, 0, String(push.stderr));
    await ok(['letsencrypt:set', 'web', 'email', 'ops@example.com']);
    await ok(['letsencrypt:set', 'web', 'server', pebble.directoryUrl]);
  });
  after(async () => {
    await server?.stop();
    await pebble?.stop();
  });

  it('nginx answers the challenge from the same folder, and then serves the issued certificate', async () => {
    const r = await ok(['letsencrypt:enable', 'web']);
    assert.match(r.stdout, /Certificate retrieved successfully\./);
    const curl = await execa('curl', ['-sS', '--cacert', root, '--resolve', `web.test:${httpsPort}:127.0.0.1`, `https://web.test:${httpsPort}/`], { reject: false });
    assert.equal(curl.exitCode, 0, curl.stderr);
    assert.match(curl.stdout, /^v1 web\.1/);
  });

  it('a renewal is answered while HTTP redirects to HTTPS (the challenge is not redirected)', async () => {
    const before = new X509Certificate((await ok(['certs:show', 'web', 'crt'])).stdout).fingerprint256;
    await ok(['letsencrypt:enable', '--force', 'web']);
    assert.notEqual(new X509Certificate((await ok(['certs:show', 'web', 'crt'])).stdout).fingerprint256, before);
  });
});
