// The dashboard in a real headless Chromium (Debian's `chromium`, driven by puppeteer-core): log in
// with a token from a real `ssh dashboard:login`, watch a `git push` deploy stream into the page,
// roll back with two clicks and see the proxy serve the old release, set and reveal a config value,
// scale, see the process table follow a scale made over SSH without a reload, and a non-admin key
// that cannot see or change another app (also by forged requests).
// Screenshots of each page go to a temp folder named in the output (never committed).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServer, makeKey, type ClientKey } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';

const CHROMIUM = process.env.SLIPWAY_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** Loaded at run time by name: a checkout without it still compiles, and this suite says it skipped. */
const PUPPETEER = 'puppeteer-core';

// The few puppeteer-core calls this suite makes (its own types need the package at compile time).
interface Cookie { name: string; httpOnly: boolean; sameSite?: string }
interface Page {
  goto(url: string): Promise<{ status(): number } | null>;
  click(selector: string): Promise<void>;
  type(selector: string, text: string): Promise<void>;
  waitForNavigation(options?: { timeout?: number }): Promise<unknown>;
  waitForFunction(fn: () => unknown, options?: { timeout?: number }): Promise<unknown>;
  $eval<T>(selector: string, fn: (element: Element) => T): Promise<T>;
  $$eval<T>(selector: string, fn: (elements: Element[]) => T): Promise<T>;
  $$(selector: string): Promise<Array<{ click(): Promise<void> }>>;
  evaluate<T>(fn: () => T | Promise<T>): Promise<T>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  setViewport(viewport: { width: number; height: number }): Promise<void>;
  reload(): Promise<unknown>;
  content(): Promise<string>;
  cookies(): Promise<Cookie[]>;
  url(): string;
  close(): Promise<void>;
  browserContext(): Context;
  keyboard: { press(key: string): Promise<void> };
}
interface Context { newPage(): Promise<Page>; close(): Promise<void> }
interface Browser { createBrowserContext(): Promise<Context>; close(): Promise<void> }
interface Puppeteer { launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser> }

/** GET through the built-in proxy with a Host header; the body. */
function viaProxy(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('dashboard in headless Chromium', function () {
  this.timeout(300_000);
  let server: TestServer;
  let browser: Browser | undefined;
  let work: AppWork;
  let dev: ClientKey;
  let shots: string;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`      skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
      this.skip();
    }
    let puppeteer: { default: Puppeteer };
    try {
      puppeteer = await import(PUPPETEER) as { default: Puppeteer };
    } catch (error) {
      console.log(`      skipped: puppeteer-core is not installed (npm ci): ${(error as Error).message.split('\n')[0]}`);
      this.skip();
    }
    shots = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-dashboard-screenshots-'));
    console.log(`      screenshots: ${shots}`);
    server = await TestServer.start();
    dev = await makeKey(server.dir, 'dev');
    for (const args of [['ssh-keys:add', 'dev', dev.publicKey], ['apps:create', 'web'], ['apps:create', 'other'], ['acl:add', 'web', 'dev'], ['config:set', '--no-restart', 'other', 'OTHER_SECRET=not-for-dev']]) {
      const r = await server.dokku(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    work = await appWork(server);
    const first = await work.push('web');
    assert.equal(first.exitCode, 0, String(first.stderr));
    browser = await puppeteer.default.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in a container has no user namespaces for Chromium's sandbox.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function loginUrl(key?: ClientKey, extra: string[] = []): Promise<string> {
    const r = await server.ssh(['dashboard:login', ...extra], { key });
    assert.equal(r.code, 0, r.stderr);
    const url = r.stdout.split('\n').find((l) => l.startsWith('http'));
    assert.ok(url, r.stdout);
    return url;
  }

  /** Opens the login URL in a fresh browser context (its own cookies) and presses Continue. */
  async function logIn(key?: ClientKey): Promise<Page> {
    const context = await browser!.createBrowserContext();
    const page = await context.newPage();
    await page.goto(await loginUrl(key));
    await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }

  async function text(page: Page): Promise<string> {
    return page.$eval('main', (m) => (m as HTMLElement).innerText);
  }

  it('logs in with the URL from ssh dashboard:login and shows the apps', async () => {
    const page = await logIn();
    assert.equal(new URL(page.url()).pathname, '/');
    const body = await text(page);
    assert.match(body, /\bweb\b/);
    assert.match(body, /\bother\b/);
    assert.match(body, /Release: v1/);
    assert.match(body, /running/);
    const cookies = await page.cookies();
    const session = cookies.find((c) => c.name === 'slipway_session');
    assert.ok(session && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
    await shot(page, 'apps');
    await page.setViewport({ width: 360, height: 740 });
    await page.reload();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the apps page fits 360 px');
    await shot(page, 'apps-360px');
    await page.close();
  });

  it('a used or expired token is refused', async () => {
    const context = await browser!.createBrowserContext();
    const page = await context.newPage();
    const url = await loginUrl();
    await page.goto(url);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
    assert.equal(new URL(page.url()).pathname, '/');
    const second = await context.newPage();
    await second.goto(url);
    await Promise.all([second.waitForNavigation(), second.click('form[action="/login"] button')]);
    assert.match(await text(second), /not valid: it was used already, it expired/);
    const expiring = await loginUrl(undefined, ['--expires-in', '1']);
    await sleep(1_500);
    const fresh = await (await browser!.createBrowserContext()).newPage();
    await fresh.goto(expiring);
    await Promise.all([fresh.waitForNavigation(), fresh.click('form[action="/login"] button')]);
    assert.match(await text(fresh), /not valid/);
    assert.equal((await fresh.cookies()).length, 0, 'no session cookie');
    await shot(fresh, 'login-refused');
    await context.close();
    await fresh.browserContext().close();
  });

  it('streams a git push deploy into the app page line by line, as the pusher sees it', async function () {
    // Seen twice on a heavily loaded machine: the page missed the end of the build (the failure
    // message below carries the page's state and the server log). One more try, on a new push.
    this.retries(1);
    const page = await logIn();
    await page.goto(`${server.dashboardUrl}/apps/web`);
    // The page follows the deploy log before the push starts.
    await page.waitForFunction(() => document.querySelector('#deploy-status')?.textContent?.includes('No deploy running'));
    await page.waitForFunction(() => (document.querySelector('#deploy-log') as HTMLElement | null)?.dataset.connected === '1');
    fs.writeFileSync(path.join(work.work, 'version.txt'), 'v2\n');
    fs.writeFileSync(path.join(work.work, 'attempt.txt'), `${Date.now()}\n`);
    assert.equal((await work.git(['add', '-A'])).exitCode, 0);
    assert.equal((await work.git(['commit', '-qm', 'v2'])).exitCode, 0);
    let pushed = false;
    const push = work.push('web').then((r) => { pushed = true; return r; });
    const state = () => page.evaluate(() => `status: ${document.querySelector('#deploy-status')?.textContent}\nlog: ${document.querySelector('#deploy-log')?.textContent}`);
    await page.waitForFunction(() => (document.querySelector('#deploy-log')?.childNodes.length ?? 0) >= 3, { timeout: 120_000 })
      .catch(async (error: Error) => { throw new Error(`${error.message}; pushed: ${pushed}\n${await state()}\n${server.output.slice(-3000)}`); });
    const seenWhilePushing = !pushed;
    const result = await push;
    assert.equal(result.exitCode, 0, String(result.stderr));
    await page.waitForFunction(() => document.querySelector('#deploy-status')?.textContent?.includes('Build finished: succeeded'), { timeout: 120_000 })
      .catch(async (error: Error) => { throw new Error(`${error.message}\n${await state()}`); });
    assert.ok(seenWhilePushing, 'lines reached the page while the push was still running');
    const lines = await page.$$eval('#deploy-log span', (spans) => spans.map((s) => (s.textContent ?? '').replace(/\n$/, '')));
    const remote = String(result.stderr).split('\n').filter((l) => l.startsWith('remote: ')).map((l) => l.slice('remote: '.length).trimEnd());
    const shown = lines.map((l) => l.trimEnd()).filter((l) => l.trim());
    assert.ok(shown.length >= 3, lines.join('\n'));
    for (const line of shown) assert.ok(remote.includes(line), `page line ${JSON.stringify(line)} is one the pusher saw:\n${remote.join('\n')}`);
    assert.ok(shown.some((l) => /^-----> /.test(l)), shown.join('\n'));
    assert.equal(await viaProxy(server.httpPort, 'web.localhost'), 'v2 web.1');
    await shot(page, 'app-deploy-log');
    // The finished build's log stays readable from the page's list of past builds.
    await page.reload();
    await Promise.all([page.waitForNavigation(), page.click('#h-deploy ~ ul a')]);
    const past = await page.$eval('pre', (p) => (p as HTMLElement).innerText);
    assert.ok(shown.every((l) => past.includes(l)), past);
    await shot(page, 'build-log');
    // Log out from the page: the session ends and its cookie opens nothing.
    await page.goto(`${server.dashboardUrl}/`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
    assert.equal(new URL(page.url()).pathname, '/login');
    const again = await page.goto(`${server.dashboardUrl}/apps/web`);
    assert.equal(new URL(page.url()).pathname, '/login', `after logout: ${again?.status()}`);
    await page.close();
  });

  it('rolls back with a click (after confirming) and the proxy serves the old release', async () => {
    const page = await logIn();
    await page.goto(`${server.dashboardUrl}/apps/web`);
    const [button] = await page.$$('xpath/.//button[normalize-space()="Roll back to v1"]');
    assert.ok(button, 'a rollback button for v1');
    await Promise.all([page.waitForNavigation(), button.click()]);
    assert.match(await text(page), /Roll back web to v1\?/);
    await shot(page, 'rollback-confirm');
    // Keyboard alone: the confirm button has the focus; Enter presses it.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'confirm-rollback');
    await Promise.all([page.waitForNavigation({ timeout: 120_000 }), page.keyboard.press('Enter')]);
    const body = await text(page);
    assert.match(body, /Roll back to v1: done/, body);
    assert.equal(await viaProxy(server.httpPort, 'web.localhost'), 'v1 web.1');
    const events = await server.ssh(['events', '-n', '100']);
    assert.match(events.stdout, /COMMAND releases:rollback APP=web NAME=admin EXIT=0/);
    await shot(page, 'rollback-done');
    await page.close();
  });

  it('sets a config value (no restart), keeps it masked until revealed; scales a process', async () => {
    const page = await logIn();
    await page.goto(`${server.dashboardUrl}/apps/web`);
    await page.type('#config-key', 'GREETING');
    await page.type('#config-value', 'hello-from-the-browser');
    await page.click('#config-restart');
    await Promise.all([page.waitForNavigation(), page.click('#config button[type=submit]:not(.danger)')]);
    assert.match(await text(page), /Set GREETING \(no restart\): done/);
    assert.equal((await server.ssh(['config:get', 'web', 'GREETING'])).stdout.trim(), 'hello-from-the-browser');
    assert.doesNotMatch(await page.content(), /hello-from-the-browser/, 'the value is not in the page until revealed');
    await Promise.all([page.waitForNavigation(), page.click('a[aria-label="Reveal GREETING"]')]);
    assert.match(await page.$eval('#config', (s) => (s as HTMLElement).innerText), /hello-from-the-browser/);
    await shot(page, 'app-config-revealed');
    await page.$eval('#scale-web', (input) => { (input as HTMLInputElement).value = ''; });
    await page.type('#scale-web', '2');
    await Promise.all([page.waitForNavigation({ timeout: 120_000 }), page.click('form[action="/apps/web/scale"] button')]);
    assert.match(await text(page), /Scale web=2 worker=0: done/);
    const report = await server.ssh(['ps:scale', 'web']);
    assert.match(report.stdout, /web:\s+2/);
    const served = new Set<string>();
    for (let i = 0; i < 20 && served.size < 2; i++) served.add(await viaProxy(server.httpPort, 'web.localhost'));
    assert.deepEqual([...served].sort(), ['v1 web.1 hello-from-the-browser', 'v1 web.2 hello-from-the-browser']);
    await page.setViewport({ width: 360, height: 740 });
    await page.reload();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the app page fits 360 px');
    const unlabeled = await page.$$eval('input:not([type=hidden]), select, textarea', (fields) => fields.filter((f) => !(f as HTMLInputElement).labels?.length && !f.getAttribute('aria-label')).map((f) => f.outerHTML));
    assert.deepEqual(unlabeled, [], 'every field has a label');
    await shot(page, 'app-360px');
    await page.close();
  });

  it('the process table follows a scale made over SSH, without a reload', async () => {
    const page = await logIn();
    await page.goto(`${server.dashboardUrl}/apps/web`);
    await page.waitForFunction(() => (document.querySelector('#deploy-log') as HTMLElement | null)?.dataset.connected === '1');
    // Gone if the page were loaded again.
    await page.evaluate(() => { document.body.dataset.marker = 'same page'; });
    assert.equal(await page.$eval('#processes-body', (b) => (b as HTMLElement).innerText.includes('web.3')), false);
    const scaled = await server.ssh(['ps:scale', 'web', 'web=3']);
    assert.equal(scaled.code, 0, scaled.stderr);
    await page.waitForFunction(() => document.querySelector('#processes-body')?.textContent?.includes('web.3'), { timeout: 120_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.marker), 'same page', 'updated in place, not reloaded');
    assert.equal(await page.$eval('#scale-web', (input) => (input as HTMLInputElement).value), '3');
    await shot(page, 'app-processes-live');
    assert.equal((await server.ssh(['ps:scale', 'web', 'web=1'])).code, 0);
    await page.close();
  });

  it('a non-admin key\'s session sees only its apps and cannot change another, even by forged requests', async () => {
    const page = await logIn(dev);
    const body = await text(page);
    assert.match(body, /\bweb\b/);
    assert.doesNotMatch(body, /\bother\b/);
    await shot(page, 'apps-non-admin');
    const direct = await page.goto(`${server.dashboardUrl}/apps/other`);
    assert.equal(direct?.status(), 404);
    await page.goto(`${server.dashboardUrl}/apps/web`);
    // Forged from a page of its own session: the right CSRF token, another app's URL.
    const statuses = await page.evaluate(async () => {
      const csrf = (document.querySelector('input[name=csrf]') as HTMLInputElement).value;
      const post = (url: string, fields: Record<string, string>) => fetch(url, { method: 'POST', body: new URLSearchParams({ csrf, ...fields }) }).then((r) => r.status);
      return [
        await post('/apps/other/config', { key: 'OTHER_SECRET', value: 'stolen', restart: '1' }),
        await post('/apps/other/config/unset', { key: 'OTHER_SECRET' }),
        await post('/apps/other/scale', { 'scale.web': '5' }),
        await post('/apps/other/rollback', { version: '1', confirm: 'yes' }),
        await fetch('/apps/other?reveal=OTHER_SECRET').then((r) => r.status),
        await fetch('/events').then((r) => r.status),
      ];
    });
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 403]);
    assert.equal((await server.ssh(['config:get', 'other', 'OTHER_SECRET'])).stdout.trim(), 'not-for-dev');
    const admin = await logIn();
    const events = await admin.goto(`${server.dashboardUrl}/events`);
    assert.equal(events?.status(), 200);
    assert.match(await text(admin), /dashboard:login session [0-9a-f]{12} .*NAME=dev/);
    await shot(admin, 'events');
    await page.browserContext().close();
    await admin.browserContext().close();
  });
});
