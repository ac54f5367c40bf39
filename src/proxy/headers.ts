// Header rewriting between client and upstream: hop-by-hop headers stay on their own hop, and
// the upstream learns who really called (X-Forwarded-*). Works on raw header arrays so names
// keep their case and repeated headers (Set-Cookie) stay separate, without building objects.
import type { IncomingMessage } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific headers, plus ones this proxy answers or sets itself. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'http2-settings', 'expect',
]);
const REPLACED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-request-start']);

/** Extra names a sender marked as hop-by-hop by listing them in its Connection header. */
function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive') return undefined;
  const listed = new Set<string>();
  for (const token of String(value).toLowerCase().split(',')) {
    const name = token.trim();
    if (name !== '' && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade') listed.add(name);
  }
  return listed.size > 0 ? listed : undefined;
}

function clientAddress(req: IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress;
  // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; upstreams expect a.b.c.d.
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

let startMs = 0;
let startText = '0.000';
/** Now in seconds with ms precision, formatted once per millisecond however many requests share it. */
function requestStart(): string {
  const now = Date.now();
  if (now !== startMs) {
    startMs = now;
    startText = (now / 1000).toFixed(3);
  }
  return startText;
}

/** Whether the client sends a body: decides when the proxy may still retry another upstream. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Request headers for the upstream; `upgrade` keeps the Connection/Upgrade pair a tunnel needs. */
export function upstreamRequestHeaders(req: IncomingMessage, upgrade: boolean): string[] {
  const raw = req.rawHeaders;
  const listed = connectionListed(req.headers.connection);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let hostSeen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'host') {
      // Only the Host the proxy routed on goes on: a second one could steer the app elsewhere.
      if (hostSeen) continue;
      hostSeen = true;
    } else if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? raw[i + 1] : `${forwardedFor}, ${raw[i + 1]}`;
      continue;
    }
    if (HOP_BY_HOP.has(name) || REPLACED.has(name) || listed?.has(name)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  const client = clientAddress(req);
  if (client !== undefined) forwardedFor = forwardedFor === undefined ? client : `${forwardedFor}, ${client}`;
  if (forwardedFor !== undefined) out.push('X-Forwarded-For', forwardedFor);
  out.push('X-Forwarded-Proto', 'encrypted' in req.socket ? 'https' : 'http');
  if (req.headers.host !== undefined) out.push('X-Forwarded-Host', req.headers.host);
  out.push('X-Forwarded-Port', String(req.socket.localPort ?? ''));
  // Dokku's nginx sets it too; apps measure queueing time with it (seconds, ms precision).
  out.push('X-Request-Start', requestStart());
  // Without an upgrade, framing is the pool's: a body of unknown length is re-chunked by undici.
  if (upgrade) out.push('Connection', 'Upgrade', 'Upgrade', String(req.headers.upgrade ?? ''));
  return out;
}

/** Response headers for the client; Node re-frames the body (length, chunking, keep-alive) itself. */
export function clientResponseHeaders(raw: readonly string[], connection: string | string[] | undefined): string[] {
  const listed = connectionListed(connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if ((HOP_BY_HOP.has(name) && name !== 'expect') || listed?.has(name)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** The same, from the raw Buffer pairs an undici handler receives (latin1, as on the wire). */
export function clientResponseHeadersFromBuffers(raw: readonly Buffer[]): string[] {
  const text: string[] = new Array<string>(raw.length);
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    text[i] = name;
    text[i + 1] = raw[i + 1].toString('latin1');
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      connection = connection === undefined ? text[i + 1] : `${connection}, ${text[i + 1]}`;
    }
  }
  return clientResponseHeaders(text, connection);
}
