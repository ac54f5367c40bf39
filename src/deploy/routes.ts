// What the proxy serves for each app: its hostnames (domains store) pointing at the serving
// generation's web processes, at its static build directory, or at the 503 page when stopped.
import type { ReverseProxy, Upstream } from '../proxy/index.js';
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';

export type RouteTarget =
  | { kind: 'upstreams'; upstreams: Upstream[] }
  | { kind: 'static'; dir: string }
  /** Deployed but not running (ps:stop, or no web process scaled): the proxy answers 503. */
  | { kind: 'stopped' };

export function appUrls(hostnames: string[], port: number): string[] {
  const suffix = port === 80 ? '' : `:${port}`;
  return hostnames.map((h) => `http://${h}${suffix}`);
}

export class Routes {
  constructor(private readonly proxy: ReverseProxy, private readonly store: Store) {}

  hostnames(app: AppName): Promise<string[]> {
    return this.store.domains.app(app);
  }

  /** Publish the app's route in one step (a switch); throws if a hostname belongs to another app. */
  async apply(app: AppName, target: RouteTarget): Promise<void> {
    const hostnames = await this.hostnames(app);
    if (target.kind === 'static') this.proxy.setStatic(app, hostnames, target.dir);
    else this.proxy.setRoutes(app, hostnames, target.kind === 'upstreams' ? target.upstreams : []);
  }

  remove(app: AppName): void {
    this.proxy.removeApp(app);
  }
}
