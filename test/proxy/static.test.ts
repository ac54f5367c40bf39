// Static sites through the proxy: content types, index.html, redirects, conditional GETs, and
// every way of asking for a file outside the site directory (encoded, doubled, symlinked).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sitePath } from '../../src/proxy/static-files.js';
import { LOOPBACK, request, startProxy, type TestProxy } from './helpers.js';

/** Sends a request target byte for byte: Node's client would keep it too, but this is explicit. */
function rawGet(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, LOOPBACK);
    let seen = '';
    socket.on('data', (chunk: Buffer) => { seen += chunk.toString('latin1'); });
    socket.on('end', () => resolve(seen));
    socket.on('error', reject);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n`);
  });
}

describe('proxy static sites', () => {
  let proxy: TestProxy;
  let base: string;
  let site: string;

  before(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-static-'));
    site = path.join(base, 'site');
    await fs.mkdir(path.join(site, 'docs'), { recursive: true });
    await fs.mkdir(path.join(site, 'empty'));
    await fs.mkdir(path.join(site, '.git'));
    await fs.writeFile(path.join(site, 'index.html'), '<h1>home</h1>');
    await fs.writeFile(path.join(site, 'style.css'), 'body{}');
    await fs.writeFile(path.join(site, 'app.js'), 'console.log(1)');
    await fs.writeFile(path.join(site, 'logo.svg'), '<svg/>');
    await fs.writeFile(path.join(site, 'data.bin'), Buffer.from([1, 2, 3]));
    await fs.writeFile(path.join(site, 'docs', 'index.html'), '<h1>docs</h1>');
    await fs.writeFile(path.join(site, '.git', 'config'), 'private');
    await fs.writeFile(path.join(site, '.env'), 'SECRET=1');
    await fs.writeFile(path.join(base, 'secret.txt'), 'TOP SECRET');
    await fs.symlink(path.join(base, 'secret.txt'), path.join(site, 'leak.txt'));
    await fs.symlink(base, path.join(site, 'up'));
    await fs.symlink(path.join(site, 'style.css'), path.join(site, 'alias.css'));
    proxy = await startProxy();
    proxy.proxy.setStatic('site', ['site.test'], site);
  });
  after(async () => {
    await proxy.close();
    await fs.rm(base, { recursive: true, force: true });
  });

  const get = (target: string, headers = {}) => request(proxy.port, { host: 'site.test', path: target, headers });

  it('serves files with their content type and index.html for directories', async () => {
    const cases: [string, string, string][] = [
      ['/', 'text/html; charset=utf-8', '<h1>home</h1>'],
      ['/index.html?v=2', 'text/html; charset=utf-8', '<h1>home</h1>'],
      ['/style.css', 'text/css; charset=utf-8', 'body{}'],
      ['/app.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
      ['/logo.svg', 'image/svg+xml; charset=utf-8', '<svg/>'],
      ['/data.bin', 'application/octet-stream', '\x01\x02\x03'],
      ['/docs/', 'text/html; charset=utf-8', '<h1>docs</h1>'],
      ['/alias.css', 'text/css; charset=utf-8', 'body{}'],
    ];
    for (const [target, type, body] of cases) {
      const reply = await get(target);
      assert.equal(reply.status, 200, target);
      assert.equal(reply.headers['content-type'], type, target);
      assert.equal(reply.text, body, target);
      assert.equal(reply.headers['content-length'], String(Buffer.byteLength(body)), target);
    }
  });

  it('redirects a directory without its trailing slash, and 404s what is missing', async () => {
    const moved = await get('/docs?x=1');
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, '/docs/?x=1');
    assert.equal((await get('/missing.html')).status, 404);
    assert.equal((await get('/empty/')).status, 404);
    assert.equal((await get('/style.css/')).status, 404);
  });

  it('answers HEAD without a body, conditional GETs with 304, and refuses other methods', async () => {
    const head = await request(proxy.port, { host: 'site.test', path: '/style.css', method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '6');
    assert.equal(head.body.length, 0);
    const etag = String(head.headers.etag);
    assert.equal((await get('/style.css', { 'If-None-Match': etag })).status, 304);
    assert.equal((await get('/style.css', { 'If-Modified-Since': String(head.headers['last-modified']) })).status, 304);
    const post = await request(proxy.port, { host: 'site.test', path: '/', method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('never serves anything outside the site directory', async () => {
    const attempts = [
      '/../secret.txt', '/docs/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt',
      '/..%2fsecret.txt', '/docs/..%5c..%5csecret.txt', '/%252e%252e/secret.txt', '/.%2e/secret.txt',
      '//' + path.join(base, 'secret.txt'), '/leak.txt', '/up/secret.txt',
      '/secret.txt%00.html', '/.env', '/.git/config', '/%2egit/config',
    ];
    for (const target of attempts) {
      const reply = await rawGet(proxy.port, target);
      const status = Number(reply.slice(9, 12));
      assert.ok(status === 404 || status === 400, `${target} → ${status}`);
      assert.ok(!reply.includes('TOP SECRET') && !reply.includes('private') && !reply.includes('SECRET=1'), target);
    }
    assert.equal((await get('/bad%zzencoding')).status, 400);
    assert.equal(Number((await rawGet(proxy.port, 'http://site.test/index.html')).slice(9, 12)), 400);
  });

  it('decodes request paths into plain segments', () => {
    assert.deepEqual(sitePath('/a/b%20c/?q=1'), { ok: true, segments: ['a', 'b c'], directory: true, query: '?q=1' });
    assert.deepEqual(sitePath('/.well-known/x'), { ok: true, segments: ['.well-known', 'x'], directory: false, query: '' });
    assert.deepEqual(sitePath('/a%2fb'), { ok: false, status: 404 });
    assert.deepEqual(sitePath('relative'), { ok: false, status: 400 });
  });
});
