// The web dashboard (SLIPWAY_DASHBOARD_LISTEN): server-rendered pages for the apps a session's key
// may see. Reads go through src/access/ and the store; every change is a command run through the
// router as that key (src/dashboard/run.ts), so it is checked and logged exactly as over SSH.
import http from 'node:http';
import type https from 'node:https';
import { HttpsListener } from '../os/https-listener.js';
import type { AddressInfo } from 'node:net';
import type { Booted } from '../boot.js';
import type { Settings } from '../settings.js';
import { isValidAppName, type AppName } from '../names.js';
import { withinSession } from '../os/fault-boundary.js';
import { csrfMatches, endSessions, openSession, redeemLoginToken, type OpenSession } from '../access/dashboard-sessions.js';
import { logEvent } from '../core/events/audit.js';
import { displayStatus } from '../store/index.js';
import type { AppActivity } from '../deploy/activity.js';
import { COOKIE, baseHeaders, isHttps, readCookie, readForm, redirect, sameOrigin, sendHtml, sessionCookie } from './http.js';
import { appDetail, appSummaries, mayUse } from './read.js';
import { runCommand, type CommandResult } from './run.js';
import { LivePage, openEventStream } from './live.js';
import { AppFeed } from './app-feed.js';
import { LogFeed } from './log-feed.js';
import { CSS, JS } from './assets.js';
import * as views from './views.js';

const PROCESS_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Calls leave once the page's stream closes (at once when it closed already: the feed must not keep it). */
function untilClosed(signal: AbortSignal, leave: () => void): void {
  if (signal.aborted) leave();
  else signal.addEventListener('abort', leave, { once: true });
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, session: OpenSession, app: AppName, url: URL) => Promise<void>;

export class DashboardServer {
  private readonly server: http.Server | https.Server;
  private readonly secure?: HttpsListener;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly stopping = new AbortController();
  private address?: AddressInfo;
  /** One feed per app with open pages (its build log and tables), one follower per app log stream. */
  private readonly appFeeds = new Map<AppName, AppFeed>();
  private readonly logFeeds = new Map<string, LogFeed>();
  /** Activity announced so far, and at which count each app last changed (a page says which it saw). */
  private activityCount = 0;
  private readonly changedAt = new Map<AppName, number>();
  private readonly stopListening: () => void;

  constructor(private readonly booted: Booted, private readonly settings: Settings, private readonly log: (line: string) => void) {
    const onRequest: http.RequestListener = (req, res) => {
      res.on('error', (error) => this.log(`dashboard: response: ${error.message}`));
      req.on('error', (error) => this.log(`dashboard: request: ${error.message}`));
      const fail = () => { if (res.headersSent) res.destroy(); else sendHtml(res, 500, views.messagePage('Error', 'Something went wrong; the server log says what.')); };
      withinSession({ label: `dashboard ${req.method ?? ''} ${(req.url ?? '').split('?')[0]}`, fail }, () => {
        this.handle(req, res).catch((error: unknown) => {
          this.log(`dashboard: ${error instanceof Error ? error.stack : String(error)}`);
          fail();
        });
      });
    };
    // With the dashboard host's certificate (SLIPWAY_DASHBOARD_TLS_CERT/KEY) the listener is HTTPS.
    if (settings.dashboardTls) {
      this.secure = new HttpsListener(settings.dashboardTls, onRequest, log, 'dashboard', 'SLIPWAY_DASHBOARD_TLS_CERT, SLIPWAY_DASHBOARD_TLS_KEY');
      this.server = this.secure.server;
    } else {
      this.server = http.createServer(onRequest);
    }
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 60_000;
    this.stopListening = booted.services.platform?.onActivity((event) => this.activity(event)) ?? (() => undefined);
  }

  /** The platform's announcements reach the app's feed, when a page of that app is open. */
  private activity(event: AppActivity): void {
    this.changedAt.set(event.app, ++this.activityCount);
    this.appFeeds.get(event.app)?.activity(event);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => { this.server.off('error', reject); resolve(); });
    });
    this.address = this.server.address() as AddressInfo;
    return this.address;
  }

  /** The URL users open: SLIPWAY_DASHBOARD_URL, else the listener's own address. */
  url(): string | undefined {
    if (this.settings.dashboardUrl) return this.settings.dashboardUrl;
    if (!this.address) return undefined;
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `${this.secure ? 'https' : 'http'}://${host}:${this.address.port}`;
  }

  async close(): Promise<void> {
    this.stopListening();
    this.stopping.abort();
    for (const res of this.streams) res.destroy();
    if (this.secure) await this.secure.close();
    else await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private get services() { return this.booted.services; }

  private https(req: http.IncomingMessage): boolean { return isHttps(req, this.settings.dashboardUrl); }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/assets/app.css') return this.asset(res, 'text/css', CSS);
    if (method === 'GET' && url.pathname === '/assets/app.js') return this.asset(res, 'text/javascript', JS);
    if (method === 'GET' && url.pathname === '/favicon.ico') { res.writeHead(204, baseHeaders()); res.end(); return; }
    if (url.pathname === '/login') {
      if (method === 'GET') return sendHtml(res, 200, views.loginPage(url.searchParams.get('token') ?? undefined));
      if (method === 'POST') return this.login(req, res);
      return this.notAllowed(res);
    }
    const session = await openSession(this.services.store, this.settings.sshUser, readCookie(req, COOKIE));
    if (!session) {
      if (method === 'GET' && !url.pathname.includes('/live/')) return redirect(res, '/login');
      return sendHtml(res, 401, views.messagePage('Logged out', 'Your session ended: log in again with dashboard:login.'));
    }
    if (method === 'POST') {
      const form = sameOrigin(req, this.https(req)) ? await readForm(req) : undefined;
      if (!form || !csrfMatches(session.csrf, form.get('csrf') ?? undefined)) {
        return sendHtml(res, 403, views.messagePage('Refused', 'This form did not come from your dashboard session (reload the page and try again).', this.viewer(session)));
      }
      return this.post(req, res, session, url, form);
    }
    if (method !== 'GET') return this.notAllowed(res);
    if (url.pathname === '/') return sendHtml(res, 200, views.appsPage(await appSummaries(this.services, session.identity), this.viewer(session)));
    if (url.pathname === '/events') return this.events(res, session);
    const match = /^\/apps\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const app = match ? decodeURIComponent(match[1]) : '';
    if (!match || !isValidAppName(app)) return this.notFound(res, session);
    const rest = match[2] ?? '';
    const routes: Record<string, Handler> = {
      '': (q, s, o, a, u) => this.appPage(s, o, a, u),
      '/live/deploy': (q, s, o, a, u) => this.liveDeploy(q, s, o, a, u),
      '/live/logs': (q, s, o, a, u) => this.liveLogs(q, s, o, a, u),
    };
    const build = /^\/builds\/([0-9a-z]{14})$/.exec(rest);
    if (build) return this.buildOutput(req, res, session, app, build[1]);
    const route = routes[rest];
    if (!route) return this.notFound(res, session);
    return route(req, res, session, app, url);
  }

  private viewer(session: OpenSession): views.Viewer {
    return { keyName: session.identity.keyName, admin: session.identity.admin, csrf: session.csrf };
  }

  private asset(res: http.ServerResponse, type: string, body: string): void {
    res.writeHead(200, { ...baseHeaders(), 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'max-age=300' });
    res.end(body);
  }

  private notAllowed(res: http.ServerResponse): void {
    sendHtml(res, 405, views.messagePage('Not allowed', 'That method is not used here.'), { Allow: 'GET, POST' });
  }

  /** An app that does not exist and one this key may not use get the same answer. */
  private notFound(res: http.ServerResponse, session: OpenSession): void {
    sendHtml(res, 404, views.messagePage('Not found', 'No such page, or no app of that name that you may use.', this.viewer(session)));
  }

  private async login(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const form = sameOrigin(req, this.https(req)) ? await readForm(req) : undefined;
    const from = `${req.socket.remoteAddress ?? '?'} ${String(req.headers['user-agent'] ?? '').slice(0, 80)}`;
    const redeemed = form ? await redeemLoginToken(this.services.store, form.get('token') ?? '', from) : undefined;
    if (!redeemed) {
      return sendHtml(res, 403, views.loginPage(undefined, 'This login link is not valid: it was used already, it expired, or its key was removed. Run dashboard:login again.'));
    }
    const opened = await openSession(this.services.store, this.settings.sshUser, redeemed.cookie);
    if (opened) await logEvent(this.services, `dashboard:login session ${redeemed.session.id} from ${req.socket.remoteAddress ?? '?'}`, opened.identity);
    const maxAge = (Date.parse(redeemed.session.expires) - Date.now()) / 1000;
    redirect(res, '/', { 'Set-Cookie': sessionCookie(redeemed.cookie, maxAge, this.https(req)) });
  }

  private async post(req: http.IncomingMessage, res: http.ServerResponse, session: OpenSession, url: URL, form: URLSearchParams): Promise<void> {
    if (url.pathname === '/logout') {
      await endSessions(this.services.store, session.identity.keyName, session.session.id);
      await logEvent(this.services, `dashboard:logout session ${session.session.id}`, session.identity);
      return redirect(res, '/login', { 'Set-Cookie': sessionCookie('', 0, this.https(req)) });
    }
    const match = /^\/apps\/([^/]+)\/(scale|rollback|config|config\/unset)$/.exec(url.pathname);
    const app = match ? decodeURIComponent(match[1]) : '';
    // Checked here for a uniform "not found"; the router checks again when the command runs.
    if (!match || !isValidAppName(app) || !(await mayUse(this.services, session.identity, app))) return this.notFound(res, session);
    const signal = this.requestSignal(req, res);
    let argv: string[] | undefined;
    let title = '';
    /** A value the page keeps masked: config:set prints it, the result box does not. */
    let secret = '';
    const restart = form.get('restart') === '1' ? [] : ['--no-restart'];
    switch (match[2]) {
      case 'scale': {
        const pairs: string[] = [];
        for (const [name, value] of form) {
          const type = /^scale\.(.+)$/.exec(name)?.[1];
          if (type === undefined) continue;
          if (!PROCESS_TYPE.test(type) || !/^\d{1,3}$/.test(value.trim())) return this.badForm(res, session, 'A scale is a process type and a whole number.');
          pairs.push(`${type}=${value.trim()}`);
        }
        if (!pairs.length) return this.badForm(res, session, 'Nothing to scale.');
        argv = ['ps:scale', app, ...pairs];
        title = `Scale ${pairs.join(' ')}`;
        break;
      }
      case 'rollback': {
        const version = form.get('version') ?? '';
        if (!/^\d{1,9}$/.test(version)) return this.badForm(res, session, 'A release version is a whole number.');
        if (form.get('confirm') !== 'yes') return sendHtml(res, 200, views.confirmRollbackPage(app, Number(version), this.viewer(session)));
        argv = ['releases:rollback', app, `v${version}`];
        title = `Roll back to v${version}`;
        break;
      }
      case 'config': {
        const key = form.get('key') ?? '';
        if (!CONFIG_KEY.test(key)) return this.badForm(res, session, 'A config key is letters, digits and _, not starting with a digit.');
        argv = ['config:set', ...restart, app, `${key}=${form.get('value') ?? ''}`];
        secret = form.get('value') ?? '';
        title = `Set ${key}${restart.length ? ' (no restart)' : ''}`;
        break;
      }
      default: {
        const key = form.get('key') ?? '';
        if (!CONFIG_KEY.test(key)) return this.badForm(res, session, 'A config key is letters, digits and _, not starting with a digit.');
        argv = ['config:unset', ...restart, app, key];
        title = `Unset ${key}${restart.length ? ' (no restart)' : ''}`;
      }
    }
    const result = await runCommand(this.booted.router, session.identity, argv, signal);
    if (secret) result.output = result.output.split(secret).join('••••••');
    return this.renderApp(res, session, app as AppName, { result: { ...result, title } });
  }

  private badForm(res: http.ServerResponse, session: OpenSession, text: string): void {
    sendHtml(res, 400, views.messagePage('Not accepted', text, this.viewer(session)));
  }

  /** Aborted when the browser leaves before the answer, or the server stops. */
  private requestSignal(req: http.IncomingMessage, res: http.ServerResponse): AbortSignal {
    const controller = new AbortController();
    res.once('close', () => { if (!res.writableFinished) controller.abort(); });
    return AbortSignal.any([controller.signal, this.stopping.signal]);
  }

  private async renderApp(res: http.ServerResponse, session: OpenSession, app: AppName, options: { reveal?: string; type?: string; result?: CommandResult & { title: string } }): Promise<void> {
    // Counted before the read: a change during it makes the live stream send the tables again.
    const seen = this.activityCount;
    const detail = await appDetail(this.services, session.identity, app);
    if (!detail) return this.notFound(res, session);
    sendHtml(res, options.result && options.result.code !== 0 ? 422 : 200, views.appPage(detail, this.viewer(session), { ...options, seen }));
  }

  private async appPage(res: http.ServerResponse, session: OpenSession, app: AppName, url: URL): Promise<void> {
    const reveal = url.searchParams.get('reveal') ?? undefined;
    const type = url.searchParams.get('type') || undefined;
    return this.renderApp(res, session, app, { reveal, type: type && PROCESS_TYPE.test(type) ? type : undefined });
  }

  private async events(res: http.ServerResponse, session: OpenSession): Promise<void> {
    // The events command decides who may read the log (admins), as over SSH.
    const result = await runCommand(this.booted.router, session.identity, ['events', '-n', '300'], this.stopping.signal);
    if (result.code !== 0) return sendHtml(res, 403, views.messagePage('Events', result.output.trim() || 'Not allowed.', this.viewer(session)));
    sendHtml(res, 200, views.eventsPage(result.output.split('\n').filter(Boolean), this.viewer(session)));
  }

  private async buildOutput(req: http.IncomingMessage, res: http.ServerResponse, session: OpenSession, app: AppName, id: string): Promise<void> {
    if (!(await mayUse(this.services, session.identity, app))) return this.notFound(res, session);
    const record = await this.services.store.builds.read(app, id);
    if (!record) return this.notFound(res, session);
    // A running build is followed live on the app's page.
    if (displayStatus(record) === 'running') return redirect(res, `/apps/${encodeURIComponent(app)}`);
    const result = await runCommand(this.booted.router, session.identity, ['builds:output', app, id], this.requestSignal(req, res));
    sendHtml(res, result.code === 0 ? 200 : 404, views.buildPage(app, id, result, this.viewer(session)));
  }

  /** A live stream: SSE headers, the stream tracked (closed when the server stops), its signal. */
  private openStream(req: http.IncomingMessage, res: http.ServerResponse): AbortSignal {
    openEventStream(res);
    this.streams.add(res);
    const controller = new AbortController();
    res.once('close', () => { this.streams.delete(res); controller.abort(); });
    // The browser left while the request was checked: 'close' came already.
    if (res.destroyed) { this.streams.delete(res); controller.abort(); }
    return AbortSignal.any([controller.signal, this.stopping.signal]);
  }

  /** The app's process output (`logs APP -t -n 100 [-p TYPE]`): one follower per app and type, shared by its pages. */
  private async liveLogs(req: http.IncomingMessage, res: http.ServerResponse, session: OpenSession, app: AppName, url: URL): Promise<void> {
    if (!(await mayUse(this.services, session.identity, app))) return this.notFound(res, session);
    const given = url.searchParams.get('type') ?? '';
    const type = given && PROCESS_TYPE.test(given) ? given : undefined;
    const signal = this.openStream(req, res);
    const page = new LivePage(res);
    const key = `${app} ${type ?? ''}`;
    let feed = this.logFeeds.get(key);
    if (!feed) {
      const created: LogFeed = new LogFeed(this.services.platform, app, type, () => { if (this.logFeeds.get(key) === created) this.logFeeds.delete(key); }, this.log);
      this.logFeeds.set(key, feed = created);
    }
    feed.add(page);
    const joined = feed;
    untilClosed(signal, () => joined.remove(page));
  }

  /**
   * The app's deploys as they run (the same lines the pusher sees, from the build's log) and its
   * process and release tables as they change: one feed per app, shared by its pages.
   */
  private async liveDeploy(req: http.IncomingMessage, res: http.ServerResponse, session: OpenSession, app: AppName, url: URL): Promise<void> {
    if (!(await mayUse(this.services, session.identity, app))) return this.notFound(res, session);
    const signal = this.openStream(req, res);
    const page = new LivePage(res);
    let feed = this.appFeeds.get(app);
    if (!feed) {
      const created: AppFeed = new AppFeed(this.services, app, () => { if (this.appFeeds.get(app) === created) this.appFeeds.delete(app); }, this.log);
      this.appFeeds.set(app, feed = created);
    }
    feed.add({ page, identity: session.identity, viewer: this.viewer(session) });
    // The app changed after the page was made (or the page does not say): its tables come at once.
    const seen = /^\d{1,15}$/.test(url.searchParams.get('seen') ?? '') ? Number(url.searchParams.get('seen')) : -1;
    if ((this.changedAt.get(app) ?? 0) > seen) feed.refreshSoon();
    const joined = feed;
    untilClosed(signal, () => joined.remove(page));
  }
}
