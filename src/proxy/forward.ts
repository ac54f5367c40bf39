// Forwards one HTTP request to an app's upstreams through keep-alive connection pools: round-robin,
// one retry on the next upstream when the first could not have seen the request, and bodies
// streamed both ways (with backpressure), never buffered. One handler object per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientResponseHeadersFromFields, hasBody, upstreamRequestHeaders } from './headers.js';
import { messages, sendPage } from './pages.js';
import type { UpstreamPools } from './pools.js';
import type { UpstreamHandler } from './upstream-pool.js';
import type { TrustedProxies } from './trusted.js';
import type { ErrorSink, UpstreamRoute } from './types.js';

/** Bodies up to this size are sent with their head as one string (copying beats a writev below it). */
const ONE_WRITE_BYTES = 16 * 1024;
/** One retry: enough to step over a dead upstream or a stale keep-alive socket without stampeding. */
const MAX_ATTEMPTS = 2;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** A connection that died before any answer: on a reused keep-alive socket, the request was not seen. */
const CUT_BEFORE_ANSWER = new Set(['ECONNRESET', 'EPIPE']);

export interface ForwardContext {
  readonly pools: UpstreamPools;
  readonly onError: ErrorSink;
  readonly trusted: TrustedProxies;
}

/** The route's next upstream index; shared by concurrent requests, so a switch resets it. */
export function nextUpstream(route: UpstreamRoute): number {
  const index = route.cursor % route.upstreams.length;
  route.cursor = index + 1;
  return index;
}

class Forwarding implements UpstreamHandler {
  private index = 0;
  private attempt = 0;
  /** Set once a socket is up and the request is being written (onConnect). */
  private abort: (() => void) | undefined = undefined;
  private responded = false;
  private resume: (() => void) | undefined = undefined;
  /** Body bytes the upstream's Content-Length frames (the parser's reading), or -1: lets a one-chunk body end the response at once. */
  private expected = -1;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly route: UpstreamRoute,
    private readonly ctx: ForwardContext,
    private readonly headers: string[],
    private readonly withBody: boolean,
  ) {
    // The client left before the answer was complete: stop the upstream work too.
    res.on('close', this.onClientClose);
  }

  start(index: number): void {
    this.index = index;
    this.attempt++;
    this.abort = undefined;
    // The body is only read once a socket is up, so a refused connection leaves it unread
    // and the request can still go to another upstream.
    this.ctx.pools.get(this.route.upstreams[index]).dispatch({
      method: this.req.method ?? 'GET',
      path: this.req.url ?? '/',
      headers: this.headers,
      body: this.withBody ? this.req : null,
    }, this);
  }

  private readonly onClientClose = (): void => {
    if (!this.res.writableFinished) this.abort?.();
  };

  onConnect(abort: () => void): void {
    this.abort = abort;
    if (this.res.destroyed) abort();
  }

  onHeaders(statusCode: number, fields: string[], resume: () => void, statusText: string, bodyLength: number): void {
    this.responded = true;
    this.resume = resume;
    const { res, route } = this;
    try {
      const headers = clientResponseHeadersFromFields(fields);
      res.writeHead(statusCode, statusText, headers);
      this.expected = bodyLength;
    } catch (error) {
      const upstream = route.upstreams[this.index];
      this.ctx.onError(error as Error, `${route.app}: unusable response headers from ${upstream.host}:${upstream.port}`);
      sendPage(res, 502, messages.badGateway(route.app));
      this.abort?.();
    }
  }

  onData(chunk: Buffer): boolean {
    const { res } = this;
    if (chunk.length === this.expected) {
      // The whole body in one chunk: headers and body leave in one write. A small body goes as a
      // latin1 string (byte for byte), which Node appends to the head: one write(2) instead of a writev.
      if (chunk.length <= ONE_WRITE_BYTES) res.end(chunk.toString('latin1'), 'latin1');
      else res.end(chunk);
      return true;
    }
    if (res.write(chunk)) return true;
    const resume = this.resume;
    if (resume !== undefined) res.once('drain', resume);
    return false;
  }

  onComplete(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  onError(error: NodeJS.ErrnoException): void {
    const { res, req, route } = this;
    if (this.responded) {
      // A response cut short upstream must reach the client as a cut, not as a clean short body.
      if (!res.writableEnded) res.destroy();
      return;
    }
    if (res.destroyed || res.writableEnded) return;
    const unseen = this.abort === undefined
      || (!this.withBody && IDEMPOTENT.has(req.method ?? '') && CUT_BEFORE_ANSWER.has(error.code ?? ''));
    if (unseen && this.attempt < MAX_ATTEMPTS) {
      this.start((this.index + 1) % route.upstreams.length);
      return;
    }
    const upstream = route.upstreams[this.index];
    this.ctx.onError(error, `${route.app}: upstream ${upstream.host}:${upstream.port} failed`);
    sendPage(res, 502, messages.badGateway(route.app));
  }
}

export function forward(req: IncomingMessage, res: ServerResponse, route: UpstreamRoute, ctx: ForwardContext): void {
  const withBody = hasBody(req);
  new Forwarding(req, res, route, ctx, upstreamRequestHeaders(req, false, ctx.trusted.has(req.socket.remoteAddress)), withBody).start(nextUpstream(route));
}
