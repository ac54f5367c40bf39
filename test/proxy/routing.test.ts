// Requests through a real proxy to real upstreams: Host routing, the proxy's own 404/503/502
// pages, round-robin, and the retry that steps over an upstream that refuses connections.
import assert from 'node:assert/strict';
import http from 'node:http';
import { deadPort, named, request, startProxy, startServer, type TestProxy, type TestServer } from './helpers.js';

describe('proxy routing', () => {
  let proxy: TestProxy;
  const servers: TestServer[] = [];
  const start = async (name: string) => {
    const server = await named(name);
    servers.push(server);
    return server;
  };

  beforeEach(async () => { proxy = await startProxy(); });
  afterEach(async () => {
    await proxy.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('routes by Host header, ignoring case and port, with wildcard fallback', async () => {
    const one = await start('one');
    const two = await start('two');
    proxy.proxy.setRoutes('one', ['one.test'], [{ host: '127.0.0.1', port: one.port }]);
    proxy.proxy.setRoutes('two', ['two.test', '*.two.test'], [{ host: '127.0.0.1', port: two.port }]);
    assert.equal((await request(proxy.port, { host: 'ONE.test:8080' })).text, 'one');
    assert.equal((await request(proxy.port, { host: 'two.test' })).text, 'two');
    assert.equal((await request(proxy.port, { host: 'x.y.two.test' })).text, 'two');
  });

  it('answers an unknown host with a 404 page naming the host, escaped', async () => {
    const reply = await request(proxy.port, { host: 'nobody.test' });
    assert.equal(reply.status, 404);
    assert.match(reply.text, /No app is configured for host nobody\.test/);
    const hostile = await request(proxy.port, { host: '<script>x</script>.test' });
    assert.equal(hostile.status, 404);
    assert.ok(!hostile.text.includes('<script>'));
    assert.match(hostile.text, /&#60;script&#62;/);
  });

  it('answers 503 for an app without upstreams and 404 once the app is removed', async () => {
    proxy.proxy.setRoutes('idle', ['idle.test'], []);
    const reply = await request(proxy.port, { host: 'idle.test' });
    assert.equal(reply.status, 503);
    assert.match(reply.text, /idle has no running web processes/);
    proxy.proxy.removeApp('idle');
    assert.equal((await request(proxy.port, { host: 'idle.test' })).status, 404);
  });

  it('answers 502 when every upstream refuses, and keeps serving afterwards', async () => {
    proxy.proxy.setRoutes('down', ['down.test'], [{ host: '127.0.0.1', port: await deadPort() }]);
    for (const method of ['GET', 'POST']) {
      const reply = await request(proxy.port, { host: 'down.test', method, body: method === 'POST' ? 'data' : undefined });
      assert.equal(reply.status, 502);
      assert.match(reply.text, /down did not answer/);
    }
    assert.ok(proxy.errors.some((e) => /ECONNREFUSED/.test(e)), proxy.errors.join('\n'));
    const alive = await start('alive');
    proxy.proxy.setRoutes('down', ['down.test'], [{ host: '127.0.0.1', port: alive.port }]);
    assert.equal((await request(proxy.port, { host: 'down.test' })).text, 'alive');
  });

  it('spreads requests round-robin over an app\'s upstreams', async () => {
    const names = ['u0', 'u1', 'u2'];
    const upstreams = await Promise.all(names.map(start));
    proxy.proxy.setRoutes('rr', ['rr.test'], upstreams.map((u) => ({ host: '127.0.0.1', port: u.port })));
    const agent = new http.Agent({ keepAlive: true });
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) seen.push((await request(proxy.port, { host: 'rr.test', agent })).text);
    agent.destroy();
    assert.deepEqual(seen, [...names, ...names, ...names]);
  });

  it('retries the next upstream when one refuses, for GET and for POST with a body', async () => {
    const alive = await start('alive');
    proxy.proxy.setRoutes('half', ['half.test'], [
      { host: '127.0.0.1', port: await deadPort() },
      { host: '127.0.0.1', port: alive.port },
    ]);
    for (let i = 0; i < 6; i++) {
      const reply = await request(proxy.port, { host: 'half.test', method: i % 2 ? 'POST' : 'GET', body: i % 2 ? 'x'.repeat(1000) : undefined });
      assert.equal(reply.status, 200);
      assert.equal(reply.text, 'alive');
    }
  });

  it('retries an idempotent request whose reused keep-alive connection was reset, not a POST', async () => {
    // The upstream drops any second request on a connection, like a server whose keep-alive
    // timeout fired just as the proxy reused the socket.
    const counts = new WeakMap<object, number>();
    const flaky = await startServer((req, res) => {
      const n = (counts.get(req.socket) ?? 0) + 1;
      counts.set(req.socket, n);
      if (n > 1 && req.url === '/drop') {
        req.socket.destroy();
        return;
      }
      req.resume();
      req.on('end', () => res.end(`ok ${req.method}`));
    });
    servers.push(flaky);
    proxy.proxy.setRoutes('flaky', ['flaky.test'], [{ host: '127.0.0.1', port: flaky.port }]);
    assert.equal((await request(proxy.port, { host: 'flaky.test' })).text, 'ok GET');
    assert.equal((await request(proxy.port, { host: 'flaky.test', path: '/drop' })).text, 'ok GET');
    assert.equal((await request(proxy.port, { host: 'flaky.test', method: 'POST' })).status, 200);
    assert.equal((await request(proxy.port, { host: 'flaky.test', path: '/drop', method: 'POST' })).status, 502);
  });
});
