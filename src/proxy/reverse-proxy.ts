// The built-in reverse proxy: an HTTP and an HTTPS listener that route by Host header to an app's
// upstreams (or its static directory), with keep-alive upstream pools and WebSocket tunnels.
// HTTPS picks the app's certificate by SNI; an app with a certificate is redirected from HTTP (301).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { TLSSocket, SecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { forward, type ForwardContext } from './forward.js';
import { hasBody, repeatedHost } from './headers.js';
import { messages, sendPage, writeRawPage } from './pages.js';
import { UpstreamPools } from './pools.js';
import { RouteTable, type AppRoutes } from './route-table.js';
import { serveStatic } from './static-files.js';
import { trustedProxies } from './trusted.js';
import type { ErrorSink, Route, Upstream } from './types.js';
import { forwardUpgrade, type UpgradeContext } from './upgrade.js';
import { HSTS_HEADER, TlsContexts, type TlsPair } from './tls.js';

export interface ProxyOptions {
  /**
   * Connections per upstream, busy or idle. High because requests beyond it queue inside the
   * proxy, and long polls or slow downloads would then starve everything behind them.
   */
  maxSocketsPerUpstream?: number;
  /** Where upstream and static-file failures are reported; defaults to one line on stderr. */
  onError?: ErrorSink;
  /** Peers (addresses, CIDR ranges; SLIPWAY_TRUSTED_PROXIES) whose X-Forwarded-* headers are kept. */
  trustedProxies?: readonly string[];
  /**
   * The key authorization waiting for an ACME HTTP-01 token of an app (letsencrypt:enable), if any.
   * Answered before the HTTPS redirect: a challenge is never redirected.
   */
  acmeChallenge?: AcmeChallengeLookup;
}

export type AcmeChallengeLookup = (app: string, token: string) => Promise<string | undefined>;

/** RFC 8555 §8.3's path; the token after it is base64url. */
const ACME_PREFIX = '/.well-known/acme-challenge/';

const defaultSink: ErrorSink = (error, context) => {
  process.stderr.write(` !     proxy: ${context}: ${error.message}\n`);
};

export class ReverseProxy {
  private readonly table = new RouteTable();
  private readonly pools: UpstreamPools;
  private readonly server: http.Server;
  private readonly httpsServer: https.Server;
  private readonly tls: TlsContexts;
  /** Where redirects point (0 until the HTTPS listener is up: no redirects without one). */
  private httpsPort = 0;
  private readonly onError: ErrorSink;
  private readonly tunnels = new Set<Duplex>();
  private readonly forwardContext: ForwardContext;
  private readonly upgradeContext: UpgradeContext;
  private readonly acmeChallenge: AcmeChallengeLookup | undefined;

  constructor(options: ProxyOptions = {}) {
    this.onError = options.onError ?? defaultSink;
    this.acmeChallenge = options.acmeChallenge;
    // Idle connections close before the upstream's advertised keep-alive timeout (upstream-pool.ts).
    this.pools = new UpstreamPools({ connections: options.maxSocketsPerUpstream ?? 1024 });
    const trusted = trustedProxies(options.trustedProxies ?? []);
    this.forwardContext = { pools: this.pools, onError: this.onError, trusted };
    this.upgradeContext = { onError: this.onError, tunnels: this.tunnels, trusted };
    // No whole-request deadline (large uploads are legitimate); the headers timeout still
    // bounds slow-header clients. It must be set: Node defaults it to min(60 s, requestTimeout),
    // which is 0 (never) once requestTimeout is 0, and slowloris clients would stay forever.
    this.server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, noDelay: true });
    this.server.keepAliveTimeout = 65_000;
    this.server.on('request', (req, res) => this.handle(req, res, false));
    this.server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head, false));
    this.tls = new TlsContexts(this.onError);
    // No default certificate: a handshake whose server name is no app with a certificate fails.
    this.httpsServer = https.createServer({
      requestTimeout: 0, headersTimeout: 60_000, noDelay: true,
      SNICallback: (name, done) => {
        const context = this.contextFor(name);
        if (context) done(null, context);
        else done(new Error(`no certificate for ${name}`));
      },
    });
    this.httpsServer.keepAliveTimeout = 65_000;
    this.httpsServer.on('request', (req, res) => this.handle(req, res, true));
    this.httpsServer.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head, true));
    // Failed handshakes (no certificate for the name, scanners) are the client's business.
    this.httpsServer.on('tlsClientError', (_error, socket) => socket.destroy());
  }

  listen(host: string, port: number): Promise<{ port: number }> {
    return listenOn(this.server, host, port);
  }

  /** The HTTPS listener; from then on apps with a certificate are redirected to it from HTTP. */
  async listenHttps(host: string, port: number): Promise<{ port: number }> {
    const bound = await listenOn(this.httpsServer, host, port);
    this.httpsPort = bound.port;
    return bound;
  }

  /** Stops listening and cuts every client, tunnel and upstream connection. */
  async close(): Promise<void> {
    const closed = [this.server, this.httpsServer].map((server) => new Promise<void>((resolve) => {
      if (server.listening) server.close(() => resolve());
      else resolve();
    }));
    for (const socket of this.tunnels) socket.destroy();
    this.tunnels.clear();
    this.server.closeAllConnections();
    this.httpsServer.closeAllConnections();
    await Promise.all(closed);
    this.pools.destroy();
  }

  /** Routes `hostnames` to `upstreams` in one step; requests already sent keep their upstream. */
  setRoutes(app: string, hostnames: string[], upstreams: Upstream[]): void {
    this.table.setUpstreams(app, hostnames, upstreams);
    this.retainPools();
  }

  setStatic(app: string, hostnames: string[], dir: string): void {
    this.table.setStatic(app, hostnames, dir);
    this.retainPools();
  }

  /** The app's certificate (or none): used from the next TLS handshake on. */
  setTls(app: string, pair: TlsPair | undefined): void {
    this.tls.set(app, pair);
  }

  /**
   * For a listener that serves one app whatever the name (PortProxies): its certificate also
   * answers handshakes that name no server (clients connecting by address).
   */
  setDefaultTls(pair: TlsPair | undefined): void {
    this.httpsServer.setSecureContext(pair ? { cert: pair.crt, key: pair.key, minVersion: 'TLSv1.2' } : {});
  }

  removeApp(app: string): void {
    this.table.remove(app);
    this.tls.set(app, undefined);
    this.retainPools();
  }

  /** The route a Host header would take, for reports and tests. */
  lookup(host: string): Route | undefined {
    return this.table.lookup(host);
  }

  routes(): AppRoutes[] {
    return this.table.list();
  }

  /** Retired upstreams' pools close once their requests in flight are done. */
  private retainPools(): void {
    this.pools.retain(this.table.list().flatMap(({ route }) => (route.kind === 'upstreams' ? route.upstreams : [])));
  }

  private contextFor(serverName: string): SecureContext | undefined {
    const route = this.table.lookup(serverName);
    return route && this.tls.get(route.app);
  }

  /**
   * What TLS means for this request: `redirect` (plain HTTP to an app with a certificate, as Dokku's
   * nginx does), `misdirected` (over TLS, the Host names another app than the handshake's server
   * name, or one without a certificate), `hsts` (over TLS to the app whose certificate it got).
   */
  private tlsVerdict(req: IncomingMessage, route: Route, secure: boolean): 'redirect' | 'misdirected' | 'hsts' | undefined {
    if (!secure) return this.httpsPort !== 0 && this.tls.has(route.app) ? 'redirect' : undefined;
    const sni = (req.socket as TLSSocket).servername;
    // No server name: only a catch-all route (a PortProxies listener) owns the handshake.
    const handshakeApp = this.table.lookup(typeof sni === 'string' ? sni : undefined)?.app;
    return handshakeApp === route.app && this.tls.has(route.app) ? 'hsts' : 'misdirected';
  }

  /** `https://HOST[:PORT]PATH` for a redirect: the Host header's name, the HTTPS port, the request path. */
  private httpsLocation(req: IncomingMessage): string {
    const host = (req.headers.host ?? '').replace(/:\d*$/, '');
    const port = this.httpsPort === 443 ? '' : `:${this.httpsPort}`;
    const target = req.url?.startsWith('/') ? req.url : '/';
    return `https://${host}${port}${target}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse, secure: boolean): void {
    // Two Host headers: which one names the app is ambiguous, and a backend may read the other.
    if (repeatedHost(req)) {
      sendPage(res, 400, messages.repeatedHost(), { Connection: 'close' });
      return;
    }
    const route = this.table.lookup(req.headers.host);
    if (route !== undefined && this.acmeChallenge !== undefined && req.url?.startsWith(ACME_PREFIX)
      && (req.method === 'GET' || req.method === 'HEAD')) {
      this.answerChallenge(req, res, route, secure, this.acmeChallenge);
      return;
    }
    this.dispatch(req, res, route, secure);
  }

  /** A pending token's key authorization (plain HTTP too, no redirect); any other path goes on as usual. */
  private answerChallenge(req: IncomingMessage, res: ServerResponse, route: Route, secure: boolean, lookup: AcmeChallengeLookup): void {
    const token = (req.url ?? '').slice(ACME_PREFIX.length).split('?')[0];
    lookup(route.app, token).then((answer) => {
      if (answer === undefined) {
        this.dispatch(req, res, route, secure);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(answer), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : answer);
    }).catch((error: unknown) => {
      this.onError(error as Error, `${route.app}: ACME challenge could not be read`);
      sendPage(res, 500, 'The challenge could not be read');
    });
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, route: Route | undefined, secure: boolean): void {
    const verdict = route && this.tlsVerdict(req, route, secure);
    if (verdict === 'hsts') res.setHeader('Strict-Transport-Security', HSTS_HEADER);
    if (route === undefined) {
      sendPage(res, 404, messages.unknownHost(req.headers.host));
    } else if (verdict === 'redirect') {
      sendPage(res, 301, messages.movedToHttps(), { Location: this.httpsLocation(req) });
    } else if (verdict === 'misdirected') {
      sendPage(res, 421, messages.misdirected(req.headers.host), { Connection: 'close' });
    } else if (route.kind === 'static') {
      serveStatic(req, res, route, this.onError).catch((error: unknown) => {
        this.onError(error as Error, `${route.app}: static file failed`);
        sendPage(res, 500, 'The file could not be read');
      });
    } else if (route.upstreams.length === 0) {
      sendPage(res, 503, messages.noUpstreams(route.app));
    } else {
      forward(req, res, route, this.forwardContext);
    }
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
    socket.on('error', () => socket.destroy());
    if (repeatedHost(req)) {
      writeRawPage(socket, 400, messages.repeatedHost());
      return;
    }
    const route = this.table.lookup(req.headers.host);
    const verdict = route && this.tlsVerdict(req, route, secure);
    if (route === undefined) {
      writeRawPage(socket, 404, messages.unknownHost(req.headers.host));
    } else if (verdict === 'redirect') {
      writeRawPage(socket, 301, messages.movedToHttps(), { Location: this.httpsLocation(req) });
    } else if (verdict === 'misdirected') {
      writeRawPage(socket, 421, messages.misdirected(req.headers.host));
    } else if (route.kind === 'static') {
      writeRawPage(socket, 404, messages.notFound());
    } else if (route.upstreams.length === 0) {
      writeRawPage(socket, 503, messages.noUpstreams(route.app));
    } else if (hasBody(req)) {
      // The body would sit unread behind the tunnel until a 101 that may never come.
      writeRawPage(socket, 501, 'Upgrade requests with a body are not supported');
    } else {
      forwardUpgrade(req, socket, head, route, this.upgradeContext);
    }
  }
}

function listenOn(server: http.Server, host: string, port: number): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new SlipwayError('E_PROXY_LISTEN', `The proxy cannot listen on ${host}:${port}: ${error.message}`, 1, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolve({ port: (server.address() as AddressInfo).port });
    });
  });
}
