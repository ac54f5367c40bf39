// Real loopback servers for the proxy tests: upstream apps on ephemeral ports, a proxy in front,
// and a small client that returns status, headers and the whole body (fine at test sizes).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ReverseProxy, type ProxyOptions } from '../../src/proxy/index.js';

export const LOOPBACK = '127.0.0.1';

export interface TestServer {
  readonly server: http.Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function startServer(
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  onUpgrade?: (req: IncomingMessage, socket: Socket, head: Buffer) => void,
): Promise<TestServer> {
  const server = http.createServer(onRequest);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  if (onUpgrade) server.on('upgrade', (req, socket: Socket, head: Buffer) => onUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}

/** An upstream that answers every request with its name (after draining any body). */
export function named(name: string): Promise<TestServer> {
  return startServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(name));
  });
}

/** A port that was free a moment ago and has nothing listening: connecting is refused. */
export async function deadPort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}

export interface TestProxy {
  readonly proxy: ReverseProxy;
  readonly port: number;
  readonly errors: string[];
  close(): Promise<void>;
}

export async function startProxy(options: Omit<ProxyOptions, 'onError'> = {}): Promise<TestProxy> {
  const errors: string[] = [];
  const proxy = new ReverseProxy({ ...options, onError: (error, context) => errors.push(`${context}: ${error.message}`) });
  const { port } = await proxy.listen(LOOPBACK, 0);
  return { proxy, port, errors, close: () => proxy.close() };
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

export interface RequestOptions {
  host?: string;
  path?: string;
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer | Readable;
  agent?: http.Agent | false;
}

export function request(port: number, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: LOOPBACK,
      port,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      headers: { host: options.host ?? 'app.test', ...options.headers },
      agent: options.agent ?? false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    req.on('error', reject);
    const { body } = options;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}
