// Upgrade requests (WebSockets): ask an upstream to switch protocols, then splice the two raw
// sockets together until either side closes. Tunnels are tracked so close() can cut them.
import http, { type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { nextUpstream } from './forward.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { messages, writeRawPage } from './pages.js';
import type { TrustedProxies } from './trusted.js';
import type { ErrorSink, UpstreamRoute } from './types.js';

const MAX_ATTEMPTS = 2;

export interface UpgradeContext {
  readonly onError: ErrorSink;
  /** Client and upstream sockets of live tunnels. */
  readonly tunnels: Set<Duplex>;
  readonly trusted: TrustedProxies;
}

function headerBlock(statusLine: string, raw: readonly string[]): string {
  let block = `${statusLine}\r\n`;
  for (let i = 0; i < raw.length; i += 2) block += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${block}\r\n`;
}

function splice(client: Duplex, upstream: Socket, ctx: UpgradeContext): void {
  upstream.setNoDelay(true);
  upstream.setTimeout(0);
  ctx.tunnels.add(client);
  ctx.tunnels.add(upstream);
  const teardown = (): void => {
    ctx.tunnels.delete(client);
    ctx.tunnels.delete(upstream);
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', teardown);
  upstream.on('close', teardown);
  client.on('close', teardown);
  upstream.pipe(client);
  client.pipe(upstream);
}

export function forwardUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, route: UpstreamRoute, ctx: UpgradeContext): void {
  const headers = upstreamRequestHeaders(req, true, ctx.trusted.has(req.socket.remoteAddress));
  let current: http.ClientRequest | undefined;
  let tunnelled = false;
  // The client's error handler stays for the socket's life; the tunnel adds its own teardown.
  client.on('error', () => {
    current?.destroy();
    client.destroy();
  });
  client.once('close', () => {
    if (!tunnelled) current?.destroy();
  });
  // Bytes the client sent after its headers belong to the new protocol: replay them into the tunnel.
  if (head.length > 0) client.unshift(head);

  const attempt = (index: number, number: number): void => {
    const upstream = route.upstreams[index];
    let connected = false;
    const proxyReq = http.request({
      host: upstream.host,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    });
    current = proxyReq;
    proxyReq.on('socket', (socket: Socket) => socket.once('connect', () => { connected = true; }));

    proxyReq.on('upgrade', (proxyRes, upstreamSocket: Socket, upstreamHead: Buffer) => {
      tunnelled = true;
      if (client.destroyed) {
        upstreamSocket.destroy();
        return;
      }
      client.write(headerBlock(`HTTP/1.1 101 ${proxyRes.statusMessage ?? 'Switching Protocols'}`, proxyRes.rawHeaders));
      if (upstreamHead.length > 0) client.write(upstreamHead);
      splice(client, upstreamSocket, ctx);
    });

    proxyReq.on('response', (proxyRes) => {
      // The upstream declined to switch: relay its answer and close, since the client's socket
      // is no longer an HTTP connection the server manages.
      tunnelled = true;
      const raw = clientResponseHeaders(proxyRes.rawHeaders, proxyRes.headers.connection);
      client.write(headerBlock(`HTTP/1.1 ${proxyRes.statusCode ?? 502} ${proxyRes.statusMessage ?? ''}`, [...raw, 'Connection', 'close']));
      proxyRes.on('error', () => client.destroy());
      proxyRes.pipe(client);
    });

    proxyReq.on('error', (error) => {
      if (tunnelled || client.destroyed) return;
      if (!connected && number < MAX_ATTEMPTS) {
        attempt((index + 1) % route.upstreams.length, number + 1);
        return;
      }
      ctx.onError(error, `${route.app}: upgrade to ${upstream.host}:${upstream.port} failed`);
      writeRawPage(client, 502, messages.badGateway(route.app));
    });
    proxyReq.end();
  };

  attempt(nextUpstream(route), 1);
}
