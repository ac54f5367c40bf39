// What crosses the proxy besides routing: X-Forwarded-* headers, hop-by-hop headers dropped,
// repeated response headers kept, and 20 MB bodies streamed through in both directions.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { request, startProxy, startServer, type TestProxy, type TestServer } from './helpers.js';

const BLOCK = randomBytes(64 * 1024);
const BLOCKS = 320; // 20 MiB

function bigStream(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      this.push(sent++ < BLOCKS ? BLOCK : null);
    },
  });
}

function bigHash(): string {
  const hash = createHash('sha256');
  for (let i = 0; i < BLOCKS; i++) hash.update(BLOCK);
  return hash.digest('hex');
}

describe('proxy forwarding', () => {
  let proxy: TestProxy;
  let upstream: TestServer;
  let seen: IncomingHttpHeaders[];
  let downloadsCut = 0;
  let pollsCut = 0;
  let pollArrived: (() => void) | undefined;

  before(async () => {
    seen = [];
    upstream = await startServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/upload') {
        const hash = createHash('sha256');
        let bytes = 0;
        req.on('data', (chunk: Buffer) => { bytes += chunk.length; hash.update(chunk); });
        req.on('end', () => res.end(JSON.stringify({ bytes, sha: hash.digest('hex') })));
      } else if (req.url === '/download') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.on('close', () => { if (!res.writableFinished) downloadsCut++; });
        bigStream().pipe(res);
      } else if (req.url === '/poll') {
        // A long poll: no answer until the client gives up, which must reach the upstream.
        res.on('close', () => { if (!res.writableFinished) pollsCut++; });
        pollArrived?.();
      } else if (req.url === '/die') {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('partial');
        setImmediate(() => req.socket.destroy());
      } else {
        req.resume();
        res.writeHead(200, [
          'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Upstream', 'yes',
          'Connection', 'keep-alive, X-Private', 'X-Private', 'secret', 'Keep-Alive', 'timeout=5',
        ]);
        res.end('headers');
      }
    });
    proxy = await startProxy();
    proxy.proxy.setRoutes('fwd', ['fwd.test'], [{ host: '127.0.0.1', port: upstream.port }]);
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('sets X-Forwarded-* headers from the connection and keeps Host (more in forwarded-headers.test.ts)', async () => {
    seen.length = 0;
    await request(proxy.port, {
      host: 'Fwd.test:8443',
      headers: { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', 'X-Custom': 'kept' },
    });
    const headers = seen[0];
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['x-forwarded-proto'], 'http');
    assert.equal(headers['x-forwarded-host'], 'Fwd.test:8443');
    assert.equal(headers['x-forwarded-port'], String(proxy.port));
    assert.equal(headers.host, 'Fwd.test:8443');
    assert.equal(headers['x-custom'], 'kept');
    assert.match(String(headers['x-request-start']), /^\d+\.\d{3}$/);
  });

  it('drops hop-by-hop headers both ways and keeps repeated response headers', async () => {
    seen.length = 0;
    const reply = await request(proxy.port, {
      host: 'fwd.test',
      headers: { Connection: 'X-Hop', 'X-Hop': 'drop me', 'Proxy-Connection': 'keep-alive', TE: 'trailers' },
    });
    const headers = seen[0];
    assert.equal(headers['x-hop'], undefined);
    assert.equal(headers['proxy-connection'], undefined);
    assert.equal(headers.te, undefined);
    assert.deepEqual(reply.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(reply.headers['x-upstream'], 'yes');
    assert.equal(reply.headers['x-private'], undefined);
    assert.notEqual(reply.headers['keep-alive'], 'timeout=5');
  });

  it('streams a 20 MB upload, chunked and with a Content-Length', async () => {
    const expected = { bytes: BLOCK.length * BLOCKS, sha: bigHash() };
    const chunked = await request(proxy.port, { host: 'fwd.test', method: 'POST', path: '/upload', body: bigStream() });
    assert.equal(chunked.status, 200);
    assert.deepEqual(JSON.parse(chunked.text), expected);
    const sized = await request(proxy.port, {
      host: 'fwd.test', method: 'PUT', path: '/upload', body: bigStream(),
      headers: { 'Content-Length': String(expected.bytes) },
    });
    assert.deepEqual(JSON.parse(sized.text), expected);
  });

  it('streams a 20 MB download', async () => {
    const reply = await request(proxy.port, { host: 'fwd.test', path: '/download' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.length, BLOCK.length * BLOCKS);
    assert.equal(createHash('sha256').update(reply.body).digest('hex'), bigHash());
  });

  it('cuts the client when the upstream dies mid-response, and the upstream when the client leaves', async () => {
    await assert.rejects(request(proxy.port, { host: 'fwd.test', path: '/die' }));
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/download', headers: { host: 'fwd.test' }, agent: false }, (res) => {
        res.once('data', () => { req.destroy(); resolve(); });
      });
      req.on('error', (error) => { if (!req.destroyed) reject(error); });
    });
    while (downloadsCut === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await request(proxy.port, { host: 'fwd.test' })).text, 'headers');
  });

  it('cuts the upstream request when the client leaves before any answer', async () => {
    const arrived = new Promise<void>((resolve) => { pollArrived = resolve; });
    const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/poll', headers: { host: 'fwd.test' }, agent: false });
    req.on('error', () => undefined);
    await arrived;
    req.destroy();
    while (pollsCut === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await request(proxy.port, { host: 'fwd.test' })).text, 'headers');
  });
});
