// The built-in HTTP reverse proxy: one listening server that routes by Host header to an app's
// upstreams (or its static directory), with keep-alive upstream pools (undici) and WebSocket tunnels.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { forward, type ForwardContext } from './forward.js';
import { hasBody } from './headers.js';
import { messages, sendPage, writeRawPage } from './pages.js';
import { UpstreamPools } from './pools.js';
import { RouteTable, type AppRoutes } from './route-table.js';
import { serveStatic } from './static-files.js';
import type { ErrorSink, Route, Upstream } from './types.js';
import { forwardUpgrade, type UpgradeContext } from './upgrade.js';

export interface ProxyOptions {
  /**
   * Connections per upstream, busy or idle. High because requests beyond it queue inside the
   * proxy, and long polls or slow downloads would then starve everything behind them.
   */
  maxSocketsPerUpstream?: number;
  /** Where upstream and static-file failures are reported; defaults to one line on stderr. */
  onError?: ErrorSink;
}

const defaultSink: ErrorSink = (error, context) => {
  process.stderr.write(` !     proxy: ${context}: ${error.message}\n`);
};

export class ReverseProxy {
  private readonly table = new RouteTable();
  private readonly pools: UpstreamPools;
  private readonly server: http.Server;
  private readonly onError: ErrorSink;
  private readonly tunnels = new Set<Duplex>();
  private readonly forwardContext: ForwardContext;
  private readonly upgradeContext: UpgradeContext;

  constructor(options: ProxyOptions = {}) {
    this.onError = options.onError ?? defaultSink;
    // Idle connections close before the upstream's advertised keep-alive timeout (undici).
    this.pools = new UpstreamPools({ connections: options.maxSocketsPerUpstream ?? 1024 });
    this.forwardContext = { pools: this.pools, onError: this.onError };
    this.upgradeContext = { onError: this.onError, tunnels: this.tunnels };
    // No whole-request deadline (large uploads are legitimate); the headers timeout still
    // bounds slow-header clients. It must be set: Node defaults it to min(60 s, requestTimeout),
    // which is 0 (never) once requestTimeout is 0, and slowloris clients would stay forever.
    this.server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, noDelay: true });
    this.server.keepAliveTimeout = 65_000;
    this.server.on('request', (req, res) => this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
  }

  listen(host: string, port: number): Promise<{ port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(new SlipwayError('E_PROXY_LISTEN', `The proxy cannot listen on ${host}:${port}: ${error.message}`, 1, { cause: error }));
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.removeListener('error', onError);
        resolve({ port: (this.server.address() as AddressInfo).port });
      });
    });
  }

  /** Stops listening and cuts every client, tunnel and upstream connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.tunnels) socket.destroy();
    this.tunnels.clear();
    this.server.closeAllConnections();
    await closed;
    await this.pools.destroy();
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

  removeApp(app: string): void {
    this.table.remove(app);
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

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const route = this.table.lookup(req.headers.host);
    if (route === undefined) {
      sendPage(res, 404, messages.unknownHost(req.headers.host));
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

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const route = this.table.lookup(req.headers.host);
    if (route === undefined) {
      writeRawPage(socket, 404, messages.unknownHost(req.headers.host));
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
