// The dashboard over HTTPS (SLIPWAY_DASHBOARD_TLS_CERT/KEY): the login URL is https, a browser-like
// client that trusts the CA logs in and gets a Secure session cookie, plain HTTP on the same port
// gets no page, and a certificate that does not load stops the start with one line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';

describe('dashboard over HTTPS (real server, OpenSSH, curl)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let dir: string;
  let ca: string;

  /** curl against the dashboard with the test CA; returns the status line's code, headers and body. */
  async function curl(url: string, args: string[] = []): Promise<{ code: number; status: number; headers: string; body: string }> {
    const r = await execa('curl', ['-sS', '--cacert', ca, '-D', '-', '--max-time', '20', ...args, url], { reject: false });
    const [headers, ...body] = r.stdout.split('\r\n\r\n');
    return { code: r.exitCode ?? -1, status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1] ?? 0), headers, body: body.join('\r\n\r\n') };
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'slipway-dash-tls-'));
    ca = path.join(dir, 'cert.pem');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', ca, '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    server = await TestServer.start({ env: { SLIPWAY_DASHBOARD_TLS_CERT: ca, SLIPWAY_DASHBOARD_TLS_KEY: path.join(dir, 'key.pem') } });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dashboard:login prints an https URL; the token opens a session with a Secure cookie', async () => {
    assert.match(server.dashboardUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await server.ssh(['dashboard:login']);
    assert.equal(r.code, 0, r.stderr);
    const link = r.stdout.split('\n').find((l) => l.startsWith('https://'));
    assert.ok(link, r.stdout);
    const url = new URL(link);
    const page = await curl(url.href);
    assert.equal(page.status, 200, page.headers);
    const login = await curl(new URL('/login', url).href, ['--data-urlencode', `token=${url.searchParams.get('token') ?? ''}`, '-H', `Origin: ${url.origin}`]);
    assert.equal(login.status, 303, login.headers + login.body);
    const cookie = /^set-cookie: ([^\r\n]*)/im.exec(login.headers)?.[1] ?? '';
    assert.match(cookie, /; Secure/i);
    assert.match(cookie, /HttpOnly/);
    const apps = await curl(new URL('/', url).href, ['-H', `Cookie: ${cookie.split(';')[0]}`]);
    assert.equal(apps.status, 200);
    assert.match(apps.body, /Apps/);
  });

  it('plain HTTP on the dashboard port gets no page', async () => {
    const port = new URL(server.dashboardUrl).port;
    const r = await execa('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`], { reject: false });
    assert.notEqual(r.stdout, '200');
  });

  it('a key that is not the certificate\'s stops the start with one line naming the variables', async () => {
    const other = path.join(dir, 'other-key.pem');
    await execa('openssl', ['genrsa', '-out', other, '2048']);
    await assert.rejects(
      TestServer.start({ env: { SLIPWAY_DASHBOARD_TLS_CERT: ca, SLIPWAY_DASHBOARD_TLS_KEY: other } }),
      /The dashboard certificate \(SLIPWAY_DASHBOARD_TLS_CERT, SLIPWAY_DASHBOARD_TLS_KEY\) cannot be used: .*key values mismatch/,
    );
  });
});
