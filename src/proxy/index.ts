// The proxy's public face: what deploy/ and the serve command use to route apps.
// Everything else in this folder is an implementation detail of ReverseProxy.
export { ReverseProxy, type ProxyOptions, type AcmeChallengeLookup } from './reverse-proxy.js';
export { PortProxies, type PortTarget } from './port-proxies.js';
export type { AppRoutes } from './route-table.js';
export type { TlsPair } from './tls.js';
export type { ErrorSink, Route, StaticRoute, Upstream, UpstreamRoute } from './types.js';
