// What the proxy serves for each app: its hostnames (domains store) pointing at the serving
// generation's web processes (on the port its ports:* mapping names), at its static build
// directory, or at the 503 page when stopped; and its certificate (certs store), read again at
// every publish (certs:* publish too).
import type { ReverseProxy, Upstream } from '../proxy/index.js';
import type { PortMap, Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { DEFAULT_CONTAINER_PORT } from '../store/index.js';

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
  constructor(private readonly proxy: ReverseProxy, private readonly store: Store, private readonly listenPort: number) {}

  hostnames(app: AppName): Promise<string[]> {
    return this.store.domains.app(app);
  }

  /** Publish the app's route in one step (a switch); throws if a hostname belongs to another app. */
  async apply(app: AppName, target: RouteTarget): Promise<void> {
    const hostnames = await this.hostnames(app);
    const maps = await this.store.ports.get(app);
    this.proxy.setTls(app, await this.store.certs.get(app));
    if (target.kind === 'static') this.proxy.setStatic(app, hostnames, target.dir);
    else if (target.kind === 'stopped') this.proxy.setRoutes(app, hostnames, []);
    else this.proxy.setRoutes(app, hostnames, mappedUpstreams(target.upstreams, maps, this.listenPort));
  }

  remove(app: AppName): void {
    this.proxy.removeApp(app);
  }
}
