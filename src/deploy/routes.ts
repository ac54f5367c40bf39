// What the proxy serves for each app: its hostnames (domains store) pointing at the serving
// generation's web processes (on the port its ports:* mapping names), at its static build
// directory, or at the 503 page when stopped; and its certificate (certs store), read again at
// every publish (certs:* publish too). The app's proxy (proxy:set, proxy:disable) picks who
// serves it: the built-in proxy, nginx (its nginx.conf, checked and reloaded), or nobody.
import type { ReverseProxy, Upstream } from '../proxy/index.js';
import type { NginxProxy, SiteMap } from '../proxy/nginx/index.js';
import type { PortMap, Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { DEFAULT_CONTAINER_PORT, GLOBAL } from '../store/index.js';
import { computeValues } from '../proxy/nginx/index.js';
import { SlipwayError } from '../errors.js';

export type RouteTarget =
  | { kind: 'upstreams'; upstreams: Upstream[] }
  | { kind: 'static'; dir: string }
  /** Deployed but not running (ps:stop, or no web process scaled): the proxy answers 503. */
  | { kind: 'stopped' };

export function appUrls(hostnames: string[], port: number, scheme: 'http' | 'https' = 'http'): string[] {
  const suffix = port === (scheme === 'https' ? 443 : 80) ? '' : `:${port}`;
  // `.example.com` serves example.com itself (and the names under it).
  return hostnames.map((h) => `${scheme}://${h.replace(/^\.(?!\.)/, '')}${suffix}`);
}

/**
 * The built-in proxy listens for http on one port: it serves an app through the app's `http`
 * mapping for that port, where host port 80 (Dokku's default) stands for the listener too.
 */
export function servesPortMap(map: PortMap, listenPort: number): boolean {
  return map.scheme === 'http' && (map.hostPort === listenPort || map.hostPort === 80);
}

/** The same for the HTTPS listener: an app's `https` mapping of that port, where host port 443 stands for it. */
export function servesTlsPortMap(map: PortMap, httpsPort: number | undefined): boolean {
  return httpsPort !== undefined && map.scheme === 'https' && (map.hostPort === httpsPort || map.hostPort === 443);
}

/**
 * The mappings nginx serves for an app (Dokku's): those ports:* set, else the detected ones
 * (http:80:5000 by default); with a certificate and no https mapping, https:443 to the http one's port.
 */
export async function nginxPortMaps(store: Store, app: AppName, hasCert: boolean): Promise<SiteMap[]> {
  const own = await store.ports.get(app);
  const maps: SiteMap[] = own.length ? own : await store.ports.detected(app);
  if (hasCert && !maps.some((m) => m.scheme === 'https')) {
    const http = maps.find((m) => m.scheme === 'http');
    return [...maps, { scheme: 'https', hostPort: 443, containerPort: http?.containerPort ?? DEFAULT_CONTAINER_PORT }];
  }
  return maps;
}

/**
 * Where requests go for an app's mappings: the container port of the mapping the listener serves
 * (its own port before 80). Dokku's default container port 5000 is the PORT each web process was
 * given, so the instances' own ports; any other container port is that port on each instance's host
 * (the process listens there itself, as a Dockerfile app's EXPOSEd port). No mapping for the
 * listener: the instances' own ports, as with no mappings at all.
 */
export function mappedUpstreams(upstreams: Upstream[], maps: PortMap[], listenPort: number): Upstream[] {
  const served = maps.filter((m) => servesPortMap(m, listenPort)).sort((a, b) => Number(b.hostPort === listenPort) - Number(a.hostPort === listenPort))[0];
  if (!served || served.containerPort === DEFAULT_CONTAINER_PORT) return upstreams;
  const seen = new Set<string>();
  return upstreams.map((u) => ({ ...u, port: served.containerPort })).filter((u) => {
    const key = `${u.host}:${u.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export class Routes {
  constructor(
    private readonly proxy: ReverseProxy,
    private readonly store: Store,
    private readonly listenPort: number,
    readonly nginx?: NginxProxy,
  ) {}

  hostnames(app: AppName): Promise<string[]> {
    return this.store.domains.app(app);
  }

  /**
   * Publish the app's route in one step (a switch) on the proxy it uses, and take it off the
   * other; throws if a hostname belongs to another app, or nginx refuses the configuration
   * (nginx then keeps serving the previous one).
   */
  async apply(app: AppName, target: RouteTarget): Promise<void> {
    const selection = await this.store.proxy.get(app);
    if (!selection.enabled) {
      await this.remove(app);
      return;
    }
    if (selection.type === 'nginx') {
      await this.applyNginx(app, target);
      this.proxy.removeApp(app);
      return;
    }
    const hostnames = await this.hostnames(app);
    const maps = await this.store.ports.get(app);
    this.proxy.setTls(app, await this.store.certs.get(app));
    if (target.kind === 'static') this.proxy.setStatic(app, hostnames, target.dir);
    else if (target.kind === 'stopped') this.proxy.setRoutes(app, hostnames, []);
    else this.proxy.setRoutes(app, hostnames, mappedUpstreams(target.upstreams, maps, this.listenPort));
    await this.nginx?.remove(app);
  }

  private async applyNginx(app: AppName, target: RouteTarget): Promise<void> {
    if (!this.nginx) throw new SlipwayError('E_NGINX_UNAVAILABLE', 'nginx is not available to this server', 1);
    const files = this.store.nginx;
    const logsDir = this.nginx.server.logsDir();
    await this.nginx.apply(app, async () => {
      const cert = await this.store.certs.get(app);
      const [own, global] = await Promise.all([this.store.properties.list('nginx', app), this.store.properties.list('nginx', GLOBAL)]);
      return {
        app,
        hostnames: await this.hostnames(app),
        maps: await nginxPortMaps(this.store, app, cert !== undefined),
        target,
        tlsDir: cert ? this.store.certs.dir(app) : undefined,
        includeDir: files.includeDir(app),
        acmeDir: files.acmeDir(app),
        values: computeValues(own, global, app, logsDir),
      };
    });
  }

  /** Off every proxy (destroy, proxy:disable). */
  async remove(app: AppName): Promise<void> {
    this.proxy.removeApp(app);
    await this.nginx?.remove(app);
  }
}
