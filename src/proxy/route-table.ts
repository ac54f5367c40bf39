// Host name → route for every app. Each change builds a fresh snapshot and publishes it in one
// assignment, so a request sees either the old or the new routes of an app, never a mix.
import path from 'node:path';
import { ConflictError, SlipwayError } from '../errors.js';
import { shown } from '../names.js';
import { ANY_HOST, hostKey, parseRouteHostnames, type RouteHostname } from './hostnames.js';
import type { Route, Upstream } from './types.js';

interface AppEntry {
  readonly route: Route;
  readonly hostnames: readonly RouteHostname[];
}

interface Snapshot {
  readonly apps: ReadonlyMap<string, AppEntry>;
  readonly exact: ReadonlyMap<string, Route>;
  /** Keyed by suffix with its leading dot: ".example.com". */
  readonly wildcard: ReadonlyMap<string, Route>;
  /** The route of ANY_HOST: every Host header nothing else matched (and none at all). */
  readonly any: Route | undefined;
}

export interface AppRoutes {
  readonly app: string;
  readonly hostnames: readonly string[];
  readonly route: Route;
}

const EMPTY: Snapshot = { apps: new Map(), exact: new Map(), wildcard: new Map(), any: undefined };

export class RouteTable {
  private snapshot: Snapshot = EMPTY;

  /** Exact hostnames first, then the longest matching wildcard suffix, then the catch-all (`*`). */
  lookup(hostHeader: string | undefined): Route | undefined {
    const { exact, wildcard, any } = this.snapshot;
    // A Host header that is already a key (lower case, no port) needs no copy: the usual case.
    const direct = hostHeader === undefined ? undefined : exact.get(hostHeader);
    if (direct !== undefined) return direct;
    const host = hostKey(hostHeader);
    const found = exact.get(host);
    if (found !== undefined || wildcard.size === 0) return found ?? any;
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const match = wildcard.get(host.slice(dot));
      if (match !== undefined) return match;
    }
    return any;
  }

  setUpstreams(app: string, hostnames: readonly string[], upstreams: readonly Upstream[]): void {
    const checked = upstreams.map(parseUpstream);
    this.put(app, hostnames, { kind: 'upstreams', app, upstreams: Object.freeze(checked), cursor: 0 });
  }

  setStatic(app: string, hostnames: readonly string[], dir: string): void {
    if (!path.isAbsolute(dir)) {
      throw new SlipwayError('E_PROXY_INVALID_STATIC_DIR', `Static directory for ${shown(app)} must be an absolute path`, 1);
    }
    this.put(app, hostnames, { kind: 'static', app, dir: path.resolve(dir) });
  }

  remove(app: string): void {
    if (!this.snapshot.apps.has(app)) return;
    const apps = new Map(this.snapshot.apps);
    apps.delete(app);
    this.snapshot = build(apps);
  }

  list(): AppRoutes[] {
    return [...this.snapshot.apps].map(([app, entry]) => ({
      app,
      hostnames: entry.hostnames.map((h) => h.name),
      route: entry.route,
    }));
  }

  private put(app: string, hostnames: readonly string[], route: Route): void {
    const parsed = dedupe(hostnames.flatMap(parseRouteHostnames));
    const current = this.snapshot;
    for (const [other, entry] of current.apps) {
      if (other === app) continue;
      const taken = parsed.find((h) => entry.hostnames.some((e) => e.key === h.key && e.wildcard === h.wildcard));
      if (taken) {
        throw new ConflictError('E_PROXY_HOSTNAME_IN_USE', `Hostname ${taken.name} is already routed to app ${shown(other)}`);
      }
    }
    const apps = new Map(current.apps);
    apps.set(app, { route, hostnames: parsed });
    this.snapshot = build(apps);
  }
}

function build(apps: Map<string, AppEntry>): Snapshot {
  const exact = new Map<string, Route>();
  const wildcard = new Map<string, Route>();
  for (const { route, hostnames } of apps.values()) {
    for (const h of hostnames) (h.wildcard ? wildcard : exact).set(h.key, route);
  }
  return { apps, exact, wildcard, any: exact.get(ANY_HOST) };
}

function dedupe(hostnames: RouteHostname[]): RouteHostname[] {
  return [...new Map(hostnames.map((h) => [h.name, h] as const)).values()];
}

function parseUpstream(upstream: Upstream): Upstream {
  const { host, port } = upstream;
  if (typeof host !== 'string' || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SlipwayError('E_PROXY_INVALID_UPSTREAM', `Invalid upstream ${shown(String(host))}:${shown(String(port))}`, 1);
  }
  return Object.freeze({ host, port });
}
