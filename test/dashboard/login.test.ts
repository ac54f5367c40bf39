// The dashboard's doors over plain HTTP (no browser): a token from a real `ssh dashboard:login`
// opens one session for that key; tokens are single-use and expire; every POST needs the session's
// CSRF token and a same-origin page; a non-admin key's session cannot see or change another app,
// however the request is forged; sessions are listed and ended over SSH; changes reach `events`.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServer, makeKey, type ClientKey } from '../helpers/server.js';

interface Answer { status: number; text: string; headers: Headers }

describe('dashboard: login, sessions, CSRF and access (HTTP)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let dev: ClientKey;

  before(async () => {
    server = await TestServer.start();
    dev = await makeKey(server.dir, 'dev');
    for (const args of [['ssh-keys:add', 'dev', dev.publicKey], ['apps:create', 'mine'], ['apps:create', 'other'], ['acl:add', 'mine', 'dev'], ['config:set', '--no-restart', 'other', 'SECRET=other-secret']]) {
      const r = await server.dokku(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  });
  after(async () => { await server?.stop(); });

  async function loginUrl(key?: ClientKey, extra: string[] = []): Promise<URL> {
    const r = await server.ssh(['dashboard:login', ...extra], { key });
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.startsWith('http'));
    assert.ok(line, r.stdout);
    return new URL(line);
  }

  async function request(path: string, options: { method?: string; cookie?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.cookie) headers.cookie = options.cookie;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const res = await fetch(new URL(path, server.dashboardUrl), { method: options.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  /** Trades the URL's token for a session cookie (`slipway_session=…`). */
  async function logIn(url: URL): Promise<{ cookie: string; csrf: string }> {
    const answer = await request('/login', { form: { token: url.searchParams.get('token') ?? '' } });
    assert.equal(answer.status, 303, answer.text);
    const setCookie = answer.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    const page = await request('/', { cookie });
    const csrf = /name="csrf" value="([0-9a-f]{64})"/.exec(page.text)?.[1];
    assert.ok(csrf, page.text);
    return { cookie, csrf };
  }

  it('prints a one-time URL on the dashboard listener; the token opens a session once', async () => {
    const url = await loginUrl();
    assert.equal(url.origin, server.dashboardUrl);
    assert.match(url.pathname, /^\/login$/);
    const form = await request(`/login${url.search}`);
    assert.equal(form.status, 200);
    assert.match(form.text, /<form method="post" action="\/login">/, 'GET only shows a form: a link preview cannot use the token');
    const { cookie } = await logIn(url);
    const apps = await request('/', { cookie });
    assert.equal(apps.status, 200);
    assert.match(apps.text, /href="\/apps\/mine"/);
    assert.match(apps.text, /href="\/apps\/other"/);
    const again = await request('/login', { form: { token: url.searchParams.get('token') ?? '' } });
    assert.equal(again.status, 403, 'a used token is refused');
    assert.equal(again.headers.get('set-cookie'), null);
  });

  it('refuses an expired token, a made-up one, and a page with no session', async () => {
    const url = await loginUrl(undefined, ['--expires-in', '1']);
    await sleep(1_500);
    const expired = await request('/login', { form: { token: url.searchParams.get('token') ?? '' } });
    assert.equal(expired.status, 403);
    assert.match(expired.text, /used already, it expired/);
    const madeUp = await request('/login', { form: { token: `sld_${'A'.repeat(43)}` } });
    assert.equal(madeUp.status, 403);
    const anonymous = await request('/apps/mine');
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get('location'), '/login');
    const forgedCookie = await request('/', { cookie: `slipway_session=${'0'.repeat(12)}.${'A'.repeat(43)}` });
    assert.equal(forgedCookie.status, 303);
  });

  it('a POST needs the session\'s CSRF token and a same-origin page', async () => {
    const { cookie, csrf } = await logIn(await loginUrl());
    const form = { key: 'FROM_FORM', value: 'x', restart: '1' };
    assert.equal((await request('/apps/mine/config', { cookie, form })).status, 403, 'no CSRF token');
    assert.equal((await request('/apps/mine/config', { cookie, form: { ...form, csrf: 'f'.repeat(64) } })).status, 403, 'a wrong CSRF token');
    assert.equal((await request('/apps/mine/config', { cookie, form: { ...form, csrf }, headers: { origin: 'http://evil.example' } })).status, 403, 'another origin');
    assert.equal((await request('/apps/mine/config', { cookie, form: { ...form, csrf }, headers: { 'sec-fetch-site': 'cross-site' } })).status, 403, 'a cross-site fetch');
    const unchanged = await server.ssh(['config:get', 'mine', 'FROM_FORM']);
    assert.notEqual(unchanged.code, 0, 'nothing was set by the refused requests');
    const ok = await request('/apps/mine/config', { cookie, form: { key: 'FROM_FORM', value: 'kept', csrf } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await server.ssh(['config:get', 'mine', 'FROM_FORM'])).stdout.trim(), 'kept');
  });

  it('a non-admin key\'s session sees and changes only its granted apps, however the request is forged', async () => {
    const { cookie, csrf } = await logIn(await loginUrl(dev));
    const apps = await request('/', { cookie });
    assert.match(apps.text, /href="\/apps\/mine"/);
    assert.doesNotMatch(apps.text, /other/);
    assert.equal((await request('/apps/other', { cookie })).status, 404);
    assert.equal((await request('/apps/other?reveal=SECRET', { cookie })).status, 404);
    assert.equal((await request('/apps/other/live/logs', { cookie })).status, 404);
    assert.equal((await request('/apps/other/live/deploy', { cookie })).status, 404);
    assert.equal((await request('/events', { cookie })).status, 403, 'events are for admins, as over SSH');
    for (const [path, form] of [
      ['/apps/other/config', { key: 'SECRET', value: 'stolen', restart: '1' }],
      ['/apps/other/config/unset', { key: 'SECRET' }],
      ['/apps/other/scale', { 'scale.web': '3' }],
      ['/apps/other/rollback', { version: '1', confirm: 'yes' }],
      ['/apps/--global/config', { key: 'GLOBAL_X', value: '1' }],
    ] as const) {
      const answer = await request(path, { cookie, form: { ...form, csrf } });
      assert.equal(answer.status, 404, `${path}: ${answer.status}`);
      assert.doesNotMatch(answer.text, /other-secret/);
    }
    assert.equal((await server.ssh(['config:get', 'other', 'SECRET'])).stdout.trim(), 'other-secret');
    assert.notEqual((await server.ssh(['config:get', '--global', 'GLOBAL_X'])).code, 0);
    // On its own app it acts as itself: the change is logged with its key name.
    const set = await request('/apps/mine/config', { cookie, form: { key: 'DEV_SET', value: 'yes', csrf } });
    assert.equal(set.status, 200, set.text);
    const events = await server.ssh(['events', '-n', '50']);
    assert.match(events.stdout, /COMMAND config:set APP=mine KEYS=DEV_SET NAME=dev EXIT=0/);
    assert.match(events.stdout, /EVENT: dashboard:login session [0-9a-f]{12} .* NAME=dev/);
  });

  it('dashboard:sessions lists a key\'s sessions and dashboard:logout ends them', async () => {
    const { cookie } = await logIn(await loginUrl(dev));
    const listed = await server.ssh(['dashboard:sessions', '--format', 'json'], { key: dev });
    assert.equal(listed.code, 0, listed.stderr);
    const sessions = JSON.parse(listed.stdout) as Array<{ id: string; name: string }>;
    assert.ok(sessions.length >= 1);
    assert.ok(sessions.every((s) => s.name === 'dev'), 'a key sees only its own sessions');
    const adminList = JSON.parse((await server.ssh(['dashboard:sessions', '--format', 'json'])).stdout) as Array<{ id: string }>;
    const ended = await server.ssh(['dashboard:logout', sessions[0].id]);
    assert.notEqual(ended.code, 0, 'another key\'s session is not found');
    assert.ok(!adminList.some((s) => s.id === sessions[0].id));
    assert.equal((await request('/', { cookie })).status, 200);
    const out = await server.ssh(['dashboard:logout', '--all'], { key: dev });
    assert.equal(out.code, 0, out.stderr);
    assert.equal((await request('/', { cookie })).status, 303, 'the ended session opens nothing');
  });

  it('a session ends with its key: ssh-keys:remove logs it out', async () => {
    const temp = await makeKey(server.dir, 'temp');
    assert.equal((await server.dokku(['ssh-keys:add', 'temp', temp.publicKey])).code, 0);
    const { cookie } = await logIn(await loginUrl(temp));
    assert.equal((await request('/', { cookie })).status, 200);
    assert.equal((await server.dokku(['ssh-keys:remove', 'temp'])).code, 0);
    assert.equal((await request('/', { cookie })).status, 303);
  });

  it('dashboard:login needs a key: the local CLI is told to use SSH', async () => {
    const local = await server.dokku(['dashboard:login']);
    assert.notEqual(local.code, 0);
    assert.match(local.stderr, /dashboard:login runs over SSH|dashboard is off/);
  });
});
