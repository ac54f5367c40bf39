// Listeners of one port each for apps without hostnames (domains:disable): as Dokku's nginx serves
// such an app on its mapping's host port with no server_name, every request to that port goes to
// the one app routed there, whatever its Host header. Each port is a ReverseProxy of its own, plain
// HTTP, or HTTPS with the app's certificate (any server name, or none) for an https mapping.
import { ReverseProxy, type ProxyOptions } from './reverse-proxy.js';
import type { TlsPair } from './tls.js';
import { ANY_HOST } from './hostnames.js';
import { ConflictError } from '../errors.js';
import type { Upstream } from './types.js';

/** `tls` present: the port speaks HTTPS with that certificate (undefined: handshakes fail until one comes). */
export type PortTarget = (
  | { kind: 'upstreams'; upstreams: Upstream[] }
  | { kind: 'static'; dir: string }
) & { tls?: TlsPair | undefined };

interface PortListener { readonly proxy: ReverseProxy; readonly secure: boolean }

export class PortProxies {
  private readonly byPort = new Map<number, PortListener>();
  /** Ports whose listener is being opened, so two publishes never open one twice. */
  private readonly opening = new Map<number, Promise<PortListener>>();

  constructor(private readonly host: string, private readonly options: ProxyOptions) {}

  /**
   * Routes the app on exactly these ports (each port's target; none: the app leaves every port).
   * A port another app holds is refused; a port left without apps stops listening.
   */
  async set(app: string, targets: ReadonlyMap<number, PortTarget>): Promise<void> {
    for (const [port, { proxy }] of this.byPort) {
      const other = proxy.routes().find((r) => r.app !== app);
      if (other && targets.has(port)) throw new ConflictError('E_PROXY_PORT_IN_USE', `Port ${port} is already served for app ${other.app}`);
    }
    for (const [port, target] of targets) {
      const secure = 'tls' in target;
      // The port changed scheme (http to https or back): its listener is opened again.
      const known = this.byPort.get(port);
      if (known && known.secure !== secure) await this.closePort(port, known);
      const { proxy } = await this.listener(port, secure);
      if (secure) {
        proxy.setTls(app, target.tls);
        proxy.setDefaultTls(target.tls);
      }
      if (target.kind === 'static') proxy.setStatic(app, [ANY_HOST], target.dir);
      else proxy.setRoutes(app, [ANY_HOST], target.upstreams);
    }
    for (const [port, known] of [...this.byPort]) {
      if (targets.has(port)) continue;
      known.proxy.removeApp(app);
      if (known.proxy.routes().length === 0) await this.closePort(port, known);
    }
  }

  remove(app: string): Promise<void> {
    return this.set(app, new Map());
  }

  /** The ports listened on now, by app (reports and tests). */
  ports(app: string): number[] {
    return [...this.byPort].filter(([, { proxy }]) => proxy.routes().some((r) => r.app === app)).map(([port]) => port).sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    const listeners = [...this.byPort.values()];
    this.byPort.clear();
    await Promise.all(listeners.map((l) => l.proxy.close()));
  }

  private async closePort(port: number, known: PortListener): Promise<void> {
    this.byPort.delete(port);
    await known.proxy.close();
  }

  private async listener(port: number, secure: boolean): Promise<PortListener> {
    const known = this.byPort.get(port);
    if (known) return known;
    let pending = this.opening.get(port);
    if (!pending) {
      pending = (async () => {
        const proxy = new ReverseProxy(this.options);
        try {
          if (secure) await proxy.listenHttps(this.host, port);
          else await proxy.listen(this.host, port);
        } catch (error) {
          await proxy.close();
          throw error;
        }
        const opened = { proxy, secure };
        this.byPort.set(port, opened);
        return opened;
      })().finally(() => this.opening.delete(port));
      this.opening.set(port, pending);
    }
    return pending;
  }
}
