// What the proxy serves for each app: its hostnames (domains store) pointing at the serving
// generation's web processes (on the port its ports:* mapping names), at its static build
// directory, or at the 503 page when stopped; and its certificate (certs store), read again at
// every publish (certs:* publish too). The app's proxy (proxy:set, proxy:disable) picks who
// serves it: the built-in proxy, nginx (its nginx.conf, checked and reloaded), or nobody.
import path from 'node:path';
import type { PortProxies, PortTarget, ReverseProxy, Upstream } from '../proxy/index.js';
import type { NginxProxy, SiteMap } from '../proxy/nginx/index.js';
import type { PortMap, Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { DEFAULT_CONTAINER_PORT, GLOBAL } from '../store/index.js';
import { certificateNames, computeValues } from '../proxy/nginx/index.js';
import { SlipwayError } from '../errors.js';
import { freePort } from '../os/free-port.js';
import { appConfig } from './app-env.js';
import { readPluginTemplate, type NginxTemplateType, type NginxTriggers } from './nginx-template.js';
import type { CustomTemplate } from '../proxy/nginx/index.js';

export type RouteTarget =
  /** `processes`: each running process type's listeners (`host:port`), for an nginx.conf.sigil's DOKKU_APP_<TYPE>_LISTENERS. */
  | { kind: 'upstreams'; upstreams: Upstream[]; processes?: Record<string, string[]> }
  | { kind: 'static'; dir: string }
  /** Deployed but not running (ps:stop, or no web process scaled): the proxy answers 503. */
  | { kind: 'stopped' };

/**
 * Dokku's network-get-listeners for every process type: each running instance's `host:port`, port
 * 5000 (Dokku's default) for one that listens on none of its own.
 */
export function processListeners(instances: readonly { type: string; host: string; port?: number; state: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of instances) {
    if (i.state !== 'running') continue;
    (out[i.type] ??= []).push(`${i.host}:${i.port ?? 5000}`);
  }
  return out;
}

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

/** The shared listeners' own ports (the built-in proxy's), which stand for 80 and 443 as those do. */
export interface SharedPorts { http?: number; https?: number }

/** A mapping's host port that is a shared listener's, so it stands for the app's proxy port instead. */
function sharedListener(map: PortMap, shared: SharedPorts): 'http' | 'https' | undefined {
  if (map.scheme === 'http' && (map.hostPort === 80 || map.hostPort === shared.http)) return 'http';
  if (map.scheme === 'https' && (map.hostPort === 443 || map.hostPort === shared.https)) return 'https';
  return undefined;
}

/**
 * The mappings of an app without vhosts before its proxy ports are put in: its own mappings, else
 * the detected ones (http:80:5000 by default); with a certificate, its https mappings too, and
 * https:443 to the http mapping's container port when it has none (as nginx does with vhosts).
 * Without a certificate https mappings are left out (Dokku's nginx ignores them with a warning).
 */
async function vhostlessBaseMaps(store: Store, app: AppName): Promise<PortMap[]> {
  const own = await store.ports.get(app);
  const maps = own.length ? own : await store.ports.detected(app);
  if (!await store.certs.get(app)) return maps.filter((m) => m.scheme === 'http');
  const served = maps.filter((m) => m.scheme === 'http' || m.scheme === 'https');
  if (served.some((m) => m.scheme === 'https')) return served;
  const http = served.find((m) => m.scheme === 'http');
  return [...served, { scheme: 'https', hostPort: 443, containerPort: http?.containerPort ?? DEFAULT_CONTAINER_PORT }];
}

/**
 * The http and https mappings an app without vhosts (domains:disable) is served on, by host port.
 * Host ports 80 and 443 (and the built-in listeners' own ports) are the shared listeners, so, as in
 * Dokku, they stand for the app's `proxy-port` and `proxy-ssl-port` (proxy:set, app then global;
 * else a random open high port): none yet, none there. Other host ports are served as they are.
 */
export async function vhostlessMaps(store: Store, app: AppName, shared: SharedPorts = {}): Promise<PortMap[]> {
  const ports = { http: await store.ports.proxyPort(app), https: await store.ports.proxySslPort(app) };
  const byPort = new Map<number, PortMap>();
  for (const map of await vhostlessBaseMaps(store, app)) {
    const listener = sharedListener(map, shared);
    const hostPort = listener === undefined ? map.hostPort : ports[listener];
    if (hostPort !== undefined && !byPort.has(hostPort)) byPort.set(hostPort, { ...map, hostPort });
  }
  return [...byPort.values()];
}

/** Which proxy ports such an app needs (a mapping on a shared listener) and has none of. */
export async function missingProxyPorts(store: Store, app: AppName, shared: SharedPorts = {}): Promise<{ http: boolean; https: boolean }> {
  const needed = new Set((await vhostlessBaseMaps(store, app)).map((m) => sharedListener(m, shared)));
  return {
    http: needed.has('http') && await store.ports.proxyPort(app) === undefined,
    https: needed.has('https') && await store.ports.proxySslPort(app) === undefined,
  };
}

/**
 * Dokku's step at proxy configuration (ports-configure): a random open high port for each proxy
 * port an app without vhosts lacks, kept as the app's own value. `say` gets Dokku's lines.
 */
export async function assignProxyPorts(store: Store, app: AppName, host: string, shared: SharedPorts = {}, say?: (line: string) => void): Promise<void> {
  const missing = await missingProxyPorts(store, app, shared);
  if (missing.http) {
    say?.('No port set, setting to random open high port');
    const port = await freePort(host);
    await store.ports.setProxyPort(app, port);
    say?.(`Random port ${port}`);
  }
  if (missing.https) {
    say?.('No ssl port set, setting to random open high port');
    await store.ports.setProxySslPort(app, await freePort(host));
  }
}

export class Routes {
  constructor(
    private readonly proxy: ReverseProxy,
    private readonly store: Store,
    private readonly listenPort: number,
    readonly nginx?: NginxProxy,
    /** Listeners of their own for apps without vhosts; the port host is SLIPWAY_HTTP_LISTEN's. */
    private readonly ports?: { proxies: PortProxies; host: string },
    /** The built-in HTTPS listener's port, when it has one (443 mappings stand for it). */
    private readonly httpsPort?: number,
    /** Dokku's nginx triggers, fired at each nginx.conf this writes. */
    private readonly nginxTriggers?: NginxTriggers,
  ) {}

  hostnames(app: AppName): Promise<string[]> {
    return this.store.domains.app(app);
  }

  /**
   * Publish the app's route in one step (a switch) on the proxy it uses, and take it off the
   * other; throws if a hostname belongs to another app, or nginx refuses the configuration
   * (nginx then keeps serving the previous one).
   */
  async apply(app: AppName, target: RouteTarget, say?: (line: string) => void): Promise<void> {
    const selection = await this.store.proxy.get(app);
    if (!selection.enabled) {
      await this.remove(app);
      return;
    }
    if (selection.type === 'nginx') {
      await this.applyNginx(app, target, say);
      this.proxy.removeApp(app);
      await this.ports?.proxies.remove(app);
      return;
    }
    const hostnames = await this.hostnames(app);
    const maps = await this.store.ports.get(app);
    this.proxy.setTls(app, await this.store.certs.get(app));
    if (target.kind === 'static') this.proxy.setStatic(app, hostnames, target.dir);
    else if (target.kind === 'stopped') this.proxy.setRoutes(app, hostnames, []);
    else this.proxy.setRoutes(app, hostnames, mappedUpstreams(target.upstreams, maps, this.listenPort));
    await this.applyPorts(app, target);
    await this.nginx?.remove(app);
  }

  /** An app without vhosts: served on its mappings' host ports (one listener each); else on none. */
  private async applyPorts(app: AppName, target: RouteTarget): Promise<void> {
    if (!this.ports) return;
    const targets = new Map<number, PortTarget>();
    if (!await this.store.domains.vhostEnabled(app)) {
      const shared = { http: this.listenPort, https: this.httpsPort };
      await assignProxyPorts(this.store, app, this.ports.host, shared);
      const cert = await this.store.certs.get(app);
      for (const map of await vhostlessMaps(this.store, app, shared)) {
        const tls = map.scheme === 'https' ? { tls: cert } : {};
        if (target.kind === 'static') targets.set(map.hostPort, { kind: 'static', dir: target.dir, ...tls });
        else if (target.kind === 'stopped') targets.set(map.hostPort, { kind: 'upstreams', upstreams: [], ...tls });
        else targets.set(map.hostPort, { kind: 'upstreams', upstreams: mappedUpstreams(target.upstreams, [{ ...map, scheme: 'http' }], map.hostPort), ...tls });
      }
    }
    await this.ports.proxies.set(app, targets);
  }

  /** `say`: where the deploy's output goes (Dokku's "Configuring NAME...(using plugin-supplied template)" lines). */
  private async applyNginx(app: AppName, target: RouteTarget, say?: (line: string) => void): Promise<void> {
    if (!this.nginx) throw new SlipwayError('E_NGINX_UNAVAILABLE', 'nginx is not available to this server', 1);
    const files = this.store.nginx;
    const triggers = this.nginxTriggers;
    await this.nginx.apply(app, async () => {
      const template = await files.readCustomTemplate(app);
      const site = await this.nginxSite(app, target);
      const plugin = await this.pluginTemplate(app, 'app-config');
      const custom = template === undefined ? undefined : { text: template, name: await this.templateName(app) };
      return { ...site, custom, plugin, ...(custom || plugin ? { env: await appConfig(this.store, app) } : {}) };
    }, { beforeReload: triggers && (() => triggers.preReload(app)), say });
  }

  /** The template a plugin supplies for the app (nginx-app-template-source), or none when no plugin answers. */
  private async pluginTemplate(app: AppName, type: NginxTemplateType): Promise<CustomTemplate | undefined> {
    const answer = this.nginxTriggers && (await this.nginxTriggers.templateSource(app, type)).trim();
    return answer ? readPluginTemplate(app, type, answer) : undefined;
  }

  private async templateName(app: AppName): Promise<string> {
    return path.basename((await this.store.properties.effective('nginx', app, 'nginx-conf-sigil-path')) || 'nginx.conf.sigil');
  }

  /** What nginx.conf is built from: the app's domains, mappings, certificate and nginx properties. */
  private async nginxSite(app: AppName, target: RouteTarget) {
    const nginx = this.nginx as NginxProxy;
    const files = this.store.nginx;
    const cert = await this.store.certs.get(app);
    const [own, global] = await Promise.all([this.store.properties.list('nginx', app), this.store.properties.list('nginx', GLOBAL)]);
    const vhosts = await this.store.domains.vhostEnabled(app);
    return {
      app,
      hostnames: await this.hostnames(app),
      vhostEnabled: vhosts,
      globalDomains: await this.store.domains.global(),
      certNames: cert ? certificateNames(cert.crt) : undefined,
      maps: await this.nginxMaps(app, cert !== undefined),
      ...(vhosts ? {} : { proxyPorts: { http: await this.store.ports.proxyPort(app), https: await this.store.ports.proxySslPort(app) } }),
      target,
      tlsDir: cert ? this.store.certs.dir(app) : undefined,
      includeDir: files.includeDir(app),
      acmeDir: files.acmeDir(app),
      values: computeValues(own, global, app, nginx.server.logsDir()),
    };
  }

  /**
   * Dokku's pre-validation of a pushed nginx.conf.sigil, before the build: for an app of proxy type
   * nginx without disable-custom-config, rendered with a stand-in web listener (127.0.0.1:5000, as
   * Dokku) and checked alone with `nginx -t`. False when there was nothing to check.
   */
  async prevalidateNginxTemplate(app: AppName, text: string, starting: () => void): Promise<boolean> {
    if (!this.nginx || (await this.store.proxy.get(app)).type !== 'nginx') return false;
    if ((await this.store.properties.effective('nginx', app, 'disable-custom-config')) === 'true') return false;
    starting();
    const site = await this.nginxSite(app, { kind: 'upstreams', upstreams: [{ host: '127.0.0.1', port: 5000 }] });
    await this.nginx.prevalidate(site, { text, name: await this.templateName(app) }, await appConfig(this.store, app), await this.pluginTemplate(app, 'validate-config'));
    return true;
  }

  /** nginx:validate-config of one app: its nginx.conf alone, in the validate-config wrapper a plugin may supply. */
  async checkNginxConfig(app: AppName) {
    if (!this.nginx) return undefined;
    return this.nginx.checkApp(app, await this.pluginTemplate(app, 'validate-config'));
  }

  /** nginx's mappings: without vhosts, Dokku's (server blocks without server_name on the app's own ports). */
  private async nginxMaps(app: AppName, hasCert: boolean): Promise<SiteMap[]> {
    if (await this.store.domains.vhostEnabled(app)) return nginxPortMaps(this.store, app, hasCert);
    await assignProxyPorts(this.store, app, this.ports?.host ?? '127.0.0.1');
    return vhostlessMaps(this.store, app);
  }

  /** Off every proxy (destroy, proxy:disable). */
  async remove(app: AppName): Promise<void> {
    this.proxy.removeApp(app);
    await this.ports?.proxies.remove(app);
    await this.nginx?.remove(app);
  }
}
