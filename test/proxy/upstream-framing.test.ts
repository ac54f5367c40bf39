// The proxy's own upstream client against an upstream that writes raw bytes: chunked bodies with
// trailers, bodies ended by the close, informational answers, HEAD, keep-alive reuse and the
// upstream's Keep-Alive timeout, a keep-alive socket the upstream drops as it is reused (retried
// for a GET, never for a POST), and malformed answers (a 502 page, the connection never reused).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { LOOPBACK, request, startProxy, type TestProxy } from './helpers.js';

interface RawRequest { readonly head: string; readonly connection: number; readonly index: number }
type Answer = (request: RawRequest, socket: net.Socket) => void;

/** A raw upstream: parses request heads (bodies by Content-Length or chunked, read and dropped) and lets `answer` write bytes. */
async function rawUpstream(answer: Answer): Promise<{ port: number; connections: () => number; heads: string[]; close(): Promise<void> }> {
  let connections = 0;
  const heads: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const connection = ++connections;
    let index = 0;
    let pending = Buffer.alloc(0);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = pending.subarray(0, end).toString('latin1');
        let rest = pending.subarray(end + 4);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (length !== null) {
          if (rest.length < Number(length[1])) return;
          rest = rest.subarray(Number(length[1]));
        } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
          const last = rest.indexOf('0\r\n\r\n');
          if (last === -1) return;
          rest = rest.subarray(last + 5);
        }
        pending = rest;
        heads.push(head);
        answer({ head, connection, index: index++ }, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    heads,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

const keepAliveAgent = (): http.Agent => new http.Agent({ keepAlive: true, maxSockets: 1 });

describe('proxy: the upstream client against raw upstream answers', () => {
  let proxy: TestProxy;
  const upstreams: Array<{ close(): Promise<void> }> = [];

  before(async () => {
    proxy = await startProxy();
  });
  after(async () => {
    await proxy.close();
    for (const upstream of upstreams) await upstream.close();
  });

  async function route(answer: Answer): Promise<Awaited<ReturnType<typeof rawUpstream>> & { host: string }> {
    const upstream = await rawUpstream(answer);
    upstreams.push(upstream);
    const host = `raw${upstreams.length}.test`;
    proxy.proxy.setRoutes(`raw${upstreams.length}`, [host], [{ host: LOOPBACK, port: upstream.port }]);
    return { ...upstream, host };
  }

  it('decodes a chunked answer with trailers and re-frames it for the client; the connection is reused', async () => {
    const upstream = await route((_request, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n');
      socket.write('6;ext=1\r\nhello \r\n');
      setTimeout(() => socket.write('5\r\nworld\r\n0\r\nX-Sum: 1\r\n\r\n'), 20);
    });
    for (let i = 0; i < 3; i++) {
      const reply = await request(proxy.port, { host: upstream.host });
      assert.equal(reply.status, 200);
      assert.equal(reply.text, 'hello world');
      assert.equal(reply.headers['x-kind'], 'chunked');
      assert.equal(reply.headers['x-sum'], undefined, 'trailers stay on the upstream hop');
    }
    assert.equal(upstream.connections(), 1);
    assert.match(upstream.heads[0], /^GET \/ HTTP\/1\.1\r\n/);
    assert.match(upstream.heads[0], /\r\nX-Forwarded-For: 127\.0\.0\.1/);
  });

  it('passes a body ended by the close, then opens a new connection for the next request', async () => {
    const upstream = await route((_request, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ');
      setTimeout(() => socket.end('the close'), 20);
    });
    assert.equal((await request(proxy.port, { host: upstream.host })).text, 'until the close');
    assert.equal((await request(proxy.port, { host: upstream.host })).text, 'until the close');
    assert.equal(upstream.connections(), 2);
  });

  it('skips 103 and 100 answers, gives HEAD no body, and keeps one connection for all of it', async () => {
    const upstream = await route(({ head }, socket) => {
      if (head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n');
      else socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated');
    });
    const agent = keepAliveAgent();
    const post = await request(proxy.port, { host: upstream.host, method: 'POST', body: 'data', agent });
    assert.equal(post.status, 201);
    assert.equal(post.text, 'created');
    const head = await request(proxy.port, { host: upstream.host, method: 'HEAD', agent });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '12');
    assert.equal(head.body.length, 0);
    assert.equal((await request(proxy.port, { host: upstream.host, agent })).text, 'created');
    agent.destroy();
    assert.equal(upstream.connections(), 1);
    assert.match(upstream.heads[0], /\r\nContent-Length: 4(\r\n|$)/);
  });

  it('re-chunks a client body of unknown length', async () => {
    const upstream = await route((_request, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const reply = await request(proxy.port, { host: upstream.host, method: 'PUT', body: Readable.from([Buffer.from('part one, '), Buffer.from('part two')]) });
    assert.equal(reply.text, 'ok');
    const head = upstream.heads.at(-1) ?? '';
    assert.match(head, /\r\nTransfer-Encoding: chunked(\r\n|$)/);
    assert.doesNotMatch(head, /content-length/i);
  });

  it('honours the upstream\'s Keep-Alive timeout: one second or less means a connection per request', async () => {
    const upstream = await route((_request, socket) => socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok'));
    for (let i = 0; i < 3; i++) assert.equal((await request(proxy.port, { host: upstream.host })).text, 'ok');
    assert.equal(upstream.connections(), 3);
  });

  it('retries a GET on a fresh connection when a reused one is dropped before any answer; a POST gets 502', async () => {
    const upstream = await route(({ index, head }, socket) => {
      // Every connection answers its first request and drops the second one unanswered.
      if (index === 0) socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n${head.startsWith('POST') ? 'post ' : 'first'}`);
      else socket.destroy();
    });
    assert.equal((await request(proxy.port, { host: upstream.host })).text, 'first');
    assert.equal((await request(proxy.port, { host: upstream.host })).text, 'first');
    assert.equal(upstream.connections(), 2);
    const errorsBefore = proxy.errors.length;
    const post = await request(proxy.port, { host: upstream.host, method: 'POST', body: 'x' });
    assert.equal(post.status, 502);
    assert.match(proxy.errors.slice(errorsBefore).join('\n'), /upstream 127\.0\.0\.1:\d+ failed: the upstream closed the connection/);
  });

  it('answers 502 to a malformed answer and never reuses that connection', async () => {
    const upstream = await route(({ index }, socket) => {
      if (index === 0 && upstream.connections() === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine');
    });
    const errorsBefore = proxy.errors.length;
    const bad = await request(proxy.port, { host: upstream.host });
    assert.equal(bad.status, 502);
    assert.match(bad.text, /502 Bad Gateway/);
    assert.match(proxy.errors.slice(errorsBefore).join('\n'), /conflicting Content-Length/);
    assert.equal((await request(proxy.port, { host: upstream.host })).text, 'fine');
    assert.equal(upstream.connections(), 2);
  });

  it('cuts the client when the upstream sends fewer bytes than it announced and closes', async () => {
    const upstream = await route((_request, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'));
    await assert.rejects(request(proxy.port, { host: upstream.host }));
  });

  it('queues requests beyond the connection limit and serves them all as connections free up', async () => {
    const limited = await startProxy({ maxSocketsPerUpstream: 2 });
    try {
      let open = 0;
      let most = 0;
      const upstream = await rawUpstream((_request, socket) => {
        open++;
        most = Math.max(most, open);
        setTimeout(() => {
          open--;
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow');
        }, 50);
      });
      upstreams.push(upstream);
      limited.proxy.setRoutes('limited', ['limited.test'], [{ host: LOOPBACK, port: upstream.port }]);
      const replies = await Promise.all(Array.from({ length: 7 }, () => request(limited.port, { host: 'limited.test' })));
      assert.deepEqual(replies.map((r) => r.text), Array(7).fill('slow'));
      assert.equal(upstream.connections(), 2);
      assert.equal(most, 2);
    } finally {
      await limited.close();
    }
  });
});
