// Small HTTP pieces the dashboard's routes share: safe headers on every answer, cookies, a bounded
// form body, and the same-origin check every POST passes besides its CSRF token.
import type http from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Form bodies larger than this are refused (a config value is the largest thing a form carries). */
const MAX_FORM_BYTES = 256 * 1024;

export const COOKIE = 'slipway_session';

/** Every answer: no caching, no framing, only our own script and style, no referrer. */
export function baseHeaders(): Record<string, string> {
  return {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // same-origin, not no-referrer: with no-referrer Chrome sends `Origin: null` on form posts.
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  };
}

export function sendHtml(res: http.ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...baseHeaders(), 'Content-Type': 'text/html; charset=utf-8', ...headers });
  res.end(html);
}

export function redirect(res: http.ServerResponse, location: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(303, { ...baseHeaders(), Location: location, ...headers });
  res.end();
}

export function isHttps(req: http.IncomingMessage, publicUrl: string): boolean {
  return Boolean((req.socket as TLSSocket).encrypted) || publicUrl.startsWith('https:');
}

export function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session cookie: never readable by scripts, never sent cross-site, Secure on HTTPS. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure ? '; Secure' : ''}`;
}

/** A urlencoded form body, at most MAX_FORM_BYTES; undefined when it is larger or of another type. */
export async function readForm(req: http.IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A POST must come from a page of this dashboard: an Origin (or, without one, a Sec-Fetch-Site)
 * that says another site is refused before the CSRF token is even looked at.
 */
export function sameOrigin(req: http.IncomingMessage, https: boolean): boolean {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  if (origin === undefined) return true;
  return origin === `${https ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}
