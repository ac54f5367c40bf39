// Keep-alive HTTP/1.1 connections to one upstream (host:port): a request is written as one head
// (and its body streamed, with backpressure), the answer read by ResponseParser and handed to the
// request's handler as it arrives. Idle connections are reused last-in first-out and dropped
// before the upstream's advertised keep-alive timeout; requests beyond the connection limit wait.
// Written for the proxy's hot path (one write per request without a body, no per-request timers):
// undici's general-purpose client spent about a quarter of the proxy's CPU (bench/README.md).
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { ResponseParser, type ResponseEvents, type ResponseHead } from './response-parser.js';

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  /** Field names and values, alternating; hop-by-hop fields already removed. */
  readonly headers: readonly string[];
  /** The client's request when it has a body, streamed to the upstream once a connection is up. */
  readonly body: IncomingMessage | null;
}

/** What the proxy does with an answer; the calls follow undici's dispatch handler in order and meaning. */
export interface UpstreamHandler {
  /** A connection is up and the request is being written; `abort` drops it. */
  onConnect(abort: () => void): void;
  /** `bodyLength`: the body's bytes when Content-Length frames it, else -1. */
  onHeaders(status: number, headers: string[], resume: () => void, statusText: string, bodyLength: number): void;
  /** false: stop reading until `resume` (from onHeaders) is called. */
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  /** The connection failed, or the answer was malformed or cut short; nothing follows. */
  onError(error: NodeJS.ErrnoException): void;
}

export interface UpstreamPoolOptions {
  /** Connections, busy or idle; requests beyond it queue. */
  readonly connections: number;
}

/** Idle time before a connection is dropped when the upstream announced none (undici's default too). */
const DEFAULT_IDLE_MS = 4_000;
/** Margin below the upstream's announced keep-alive timeout, so it never closes a socket just as it is reused. */
const IDLE_MARGIN_MS = 1_000;
const MAX_IDLE_MS = 600_000;

function failure(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** One upstream connection; carries one request at a time. */
class Connection implements ResponseEvents {
  readonly socket: net.Socket;
  private readonly parser = new ResponseParser(this);
  private handler: UpstreamHandler | undefined;
  /** A request sent before the socket was up, written on connect. */
  private waiting: UpstreamRequest | undefined;
  private connected = false;
  /** Stops streaming the client's body (set while it is being written). */
  private detachBody: (() => void) | undefined;
  /** A final response head arrived for the current request. */
  private answered = false;
  idleSince = 0;
  idleMs = DEFAULT_IDLE_MS;

  constructor(private readonly pool: UpstreamPool, host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('connect', this.onSocketConnect);
    this.socket.on('data', this.onSocketData);
    this.socket.on('end', this.onSocketEnd);
    this.socket.on('error', this.fail);
    this.socket.on('close', this.onSocketClose);
  }

  send(request: UpstreamRequest, handler: UpstreamHandler): void {
    this.handler = handler;
    this.answered = false;
    this.parser.expect(request.method);
    // The last answer may have left reading paused (a slow client); this one starts afresh.
    if (this.socket.isPaused()) this.socket.resume();
    if (this.connected) this.write(request, handler);
    else this.waiting = request;
  }

  private readonly onSocketConnect = (): void => {
    this.connected = true;
    const request = this.waiting;
    this.waiting = undefined;
    if (request !== undefined && this.handler !== undefined) this.write(request, this.handler);
  };

  private write(request: UpstreamRequest, handler: UpstreamHandler): void {
    // Bound to this request: a late abort (the client leaving after its answer) spares the next one.
    handler.onConnect(() => {
      if (this.handler === handler) this.abort();
    });
    if (this.handler !== handler) return; // aborted at once (the client had already left)
    const { headers, body } = request;
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    let host = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      if (name.length === 4 && name.toLowerCase() === 'host') host = true;
      head += `${name}: ${headers[i + 1]}\r\n`;
    }
    if (!host) head += `Host: ${this.pool.authority}\r\n`;
    // A body of unknown length (the client's own chunking was a hop-by-hop matter) is chunked again.
    const chunked = body !== null && body.headers['content-length'] === undefined;
    if (chunked) head += 'Transfer-Encoding: chunked\r\n';
    this.socket.write(`${head}\r\n`, 'latin1');
    if (body !== null) this.streamBody(body, chunked);
  }

  /** Streams the client's body to the upstream, pausing the client while the upstream is slow. */
  private streamBody(body: IncomingMessage, chunked: boolean): void {
    const socket = this.socket;
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        ok = socket.write('\r\n', 'latin1');
        socket.uncork();
      } else {
        ok = socket.write(chunk);
      }
      if (!ok) {
        body.pause();
        socket.once('drain', () => body.resume());
      }
    };
    const onEnd = (): void => {
      detach();
      if (chunked) socket.write('0\r\n\r\n', 'latin1');
      // Answered early (413, 401 …) while the body was still going out: free now that it is sent.
      if (this.handler === undefined && this.parser.reusable) this.pool.release(this);
    };
    // The client left mid-body: the upstream must not take a cut request for a whole one.
    const onClose = (): void => {
      if (!body.complete) this.abort();
    };
    const detach = (): void => {
      this.detachBody = undefined;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('close', onClose);
    };
    this.detachBody = detach;
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('close', onClose);
    body.resume();
  }

  /** Drops the connection: the request's handler hears nothing more. */
  private readonly abort = (): void => {
    this.handler = undefined;
    this.detachBody?.();
    this.socket.destroy();
  };

  private readonly resume = (): void => {
    this.socket.resume();
  };

  onHead(head: ResponseHead): void {
    this.answered = true;
    if (head.keepAliveSeconds !== undefined) {
      this.idleMs = Math.max(0, Math.min(MAX_IDLE_MS, head.keepAliveSeconds * 1000 - IDLE_MARGIN_MS));
    }
    this.handler?.onHeaders(head.status, head.headers, this.resume, head.statusText, head.bodyLength);
  }

  onBody(chunk: Buffer): void {
    const handler = this.handler;
    if (handler !== undefined && !handler.onData(chunk)) this.socket.pause();
  }

  onEnd(): void {
    const handler = this.handler;
    this.handler = undefined;
    handler?.onComplete();
    if (!this.parser.reusable || this.idleMs === 0) this.socket.destroy();
    else if (this.detachBody === undefined) this.pool.release(this);
  }

  private readonly onSocketData = (chunk: Buffer): void => {
    if (this.handler === undefined) {
      // Bytes while idle (or after an abort) answer no request.
      this.socket.destroy();
      return;
    }
    try {
      this.parser.execute(chunk);
    } catch (error) {
      this.fail(error as NodeJS.ErrnoException);
    }
  };

  private readonly onSocketEnd = (): void => {
    // The upstream closed its side: a body framed by the close ends here; any other answer was cut.
    if (this.handler !== undefined && !this.parser.finish()) {
      this.fail(this.parser.busy || this.answered
        ? failure('the upstream closed the connection mid-response', 'E_UPSTREAM_CUT')
        : failure('the upstream closed the connection before answering', 'ECONNRESET'));
    }
    this.socket.destroy();
  };

  private readonly onSocketClose = (): void => {
    if (this.handler !== undefined) {
      this.fail(this.answered ? failure('the upstream connection closed mid-response', 'E_UPSTREAM_CUT') : failure('the upstream connection closed', 'ECONNRESET'));
    }
    this.pool.forget(this);
  };

  /** The request failed (refused, reset, malformed answer …): its handler hears it once; the connection is dropped. */
  readonly fail = (error: NodeJS.ErrnoException): void => {
    const handler = this.handler;
    this.handler = undefined;
    this.detachBody?.();
    this.socket.destroy();
    handler?.onError(error);
  };
}

export class UpstreamPool {
  /** `host:port` as a Host header value, for requests that came without one. */
  readonly authority: string;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Array<{ request: UpstreamRequest; handler: UpstreamHandler }> = [];
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;
  /** Destroyed with the proxy: new requests fail at once instead of opening connections. */
  private destroyed = false;

  constructor(private readonly host: string, private readonly port: number, private readonly options: UpstreamPoolOptions) {
    this.authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  }

  dispatch(request: UpstreamRequest, handler: UpstreamHandler): void {
    if (this.destroyed) {
      handler.onError(failure('the proxy is closing', 'ECONNABORTED'));
      return;
    }
    const connection = this.take();
    if (connection !== undefined) connection.send(request, handler);
    else this.queue.push({ request, handler });
  }

  /** An idle connection still within its keep-alive time, or a new one, or none (at the limit). */
  private take(): Connection | undefined {
    const now = Date.now();
    while (this.idle.length > 0) {
      const connection = this.idle.pop() as Connection;
      if (now - connection.idleSince < connection.idleMs && !connection.socket.destroyed) return connection;
      connection.socket.destroy();
    }
    if (this.all.size >= this.options.connections) return undefined;
    const connection = new Connection(this, this.host, this.port);
    this.all.add(connection);
    return connection;
  }

  /** A connection is free again: the next queued request takes it, else it waits idle. */
  release(connection: Connection): void {
    if (this.closing) {
      connection.socket.destroy();
      return;
    }
    const next = this.queue.shift();
    if (next !== undefined) {
      connection.send(next.request, next.handler);
      return;
    }
    connection.idleSince = Date.now();
    this.idle.push(connection);
    this.sweeper ??= setInterval(this.sweep, 1_000).unref();
  }

  /** A connection closed: it leaves the pool, and a queued request may open a new one. */
  forget(connection: Connection): void {
    this.all.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
    const next = this.queue.length > 0 && this.all.size < this.options.connections ? this.queue.shift() : undefined;
    if (next !== undefined) this.dispatch(next.request, next.handler);
    if (this.idle.length === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Drops idle connections past their keep-alive time. */
  private readonly sweep = (): void => {
    const now = Date.now();
    for (const connection of [...this.idle]) {
      if (now - connection.idleSince >= connection.idleMs) connection.socket.destroy();
    }
  };

  /** No new connections are kept: idle ones close now, busy ones once their answer is complete. */
  close(): void {
    this.closing = true;
    for (const connection of this.idle) connection.socket.destroy();
  }

  /** Cuts every connection, busy or idle; queued requests fail. */
  destroy(): void {
    this.closing = true;
    this.destroyed = true;
    const queued = this.queue.splice(0);
    for (const connection of [...this.all]) connection.fail(failure('the proxy is closing', 'ECONNABORTED'));
    for (const { handler } of queued) handler.onError(failure('the proxy is closing', 'ECONNABORTED'));
  }
}
