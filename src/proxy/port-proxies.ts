// Listeners of one port each for apps without hostnames (domains:disable): as Dokku's nginx serves
// such an app on its mapping's host port with no server_name, every request to that port goes to
// the one app routed there, whatever its Host header. Each port is a ReverseProxy of its own.
import { ReverseProxy, type ProxyOptions } from './reverse-proxy.js';
import { ANY_HOST } from './hostnames.js';
import { ConflictError } from '../errors.js';
import type { Upstream } from './types.js';

export type PortTarget =
  | { kind: 'upstreams'; upstreams: Upstream[] }
  | { kind: 'static'; dir: string };

export class PortProxies {
  private readonly byPort = new Map<number, ReverseProxy>();
  /** Ports whose listener is being opened, so two publishes never open one twice. */
  private readonly opening = new Map<number, Promise<ReverseProxy>>();

  constructor(private readonly host: string, private readonly options: ProxyOptions) {}

  /**
   * Routes the app on exactly these ports (each port's target; none: the app leaves every port).
   * A port another app holds is refused; a port left without apps stops listening.
   */
  async set(app: string, targets: ReadonlyMap<number, PortTarget>): Promise<void> {
    for (const [port, proxy] of this.byPort) {
      const other = proxy.routes().find((r) => r.app !== app);
      if (other && targets.has(port)) throw new ConflictError('E_PROXY_PORT_IN_USE', `Port ${port} is already served for app ${other.app}`);
    }
    for (const [port, target] of targets) {
      const proxy = await this.listener(port);
      if (target.kind === 'static') proxy.setStatic(app, [ANY_HOST], target.dir);
      else proxy.setRoutes(app, [ANY_HOST], target.upstreams);
    }
    for (const [port, proxy] of [...this.byPort]) {
      if (targets.has(port)) continue;
      proxy.removeApp(app);
      if (proxy.routes().length === 0) {
        this.byPort.delete(port);
        await proxy.close();
      }
    }
  }

  remove(app: string): Promise<void> {
    return this.set(app, new Map());
  }

  /** The ports listened on now, by app (reports and tests). */
  ports(app: string): number[] {
    return [...this.byPort].filter(([, proxy]) => proxy.routes().some((r) => r.app === app)).map(([port]) => port).sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    const proxies = [...this.byPort.values()];
    this.byPort.clear();
    await Promise.all(proxies.map((p) => p.close()));
  }

  private async listener(port: number): Promise<ReverseProxy> {
    const known = this.byPort.get(port);
    if (known) return known;
    let pending = this.opening.get(port);
    if (!pending) {
      pending = (async () => {
        const proxy = new ReverseProxy(this.options);
        try {
          await proxy.listen(this.host, port);
        } catch (error) {
          await proxy.close();
          throw error;
        }
        this.byPort.set(port, proxy);
        return proxy;
      })().finally(() => this.opening.delete(port));
      this.opening.set(port, pending);
    }
    return pending;
  }
}
