// Hostile clients of the built-in proxy in a real `slipway serve`: odd Host headers (long, with a
// port, upper case, a trailing dot, two of them, none), slowloris clients that send their headers
// a byte a second while a normal client is served, and an app whose processes crashed or were
// stopped: every answer is a clear status page, never a hang and never another app's response.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { until } from '../helpers/ssh-client.js';
import { eventually } from '../deploy/helpers.js';
import { PushClient } from '../faults/push-client.js';

const APP = 'front';
const SLOW_CLIENTS = 20;
/** A request that gets no answer within this is a hang (generous: the answers take milliseconds). */
const HANG_MS = 30_000;

/** Echoes the Host it got and how many Host headers reached it; /crash makes it crash for good
 *  (while the flag file exists it exits at start, so the supervisor keeps restarting it). */
const ECHO_SERVER = `const http = require('node:http');
const fs = require('node:fs');
const flag = process.env.CRASH_FLAG;
if (fs.existsSync(flag)) process.exit(1);
http.createServer((req, res) => {
  if (req.url === '/crash') { fs.writeFileSync(flag, ''); process.exit(1); }
  const hosts = req.rawHeaders.filter((v, i) => i % 2 === 0 && v.toLowerCase() === 'host').length;
  res.end(JSON.stringify({ app: 'front', host: req.headers.host, hosts }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

interface RawReply { status: number; head: string; body: string }

/** Sends raw bytes, reads until the server closes; rejects when nothing comes back in HANG_MS. */
function raw(port: number, request: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('latin1');
    socket.setTimeout(HANG_MS, () => { socket.destroy(); reject(new Error(`no answer within ${HANG_MS} ms to ${JSON.stringify(request.slice(0, 80))}`)); });
    socket.on('data', (chunk: string) => { data += chunk; });
    socket.on('error', reject);
    socket.on('close', () => {
      const split = data.indexOf('\r\n\r\n');
      const head = split === -1 ? data : data.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: split === -1 ? '' : data.slice(split + 4) });
    });
  });
}

function request(port: number, host: string, urlPath = '/'): Promise<RawReply> {
  return raw(port, `GET ${urlPath} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
}

describe('security: proxy abuse', function () {
  this.timeout(180_000);
  let server: TestServer;
  let port = 0;
  let crashFlag: string;

  before(async () => {
    server = await TestServer.start();
    crashFlag = path.join(server.dir, 'crash-flag');
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', APP, `CRASH_FLAG=${crashFlag}`])).code, 0);
    assert.equal((await server.ssh(['apps:create', 'other'])).code, 0);
    const client = new PushClient(server, path.join(server.dir, 'work'));
    await client.init({ Procfile: 'web: node server.cjs\n', 'server.cjs': ECHO_SERVER });
    const push = await client.push(APP);
    assert.equal(push.code, 0, push.stderr);
    await until(() => /\(proxy\)/.test(server.output));
    port = server.httpPort;
  });
  after(async () => { await server?.stop(); });

  it('Host with a port, in upper case or with a trailing dot reaches the app', async () => {
    for (const host of [`${APP}.localhost`, `${APP}.localhost:8080`, `${APP.toUpperCase()}.LOCALHOST`, `${APP}.localhost.`, `${APP}.localhost.:80`]) {
      const reply = await request(port, host);
      assert.equal(reply.status, 200, `${host}: ${reply.head}`);
      assert.equal((JSON.parse(reply.body) as { hosts: number }).hosts, 1, host);
    }
  });

  it('unknown, empty, junk and very long Host headers get a short 404 page that echoes a bounded, escaped name', async () => {
    const long = `${'a'.repeat(8000)}.localhost`;
    for (const host of ['nobody.localhost', '', ':80', '[::1', '<script>x</script>', long, `${APP}.localhost..`, `x.${APP}.localhost`]) {
      const reply = await request(port, host);
      assert.equal(reply.status, 404, `${JSON.stringify(host.slice(0, 40))}: ${reply.head}`);
      assert.match(reply.body, /No app is configured for host/);
      assert.doesNotMatch(reply.body, /<script>/);
      assert.ok(reply.body.length < 2048, `page of ${reply.body.length} bytes`);
    }
  });

  it('a Host header beyond the header size limit is refused (431) and the proxy keeps serving', async () => {
    const reply = await request(port, `${'b'.repeat(20_000)}.localhost`);
    assert.ok([400, 431].includes(reply.status), reply.head);
    assert.equal((await request(port, `${APP}.localhost`)).status, 200);
  });

  it('10.7 two Host headers get 400 in either order, and the app never sees the request', async () => {
    // RFC 9112 §3.2: which Host names the app is ambiguous, and a backend might read the other one.
    for (const hosts of [[`${APP}.localhost`, 'other.localhost'], ['other.localhost', `${APP}.localhost`], [`${APP}.localhost`, `${APP}.localhost`]]) {
      const reply = await raw(port, `GET / HTTP/1.1\r\nHost: ${hosts[0]}\r\nHost: ${hosts[1]}\r\nConnection: close\r\n\r\n`);
      assert.equal(reply.status, 400, reply.head);
      assert.doesNotMatch(reply.body, /"app":"front"/);
    }
    assert.equal((await request(port, `${APP}.localhost`)).status, 200);
  });

  it(`${SLOW_CLIENTS} slowloris clients (headers a byte a second) do not block a normal request`, async () => {
    const slow: net.Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    try {
      for (let i = 0; i < SLOW_CLIENTS; i++) {
        const socket = net.connect(port, '127.0.0.1');
        socket.on('error', () => socket.destroy());
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(`GET / HTTP/1.1\r\nHost: ${APP}.localhost\r\nX-Slow: `);
        timers.push(setInterval(() => { if (!socket.destroyed) socket.write('a'); }, 1000));
        slow.push(socket);
      }
      // Let every slow client trickle a few bytes first.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      for (let i = 0; i < 5; i++) {
        const reply = await request(port, `${APP}.localhost`);
        assert.equal(reply.status, 200, reply.head);
      }
      assert.ok(slow.every((s) => !s.destroyed), 'the slow clients are still connected (the normal ones did not wait for them)');
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const socket of slow) socket.destroy();
    }
  });

  it('regression: slowloris clients that never finish their headers are cut by the headers timeout (408), not kept forever', async function () {
    this.timeout(170_000);
    const slow: Array<{ socket: net.Socket; closed: Promise<string> }> = [];
    const timers: NodeJS.Timeout[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const socket = net.connect(port, '127.0.0.1');
        let data = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => { data += chunk; });
        socket.on('error', () => socket.destroy());
        const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(`GET / HTTP/1.1\r\nHost: ${APP}.localhost\r\nX-Slow: `);
        timers.push(setInterval(() => { if (!socket.destroyed) socket.write('a'); }, 1000));
        slow.push({ socket, closed });
      }
      // Node's default headersTimeout (60 s) applies although requestTimeout is 0 (large uploads).
      for (const { closed } of slow) assert.match(await closed, /^HTTP\/1\.1 408 /);
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const { socket } of slow) socket.destroy();
    }
  });

  it('an app whose process crashed answers a 502 page at once, not a hang; it serves again once it starts', async () => {
    const crash = await request(port, `${APP}.localhost`, '/crash');
    assert.equal(crash.status, 502, crash.head);
    assert.match(crash.body, /did not answer: its web processes may have crashed or be restarting/);
    for (let i = 0; i < 5; i++) {
      const reply = await request(port, `${APP}.localhost`);
      assert.equal(reply.status, 502, reply.head);
      assert.match(reply.head, /Content-Type: text\/html/i);
    }
    fs.rmSync(crashFlag);
    await eventually(async () => ((await request(port, `${APP}.localhost`)).status === 200 ? true : undefined), 250);
  });

  it('a stopped app answers a 503 page; ps:start brings it back', async () => {
    assert.equal((await server.ssh(['ps:stop', APP])).code, 0);
    const reply = await request(port, `${APP}.localhost`);
    assert.equal(reply.status, 503, reply.head);
    assert.match(reply.body, /has no running web processes/);
    const start = await server.ssh(['ps:start', APP]);
    assert.equal(start.code, 0, start.stderr);
    assert.equal((await request(port, `${APP}.localhost`)).status, 200);
  });
});
