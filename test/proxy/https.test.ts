// HTTPS through the built-in proxy against a real server: apps pushed with git over OpenSSH and
// run by the process scheduler, certificates from certs:add/certs:generate. A node https client
// checks each app's certificate by SNI (verified against that certificate), the app answering over
// TLS, the redirect from HTTP, HSTS, a WebSocket upgrade over TLS, and what an app without one gets.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import type { Socket } from 'node:net';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';

/** The pushed app: echoes what the proxy told it, and answers WebSocket-style upgrades with an echo tunnel. */
const APP = `const http = require('node:http');
const server = http.createServer((req, res) => {
  res.end(\`\${process.env.APP_NAME} proto=\${req.headers['x-forwarded-proto']} path=\${req.url}\`);
});
server.on('upgrade', (req, socket) => {
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n');
  socket.on('data', (chunk) => socket.write('echo:' + chunk));
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string; cert?: tls.PeerCertificate }

function httpsGet(port: number, servername: string, ca: string, options: { host?: string; path?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, servername, ca, path: options.path ?? '/', agent: false,
      headers: { Host: options.host ?? servername },
    }, (res) => {
      const cert = (res.socket as tls.TLSSocket).getPeerCertificate();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cert }));
    });
    req.on('error', reject);
    req.end();
  });
}

function httpGet(port: number, host: string, urlPath = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers: { Host: host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A TLS handshake with no CA check: resolves with the certificate served, rejects when the server refuses. */
function handshake(port: number, servername: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

describe('HTTPS through the built-in proxy (real server, git push, process scheduler)', function () {
  this.timeout(240_000);
  let server: TestServer;
  const crts: Record<string, string> = {};

  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await TestServer.start();
    const work = await appWork(server, { files: { 'server.cjs': APP } });
    for (const app of ['secure', 'other', 'plain']) {
      await ok(['apps:create', app]);
      await ok(['config:set', '--no-restart', app, `APP_NAME=${app}`]);
      await ok(['domains:set', app, `${app}.test`]);
      const push = await work.push(app);
      assert.equal(push.exitCode, 0, String(push.stderr));
    }
    // One pair from certs:generate, one brought as files (with a www. alternative name).
    await ok(['certs:generate', 'secure', 'secure.test']);
    const crt = path.join(server.dir, 'other.crt');
    const key = path.join(server.dir, 'other.key');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2',
      '-subj', '/CN=other.test', '-addext', 'subjectAltName=DNS:other.test,DNS:www.other.test']);
    await ok(['certs:add', 'other', crt, key]);
    for (const app of ['secure', 'other']) crts[app] = `${(await ok(['certs:show', app, 'crt'])).stdout}\n`;
  });
  after(async () => { await server?.stop(); });

  it('serves each app\'s own certificate by SNI, and the app answers over TLS', async () => {
    const secure = await httpsGet(server.httpsPort, 'secure.test', crts.secure, { path: '/hello?x=1' });
    assert.deepEqual([secure.status, secure.body], [200, 'secure proto=https path=/hello?x=1']);
    assert.equal(secure.cert?.subject.CN, 'secure.test');
    const other = await httpsGet(server.httpsPort, 'other.test', crts.other);
    assert.deepEqual([other.status, other.body], [200, 'other proto=https path=/']);
    assert.equal(other.cert?.subject.CN, 'other.test');
    // Each certificate verifies only for its own name: the other app's CA does not vouch for it.
    await assert.rejects(httpsGet(server.httpsPort, 'other.test', crts.secure), /self[- ]signed|unable to verify|certificate/i);
  });

  it('sends HSTS with Dokku\'s defaults over HTTPS', async () => {
    const r = await httpsGet(server.httpsPort, 'secure.test', crts.secure);
    assert.equal(r.headers['strict-transport-security'], 'max-age=15724800; includeSubdomains');
  });

  it('redirects HTTP to HTTPS (301, same host and path) for an app with a certificate', async () => {
    const r = await httpGet(server.httpPort, 'secure.test', '/a/b?c=d');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `https://secure.test:${server.httpsPort}/a/b?c=d`);
    assert.equal(r.headers['strict-transport-security'], undefined);
    const port = await httpGet(server.httpPort, `other.test:${server.httpPort}`, '/x');
    assert.equal(port.headers.location, `https://other.test:${server.httpsPort}/x`);
  });

  it('urls and url name the https URLs of an app with a certificate (as Dokku), http ones otherwise', async () => {
    assert.equal((await ok(['urls', 'secure'])).stdout, `https://secure.test:${server.httpsPort}`);
    assert.equal((await ok(['url', 'other'])).stdout, `https://other.test:${server.httpsPort}`);
    assert.equal((await ok(['urls', 'plain'])).stdout, `http://plain.test:${server.httpPort}`);
  });

  it('an app without a certificate is served on HTTP only: its name gets no TLS handshake', async () => {
    const r = await httpGet(server.httpPort, 'plain.test', '/p');
    assert.deepEqual([r.status, r.body], [200, 'plain proto=http path=/p']);
    await assert.rejects(handshake(server.httpsPort, 'plain.test'));
    await assert.rejects(handshake(server.httpsPort, 'unknown.test'));
    // A handshake for one app does not reach another app by its Host header.
    const misdirected = await httpsGet(server.httpsPort, 'secure.test', crts.secure, { host: 'plain.test' });
    assert.equal(misdirected.status, 421);
  });

  it('upgrades to a WebSocket over TLS and carries bytes both ways', async () => {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port: server.httpsPort, servername: 'secure.test', ca: crts.secure, path: '/ws', agent: false,
        headers: { Host: 'secure.test', Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' },
      });
      req.on('upgrade', (_res, s: Socket) => resolve(s));
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    const echoed = new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    socket.write('ping');
    assert.equal(await echoed, 'echo:ping');
    socket.destroy();
  });

  it('certificate changes apply from the next handshake, without a restart', async () => {
    const before = await handshake(server.httpsPort, 'other.test');
    const crt = path.join(server.dir, 'other2.crt');
    const key = path.join(server.dir, 'other2.key');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '3', '-subj', '/CN=other.test']);
    await ok(['certs:update', 'other', crt, key]);
    const after = await handshake(server.httpsPort, 'other.test');
    assert.notEqual(after.fingerprint256, before.fingerprint256);
    assert.equal(after.fingerprint256, new (await import('node:crypto')).X509Certificate(fs.readFileSync(crt)).fingerprint256);

    await ok(['certs:remove', 'other']);
    await assert.rejects(handshake(server.httpsPort, 'other.test'));
    const r = await httpGet(server.httpPort, 'other.test');
    assert.deepEqual([r.status, r.body], [200, 'other proto=http path=/']);
  });
});
