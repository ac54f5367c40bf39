// Forwards one HTTP request to an app's upstreams: round-robin, one retry on the next upstream
// when the first could not have seen the request, and bodies streamed both ways, never buffered.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientResponseHeaders, hasBody, upstreamRequestHeaders } from './headers.js';
import { messages, sendPage } from './pages.js';
import type { ErrorSink, UpstreamRoute } from './types.js';

/** One retry: enough to step over a dead upstream or a stale keep-alive socket without stampeding. */
const MAX_ATTEMPTS = 2;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export interface ForwardContext {
  readonly agent: http.Agent;
  readonly onError: ErrorSink;
}

/** The route's next upstream index; shared by concurrent requests, so a switch resets it. */
export function nextUpstream(route: UpstreamRoute): number {
  const index = route.cursor % route.upstreams.length;
  route.cursor = index + 1;
  return index;
}

export function forward(req: IncomingMessage, res: ServerResponse, route: UpstreamRoute, ctx: ForwardContext): void {
  const headers = upstreamRequestHeaders(req, false);
  const withBody = hasBody(req);
  let current: http.ClientRequest | undefined;

  req.on('error', () => current?.destroy());
  res.on('close', () => {
    // The client left before the answer was complete: stop the upstream work too.
    if (!res.writableFinished) current?.destroy();
  });

  const attempt = (index: number, number: number): void => {
    const upstream = route.upstreams[index];
    let connected = false;
    let bodySent = false;
    let responded = false;
    const proxyReq = http.request({
      host: upstream.host,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: ctx.agent,
    });
    current = proxyReq;

    const onConnect = (): void => {
      connected = true;
      // The body is only read once a socket is up, so a refused connection leaves it unread
      // and the request can still go to another upstream.
      if (withBody) {
        bodySent = true;
        req.pipe(proxyReq);
      }
    };
    proxyReq.on('socket', (socket: Socket) => {
      if (socket.connecting) socket.once('connect', onConnect);
      else onConnect();
    });
    if (!withBody) proxyReq.end();

    proxyReq.on('response', (proxyRes) => {
      responded = true;
      let relaying = false;
      // A response cut short upstream must reach the client as a cut, not as a clean short body.
      const cut = (): void => {
        if (relaying && !proxyRes.complete) res.destroy();
      };
      proxyRes.on('error', cut);
      proxyRes.on('close', cut);
      try {
        res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, clientResponseHeaders(proxyRes.rawHeaders, proxyRes.headers.connection));
      } catch (error) {
        ctx.onError(error as Error, `${route.app}: unusable response headers from ${upstream.host}:${upstream.port}`);
        sendPage(res, 502, messages.badGateway(route.app));
        proxyRes.destroy();
        return;
      }
      relaying = true;
      proxyRes.pipe(res);
    });

    proxyReq.on('error', (error: NodeJS.ErrnoException) => {
      if (responded) {
        res.destroy();
        return;
      }
      if (res.destroyed || res.writableEnded) return;
      const unseen = !connected || (proxyReq.reusedSocket && error.code === 'ECONNRESET' && IDEMPOTENT.has(req.method ?? ''));
      if (unseen && !bodySent && number < MAX_ATTEMPTS) {
        attempt((index + 1) % route.upstreams.length, number + 1);
        return;
      }
      ctx.onError(error, `${route.app}: upstream ${upstream.host}:${upstream.port} failed`);
      if (bodySent) req.unpipe(proxyReq);
      sendPage(res, 502, messages.badGateway(route.app));
    });
  };

  attempt(nextUpstream(route), 1);
}
