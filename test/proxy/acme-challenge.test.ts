// ACME HTTP-01 answers through the built-in proxy of a real server (app pushed with git over
// OpenSSH, process scheduler), fetched with curl: a token file in the app's acme-challenges folder
// is served on plain HTTP even when the app has a certificate (no redirect), on HTTPS too, only
// for that app's domains; any other path, or a token with no file, goes on as before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';

interface CurlReply { status: number; location: string; body: string }

/** curl against the proxy with --resolve, so the request carries the app's host name as a user's would. */
async function curl(url: string, port: number, extra: string[] = []): Promise<CurlReply> {
  const host = new URL(url).hostname;
  const r = await execa('curl', ['-sS', '--resolve', `${host}:${port}:127.0.0.1`, '-o', '-', '-w', '\n%{http_code} %{redirect_url}', ...extra, url], { reject: false });
  assert.equal(r.exitCode, 0, `curl ${url}: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  const [status, location = ''] = (lines.pop() ?? '').split(' ');
  return { status: Number(status), location, body: lines.join('\n') };
}

describe('ACME HTTP-01 challenges through the built-in proxy (real server, curl)', function () {
  this.timeout(240_000);
  let server: TestServer;
  const challengeDir = (app: string) => path.join(server.home, 'lib', 'data', 'apps', app, 'acme-challenges');

  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await TestServer.start();
    const work = await appWork(server);
    for (const app of ['secured', 'plain']) {
      await ok(['apps:create', app]);
      await ok(['domains:set', app, `${app}.test`]);
      const push = await work.push(app);
      assert.equal(push.exitCode, 0, String(push.stderr));
    }
    await ok(['certs:generate', 'secured', 'secured.test']);
    for (const app of ['secured', 'plain']) {
      fs.mkdirSync(challengeDir(app), { recursive: true });
      fs.writeFileSync(path.join(challengeDir(app), `tok-${app}_1`), `tok-${app}_1.thumbprint-${app}`);
    }
  });
  after(async () => { await server?.stop(); });

  it('answers a pending token over plain HTTP, also for an app whose other paths redirect to HTTPS', async () => {
    const url = `http://secured.test:${server.httpPort}`;
    const challenge = await curl(`${url}/.well-known/acme-challenge/tok-secured_1`, server.httpPort);
    assert.deepEqual(challenge, { status: 200, location: '', body: 'tok-secured_1.thumbprint-secured' });
    const page = await curl(`${url}/elsewhere`, server.httpPort);
    assert.deepEqual([page.status, page.location], [301, `https://secured.test:${server.httpsPort}/elsewhere`]);
    const plain = await curl(`http://plain.test:${server.httpPort}/.well-known/acme-challenge/tok-plain_1`, server.httpPort);
    assert.deepEqual([plain.status, plain.body], [200, 'tok-plain_1.thumbprint-plain']);
  });

  it('answers over HTTPS too (an ACME server may follow a redirect there)', async () => {
    const ca = path.join(server.dir, 'secured.crt');
    fs.writeFileSync(ca, (await ok(['certs:show', 'secured', 'crt'])).stdout);
    const r = await curl(`https://secured.test:${server.httpsPort}/.well-known/acme-challenge/tok-secured_1`, server.httpsPort, ['--cacert', ca]);
    assert.deepEqual([r.status, r.body], [200, 'tok-secured_1.thumbprint-secured']);
  });

  it('serves each app only its own tokens; a token with no file goes to the app (or the redirect)', async () => {
    const cross = await curl(`http://plain.test:${server.httpPort}/.well-known/acme-challenge/tok-secured_1`, server.httpPort);
    assert.equal(cross.status, 200);
    assert.notEqual(cross.body, 'tok-secured_1.thumbprint-secured', 'the app answered, not the other app\'s token');
    const missing = await curl(`http://secured.test:${server.httpPort}/.well-known/acme-challenge/nothing-here`, server.httpPort);
    assert.equal(missing.status, 301);
    // Not a token (path separators, dots): never read from disk, the request goes on as usual.
    const escape = await curl(`http://plain.test:${server.httpPort}/.well-known/acme-challenge/..%2f..%2fENV`, server.httpPort, ['--path-as-is']);
    assert.equal(escape.status, 200);
    assert.doesNotMatch(escape.body, /thumbprint/);
    const removed = path.join(challengeDir('plain'), 'tok-plain_1');
    fs.rmSync(removed);
    const gone = await curl(`http://plain.test:${server.httpPort}/.well-known/acme-challenge/tok-plain_1`, server.httpPort);
    assert.notEqual(gone.body, 'tok-plain_1.thumbprint-plain');
  });
});
