// The short pages the proxy answers with itself (404 unknown host, 502, 503, …), for a normal
// response or, on the upgrade path, written raw to a socket that has no ServerResponse.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { shown } from '../names.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Untrusted parts (a Host header) are bounded and made printable before they reach a page. */
export function safe(value: string | undefined, fallback = '(none)'): string {
  return value ? shown(value, 253) : fallback;
}

function body(status: number, message: string): string {
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n`
    + `<body><h1>${title}</h1>\n<p>${escapeHtml(message)}</p></body></html>\n`;
}

/** Sends a status page, or cuts the connection if the upstream's headers already went out. */
export function sendPage(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = body(status, message);
  res.writeHead(status, {
    ...extra,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export function writeRawPage(socket: Duplex, status: number, message: string, extra: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = body(status, message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`
    + 'Content-Type: text/html; charset=utf-8\r\n'
    + `Content-Length: ${Buffer.byteLength(text)}\r\n`
    + Object.entries(extra).map(([name, value]) => `${name}: ${value}\r\n`).join('')
    + 'Cache-Control: no-store\r\nConnection: close\r\n\r\n'
    + text,
  );
}

export const messages = {
  unknownHost: (host: string | undefined) => `No app is configured for host ${safe(host)}`,
  noUpstreams: (app: string) => `${app} has no running web processes`,
  badGateway: (app: string) => `${app} did not answer: its web processes may have crashed or be restarting`,
  notFound: () => 'No such file',
  badRequest: () => 'Malformed request path',
  repeatedHost: () => 'More than one Host header',
  movedToHttps: () => 'This app is served over HTTPS',
  misdirected: (host: string | undefined) => `The TLS connection was not made for host ${safe(host)}`,
};
