// The shapes the route table hands to the request handlers: where one app's traffic goes.
// Routes are immutable once published, except the round-robin cursor, which is per route object.

export interface Upstream {
  readonly host: string;
  readonly port: number;
}

export interface UpstreamRoute {
  readonly kind: 'upstreams';
  readonly app: string;
  readonly upstreams: readonly Upstream[];
  /** Next upstream index; a new route object (a switch) starts again at 0. */
  cursor: number;
}

export interface StaticRoute {
  readonly kind: 'static';
  readonly app: string;
  /** Absolute directory served as the site root. */
  readonly dir: string;
}

export type Route = UpstreamRoute | StaticRoute;

/** Where the proxy reports upstream and static-file failures; the client only sees the status page. */
export type ErrorSink = (error: Error, context: string) => void;
