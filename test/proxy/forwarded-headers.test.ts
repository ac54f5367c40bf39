// 10.7: X-Forwarded-* come from the connection unless the peer is a trusted proxy
// (SLIPWAY_TRUSTED_PROXIES), and a request with two Host headers gets 400. Real HTTP over loopback:
// a client, the proxy and an upstream that reports the headers it received.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { LOOPBACK, request, startProxy, startServer, type TestProxy, type TestServer } from './helpers.js';

const SPOOFED = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Port': '1' };

/** Sends raw bytes and reads until the proxy closes the connection. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, LOOPBACK, () => socket.write(text));
    let reply = '';
    socket.on('data', (chunk: Buffer) => { reply += chunk.toString('latin1'); });
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}

describe('10.7 proxy headers: X-Forwarded-* from the connection, trusted proxies, one Host', () => {
  let upstream: TestServer;
  const seen: IncomingHttpHeaders[] = [];
  const proxies: TestProxy[] = [];

  async function proxyTrusting(list: string[]): Promise<TestProxy> {
    const proxy = await startProxy({ trustedProxies: list });
    proxy.proxy.setRoutes('fwd', ['fwd.test'], [{ host: LOOPBACK, port: upstream.port }]);
    proxies.push(proxy);
    return proxy;
  }

  async function headersThrough(proxy: TestProxy, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
    seen.length = 0;
    const reply = await request(proxy.port, { host: 'fwd.test:8443', headers });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(seen.length, 1);
    return seen[0];
  }

  before(async () => {
    upstream = await startServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.end('ok');
    }, (req, socket) => {
      seen.push(req.headers);
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n');
    });
  });
  after(async () => {
    for (const proxy of proxies) await proxy.close();
    await upstream.close();
  });

  it('10.7 an untrusted client\'s X-Forwarded-* are replaced by what the connection shows', async () => {
    const proxy = await proxyTrusting([]);
    const headers = await headersThrough(proxy, SPOOFED);
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['x-forwarded-proto'], 'http');
    assert.equal(headers['x-forwarded-host'], 'fwd.test:8443');
    assert.equal(headers['x-forwarded-port'], String(proxy.port));
    assert.equal(headers.host, 'fwd.test:8443');
  });

  it('10.7 a list that does not hold the peer changes nothing (other ranges, IPv6 loopback)', async () => {
    const proxy = await proxyTrusting(['10.0.0.0/8', '::1', '127.0.0.2']);
    const headers = await headersThrough(proxy, SPOOFED);
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['x-forwarded-proto'], 'http');
    assert.equal(headers['x-forwarded-host'], 'fwd.test:8443');
  });

  it('10.7 a trusted peer (address or range): X-Forwarded-For is appended to, its Proto/Host/Port kept', async () => {
    for (const list of [['127.0.0.1'], ['192.0.2.0/24', '127.0.0.0/8']]) {
      const proxy = await proxyTrusting(list);
      const headers = await headersThrough(proxy, SPOOFED);
      assert.equal(headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1', list.join());
      assert.equal(headers['x-forwarded-proto'], 'https');
      assert.equal(headers['x-forwarded-host'], 'evil.example');
      assert.equal(headers['x-forwarded-port'], '1');
      // A trusted proxy that sends none: the connection's values, as for anyone.
      const bare = await headersThrough(proxy, {});
      assert.equal(bare['x-forwarded-for'], '127.0.0.1');
      assert.equal(bare['x-forwarded-proto'], 'http');
      assert.equal(bare['x-forwarded-port'], String(proxy.port));
    }
  });

  it('10.7 every request on one keep-alive connection gets the connection\'s values (untrusted and trusted peers)', async () => {
    for (const [list, expectedFor] of [[[], '127.0.0.1'], [['127.0.0.1'], '203.0.113.9, 127.0.0.1']] as const) {
      const proxy = await proxyTrusting([...list]);
      seen.length = 0;
      const spoof = 'X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n';
      const reply = await raw(proxy.port, `GET /1 HTTP/1.1\r\nHost: fwd.test\r\n\r\nGET /2 HTTP/1.1\r\nHost: fwd.test\r\n${spoof}\r\n`
        + `GET /3 HTTP/1.1\r\nHost: fwd.test\r\n${spoof}Connection: close\r\n\r\n`);
      assert.equal(reply.match(/HTTP\/1\.1 200 /g)?.length, 3, reply);
      assert.equal(seen.length, 3);
      assert.equal(seen[0]['x-forwarded-for'], '127.0.0.1');
      assert.equal(seen[0]['x-forwarded-proto'], 'http');
      for (const headers of seen.slice(1)) {
        assert.equal(headers['x-forwarded-for'], expectedFor, list.join());
        assert.equal(headers['x-forwarded-proto'], list.length === 0 ? 'http' : 'https');
        assert.equal(headers['x-forwarded-port'], String(proxy.port));
      }
    }
  });

  it('10.7 the WebSocket path sets the same headers', async () => {
    const proxy = await proxyTrusting([]);
    seen.length = 0;
    const reply = await raw(proxy.port, 'GET /ws HTTP/1.1\r\nHost: fwd.test\r\nConnection: Upgrade\r\nUpgrade: test\r\n'
      + 'X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 101 /);
    assert.equal(seen[0]['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen[0]['x-forwarded-proto'], 'http');
  });

  it('10.7 two Host headers get 400 and never reach the app, on plain and upgrade requests', async () => {
    const proxy = await proxyTrusting(['127.0.0.1']);
    seen.length = 0;
    for (const second of ['Host: other.test', 'HOST: fwd.test', 'host: fwd.test']) {
      const plain = await raw(proxy.port, `GET / HTTP/1.1\r\nHost: fwd.test\r\n${second}\r\nConnection: close\r\n\r\n`);
      assert.match(plain, /^HTTP\/1\.1 400 /, second);
      assert.match(plain, /More than one Host header/);
      const upgrade = await raw(proxy.port, `GET / HTTP/1.1\r\nHost: fwd.test\r\n${second}\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n`);
      assert.match(upgrade, /^HTTP\/1\.1 400 /, second);
    }
    assert.equal(seen.length, 0);
    assert.equal((await request(proxy.port, { host: 'fwd.test' })).text, 'ok');
  });
});
