// The dashboard's live streams against a real server (no browser): pages of /apps/APP/live/deploy
// get a real `git push`'s build log (the lines the pusher sees), all of them the same lines although
// one page never reads, and a page opened mid-build the lines so far; the process and release
// tables reach open pages when a push or `ssh ps:scale` changes them, each rendered with that
// page's own session token; a key whose access ends stops getting them; app log pages share one
// follower and a later page gets the recent lines.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, makeKey, type ClientKey } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';

interface SseEvent { event: string; data: string }

/** One open event stream: every event read so far, and a wait for one that matches. */
class Stream {
  readonly events: SseEvent[] = [];
  ended = false;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private req?: http.ClientRequest;

  static open(url: string, cookie: string): Promise<Stream> {
    const stream = new Stream();
    return new Promise((resolve, reject) => {
      stream.req = http.get(url, { headers: { cookie } }, (res) => {
        if (res.statusCode !== 200) { reject(new Error(`${url}: status ${res.statusCode}`)); res.resume(); return; }
        res.setEncoding('utf8');
        res.on('data', (text: string) => stream.take(text));
        res.on('end', () => { stream.ended = true; stream.notify(); });
        res.on('error', () => undefined);
        resolve(stream);
      });
      stream.req.on('error', reject);
    });
  }

  private take(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith(':')) event = 'comment';
      }
      this.events.push({ event, data: data.join('\n') });
    }
    this.notify();
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The first event (from `from` on) that matches; fails after timeoutMs with what was seen. */
  async waitFor(match: (e: SseEvent) => boolean, what: string, from = 0, timeoutMs = 120_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (this.ended) throw new Error(`stream ended before ${what}:\n${JSON.stringify(this.events.slice(-20), null, 1)}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${JSON.stringify(this.events.slice(-20), null, 1)}`);
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 1000); });
    }
  }

  /** The build's lines: message events between its `build` and `done` events. */
  buildLines(id: string): string[] {
    const start = this.events.findIndex((e) => e.event === 'build' && e.data === id);
    const end = this.events.findIndex((e, i) => i > start && e.event === 'done');
    return this.events.slice(start + 1, end).filter((e) => e.event === 'message').map((e) => e.data);
  }

  close(): void {
    this.req?.destroy();
  }
}

/** A page that never reads: a raw socket, paused, with the smallest receive buffer the kernel gives. */
function stalledPage(base: string, pathname: string, cookie: string): net.Socket {
  const url = new URL(base);
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  socket.on('error', () => undefined);
  socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${cookie}\r\n\r\n`);
  socket.pause();
  return socket;
}

function viaProxy(port: number, pathname: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, headers: { host: 'web.localhost' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('dashboard live streams (server, real push and ps:scale)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let work: AppWork;
  let dev: ClientKey;
  const open: Stream[] = [];
  const sockets: net.Socket[] = [];

  before(async () => {
    server = await TestServer.start();
    dev = await makeKey(server.dir, 'dev');
    for (const args of [['ssh-keys:add', 'dev', dev.publicKey], ['apps:create', 'web'], ['acl:add', 'web', 'dev']]) {
      const r = await server.dokku(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    work = await appWork(server);
    const first = await work.push('web');
    assert.equal(first.exitCode, 0, String(first.stderr));
  });

  after(async () => {
    for (const stream of open) stream.close();
    for (const socket of sockets) socket.destroy();
    await server?.stop();
  });

  /** A session for the key, from a real `ssh dashboard:login`: its cookie and CSRF token. */
  async function logIn(key?: ClientKey): Promise<{ cookie: string; csrf: string }> {
    const r = await server.ssh(['dashboard:login'], { key });
    assert.equal(r.code, 0, r.stderr);
    const url = new URL(r.stdout.split('\n').find((l) => l.startsWith('http')) ?? '');
    const res = await fetch(new URL('/login', server.dashboardUrl), { method: 'POST', body: new URLSearchParams({ token: url.searchParams.get('token') ?? '' }), redirect: 'manual' });
    assert.equal(res.status, 303);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    const page = await (await fetch(new URL('/apps/web', server.dashboardUrl), { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([0-9a-f]{64})"/.exec(page)?.[1];
    assert.ok(csrf, page);
    return { cookie, csrf };
  }

  async function stream(pathname: string, cookie: string): Promise<Stream> {
    const s = await Stream.open(new URL(pathname, server.dashboardUrl).toString(), cookie);
    open.push(s);
    await s.waitFor((e) => e.event === 'comment', 'the stream to open');
    return s;
  }

  it('a push streams the same build lines to every open page, one page never reading, and the tables follow', async () => {
    const { cookie } = await logIn();
    const pages = [await stream('/apps/web/live/deploy', cookie), await stream('/apps/web/live/deploy', cookie), await stream('/apps/web/live/deploy', cookie)];
    sockets.push(stalledPage(server.dashboardUrl, '/apps/web/live/deploy', cookie));
    const marks = pages.map((p) => p.events.length);
    fs.writeFileSync(path.join(work.work, 'version.txt'), 'v2\n');
    assert.equal((await work.git(['commit', '-qam', 'v2'])).exitCode, 0);
    const result = await work.push('web');
    assert.equal(result.exitCode, 0, String(result.stderr));
    const remote = String(result.stderr).split('\n').filter((l) => l.startsWith('remote: ')).map((l) => l.slice('remote: '.length).trimEnd());
    let first: string[] | undefined;
    for (const [n, page] of pages.entries()) {
      const build = await page.waitFor((e) => e.event === 'build', 'a build event', marks[n]);
      assert.equal((await page.waitFor((e) => e.event === 'done', 'the build\'s end', marks[n])).data, 'succeeded');
      const lines = page.buildLines(build.data).map((l) => l.trimEnd());
      assert.ok(lines.some((l) => /^-----> /.test(l)), lines.join('\n'));
      for (const line of lines.filter((l) => l.trim())) assert.ok(remote.includes(line), `page line ${JSON.stringify(line)} is one the pusher saw:\n${remote.join('\n')}`);
      if (first) assert.deepEqual(lines, first, 'every page got the same lines');
      first = lines;
      // The release table now has v2 as the current release, and v1 can be rolled back to.
      const releases = await page.waitFor((e) => e.event === 'releases' && /<tr><td>v2<\/td>(?:(?!<\/tr>).)*state-current/s.test(e.data), 'a releases table with v2 current', marks[n]);
      assert.match(releases.data, /Roll back to v1/);
      await page.waitFor((e) => e.event === 'processes' && /<td>web\.1<\/td>/.test(e.data), 'a processes table', marks[n]);
    }
    assert.equal(await viaProxy(server.httpPort, '/'), 'v2 web.1');
  });

  it('a page opened mid-build gets the build\'s lines so far, then the rest with the others, and how it ended', async () => {
    for (const args of [['apps:create', 'slow'], ['config:set', '--no-restart', 'slow', 'npm_config_offline=true']]) {
      const r = await server.dokku(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    // The marker is joined at run time: npm's echo of the command line does not contain it.
    const sleeper = "console.log(['slow', 'build', 'started'].join('-')); setTimeout(() => {}, 600000)";
    const slow = await appWork(server, { files: { 'package.json': JSON.stringify({ name: 'slow', version: '1.0.0', private: true, scripts: { build: `node -e "${sleeper}"` } }) } });
    const { cookie } = await logIn();
    const early = await stream('/apps/slow/live/deploy', cookie);
    const push = slow.push('slow');
    const build = await early.waitFor((e) => e.event === 'build', 'a build event');
    await early.waitFor((e) => e.event === 'message' && e.data.includes('slow-build-started'), 'the build\'s marker line');
    const late = await stream('/apps/slow/live/deploy', cookie);
    assert.equal((await late.waitFor((e) => e.event === 'build', 'a build event on the later page')).data, build.data);
    await late.waitFor((e) => e.event === 'message' && e.data.includes('slow-build-started'), 'the lines so far on the later page');
    const cancel = await server.ssh(['builds:cancel', 'slow']);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.notEqual((await push).exitCode, 0);
    for (const page of [early, late]) {
      assert.equal((await page.waitFor((e) => e.event === 'done', 'the build\'s end')).data, 'canceled');
      assert.ok(page.buildLines(build.data).some((l) => /was canceled/.test(l)), page.buildLines(build.data).join('\n'));
    }
    assert.deepEqual(late.buildLines(build.data), early.buildLines(build.data), 'the later page got every line once, in order');
  });

  it('ssh ps:scale reaches open pages\' process tables, each with its own session\'s CSRF token', async () => {
    const admin = await logIn();
    const developer = await logIn(dev);
    const pages = [await stream('/apps/web/live/deploy', admin.cookie), await stream('/apps/web/live/deploy', developer.cookie)];
    const marks = pages.map((p) => p.events.length);
    const scaled = await server.ssh(['ps:scale', 'web', 'web=2']);
    assert.equal(scaled.code, 0, scaled.stderr);
    for (const [n, page] of pages.entries()) {
      const table = await page.waitFor((e) => e.event === 'processes' && /<td>web\.2<\/td>/.test(e.data), 'a processes table with web.2', marks[n]);
      assert.match(table.data, /id="scale-web" name="scale\.web" min="0" max="100" value="2"/);
      const token = /name="csrf" value="([0-9a-f]{64})"/.exec(table.data)?.[1];
      assert.equal(token, [admin, developer][n].csrf, 'the form carries this page\'s own session token');
    }
    const back = await server.ssh(['ps:scale', 'web', 'web=1']);
    assert.equal(back.code, 0, back.stderr);
    const mark = pages[0].events.length;
    const table = await pages[0].waitFor((e) => e.event === 'processes' && /value="1"/.test(e.data), 'a processes table back at web=1', mark);
    assert.doesNotMatch(table.data, /<td>web\.2<\/td>/);
  });

  it('a key whose access ended is told, and its page gets no more tables', async () => {
    const developer = await logIn(dev);
    const page = await stream('/apps/web/live/deploy', developer.cookie);
    const removed = await server.dokku(['acl:remove', 'web', 'dev']);
    assert.equal(removed.code, 0, removed.stderr);
    try {
      const mark = page.events.length;
      assert.equal((await server.ssh(['ps:scale', 'web', 'web=1'])).code, 0);
      const state = await page.waitFor((e) => e.event === 'state', 'a state event', mark);
      assert.match(state.data, /no longer yours/);
      await page.waitFor(() => false, 'the end of the stream', mark).catch((error: Error) => assert.match(error.message, /stream ended/));
      assert.ok(!page.events.slice(mark).some((e) => e.event === 'processes' || e.event === 'releases'), JSON.stringify(page.events.slice(mark)));
      assert.equal((await fetch(new URL('/apps/web/live/deploy', server.dashboardUrl), { headers: { cookie: developer.cookie } })).status, 404);
    } finally {
      assert.equal((await server.dokku(['acl:add', 'web', 'dev'])).code, 0);
    }
  });

  it('app log pages share one follower: each open page gets a new line, and a later page the recent ones', async () => {
    const { cookie } = await logIn();
    const pages = [await stream('/apps/web/live/logs?type=web', cookie), await stream('/apps/web/live/logs?type=web', cookie)];
    sockets.push(stalledPage(server.dashboardUrl, '/apps/web/live/logs?type=web', cookie));
    const marker = `/live-test-${process.pid}`;
    assert.match(await viaProxy(server.httpPort, marker), /^v2 web\.1/);
    for (const page of pages) await page.waitFor((e) => e.event === 'message' && e.data.includes(`request GET ${marker}`), `the log line of ${marker}`);
    const later = await stream('/apps/web/live/logs?type=web', cookie);
    const line = await later.waitFor((e) => e.event === 'message' && e.data.includes(`request GET ${marker}`), 'the recent line on a later page');
    assert.match(line.data, /app\[web\.1\]: request GET/);
  });
});
