// Upgrade requests through the proxy with raw sockets (no ws package): the 101 handshake,
// bytes both ways including those sent with the headers, teardown, and the failure answers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import { deadPort, LOOPBACK, startProxy, startServer, type TestProxy, type TestServer } from './helpers.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = createHash('sha1').update(`${KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

function upgradeRequest(port: number, host: string): Promise<{ res: http.IncomingMessage; socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: LOOPBACK,
      port,
      path: '/chat?room=1',
      agent: false,
      headers: { Host: host, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': KEY, 'Sec-WebSocket-Version': '13' },
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => resolve({ res, socket, head }));
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Reads from a socket until the text seen so far contains `text`. */
function readUntil(socket: Socket, text: string, initial = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = initial;
    if (seen.includes(text)) return resolve(seen);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (seen.includes(text)) {
        socket.off('data', onData);
        resolve(seen);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed before '${text}'; saw '${seen}'`)));
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => {
  if (socket.destroyed) resolve();
  else socket.once('close', () => resolve());
});

describe('proxy websockets', () => {
  let proxy: TestProxy;
  let upstream: TestServer;
  const upstreamSockets: Socket[] = [];
  let upgradeHeaders: http.IncomingHttpHeaders | undefined;

  before(async () => {
    upstream = await startServer((req, res) => res.end('plain'), (req, socket) => {
      upgradeHeaders = req.headers;
      if (req.url === '/refuse') {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope\n');
        return;
      }
      upstreamSockets.push(socket);
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      // The greeting rides right behind the 101, so the proxy must relay bytes it got with the headers.
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\nhello;`);
      socket.on('data', (chunk: Buffer) => socket.write(chunk.toString('latin1').toUpperCase()));
      socket.on('end', () => socket.end());
      socket.on('error', () => socket.destroy());
    });
    proxy = await startProxy();
    proxy.proxy.setRoutes('ws', ['ws.test'], [{ host: '127.0.0.1', port: upstream.port }]);
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('completes the handshake and echoes both ways', async () => {
    const { res, socket, head } = await upgradeRequest(proxy.port, 'ws.test');
    assert.equal(res.statusCode, 101);
    assert.equal(res.headers['sec-websocket-accept'], ACCEPT);
    assert.equal(upgradeHeaders?.upgrade, 'websocket');
    assert.equal(upgradeHeaders?.['x-forwarded-for'], '127.0.0.1');
    await readUntil(socket, 'hello;', head.toString('latin1'));
    socket.write('ping');
    await readUntil(socket, 'PING');
    const server = upstreamSockets.at(-1);
    assert.ok(server);
    socket.end();
    await closed(server);
    await closed(socket);
  });

  it('relays bytes the client sent together with its upgrade headers', async () => {
    const socket = net.connect(proxy.port, LOOPBACK);
    socket.write(`GET /raw HTTP/1.1\r\nHost: ws.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${KEY}\r\n\r\nearly`);
    const seen = await readUntil(socket, 'EARLY');
    assert.match(seen, /^HTTP\/1\.1 101 /);
    assert.ok(seen.indexOf('hello;') < seen.indexOf('EARLY'));
    socket.destroy();
  });

  it('closes the client side when the upstream goes away', async () => {
    const { socket } = await upgradeRequest(proxy.port, 'ws.test');
    const server = upstreamSockets.at(-1);
    assert.ok(server);
    server.destroy();
    await closed(socket);
  });

  it('relays an upstream that declines to switch', async () => {
    const socket = net.connect(proxy.port, LOOPBACK);
    socket.write('GET /refuse HTTP/1.1\r\nHost: ws.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    const seen = await readUntil(socket, 'nope');
    assert.match(seen, /^HTTP\/1\.1 403 Forbidden\r\n/);
    await closed(socket);
  });

  it('answers 404, 503 and 502 on the upgrade path too', async () => {
    const ask = async (host: string): Promise<string> => {
      const socket = net.connect(proxy.port, LOOPBACK);
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      const seen = await readUntil(socket, '</html>');
      await closed(socket);
      return seen;
    };
    proxy.proxy.setRoutes('empty', ['empty.test'], []);
    proxy.proxy.setRoutes('gone', ['gone.test'], [{ host: '127.0.0.1', port: await deadPort() }]);
    assert.match(await ask('nowhere.test'), /^HTTP\/1\.1 404 [^]*No app is configured for host nowhere\.test/);
    assert.match(await ask('empty.test'), /^HTTP\/1\.1 503 [^]*empty has no running web processes/);
    assert.match(await ask('gone.test'), /^HTTP\/1\.1 502 [^]*gone did not answer/);
    const socket = net.connect(proxy.port, LOOPBACK);
    socket.write('POST / HTTP/1.1\r\nHost: ws.test\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nbody');
    assert.match(await readUntil(socket, '</html>'), /^HTTP\/1\.1 501 /);
  });

  it('cuts open tunnels when the proxy closes', async () => {
    const own = await startProxy();
    own.proxy.setRoutes('ws', ['ws.test'], [{ host: '127.0.0.1', port: upstream.port }]);
    const { socket } = await upgradeRequest(own.port, 'ws.test');
    const server = upstreamSockets.at(-1);
    assert.ok(server);
    await own.close();
    await closed(socket);
    await closed(server);
  });
});
