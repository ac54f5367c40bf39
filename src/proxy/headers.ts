// Header rewriting between client and upstream: hop-by-hop headers stay on their own hop, and
// the upstream learns who really called (X-Forwarded-*, from the connection unless the peer is a
// trusted proxy, whose own X-Forwarded-* are kept and whose X-Forwarded-For is appended to). Works on raw header arrays so names
// keep their case and repeated headers (Set-Cookie) stay separate, without building objects.
import type { IncomingMessage } from 'node:http';
import { plainAddress } from './trusted.js';

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

/** Whether the request carries more than one Host header (RFC 9112 §3.2: answer 400). */
export function repeatedHost(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

/** X-Forwarded-* a trusted peer sent (its For list joined, the others' first value). */
interface Forwarded { for?: string; proto?: string; host?: string; port?: string }

/**
 * Request headers for the upstream; `upgrade` keeps the Connection/Upgrade pair a tunnel needs.
 * `trusted`: the peer is a configured proxy, so its X-Forwarded-* describe the real client.
 */
export function upstreamRequestHeaders(req: IncomingMessage, upgrade: boolean, trusted: boolean): string[] {
  const raw = req.rawHeaders;
  const listed = connectionListed(req.headers.connection);
  const out: string[] = [];
  const given: Forwarded = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    if (REPLACED.has(name)) {
      if (trusted) keepForwarded(given, name, raw[i + 1]);
      continue;
    }
    out.push(raw[i], raw[i + 1]);
  }
  const peer = plainAddress(req.socket.remoteAddress);
  const forwardedFor = given.for !== undefined && peer !== undefined ? `${given.for}, ${peer}` : given.for ?? peer;
  if (forwardedFor !== undefined) out.push('X-Forwarded-For', forwardedFor);
  out.push('X-Forwarded-Proto', given.proto ?? ('encrypted' in req.socket ? 'https' : 'http'));
  const host = given.host ?? req.headers.host;
  if (host !== undefined) out.push('X-Forwarded-Host', host);
  out.push('X-Forwarded-Port', given.port ?? String(req.socket.localPort ?? ''));
  // Dokku's nginx sets it too; apps measure queueing time with it (seconds, ms precision).
  out.push('X-Request-Start', requestStart());
  // Without an upgrade, framing is the pool's: a body of unknown length is chunked again (upstream-pool.ts).
  if (upgrade) out.push('Connection', 'Upgrade', 'Upgrade', String(req.headers.upgrade ?? ''));
  return out;
}

function keepForwarded(given: Forwarded, name: string, value: string): void {
  if (name === 'x-forwarded-for') given.for = given.for === undefined ? value : `${given.for}, ${value}`;
  else if (name === 'x-forwarded-proto') given.proto ??= value;
  else if (name === 'x-forwarded-host') given.host ??= value;
  else if (name === 'x-forwarded-port') given.port ??= value;
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

/** The same, from an upstream response's fields (names and values alternating, latin1 as on the wire). */
export function clientResponseHeadersFromFields(fields: readonly string[]): string[] {
  let connection: string | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i];
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      connection = connection === undefined ? fields[i + 1] : `${connection}, ${fields[i + 1]}`;
    }
  }
  return clientResponseHeaders(fields, connection);
}
