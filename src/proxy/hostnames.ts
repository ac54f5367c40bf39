// Host names in both directions: the Host header of a request, reduced to a lookup key,
// and the hostnames a caller routes, checked once before they enter the table.
import { SlipwayError } from '../errors.js';
import { shown } from '../names.js';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

/**
 * The lookup key of a Host header: lower case, without the port or a trailing dot.
 * Runs on every request, so it scans characters instead of using a regular expression.
 */
export function hostKey(header: string | undefined): string {
  if (!header) return '';
  let end = header.length;
  if (header.charCodeAt(0) === 91 /* [ */) {
    const close = header.indexOf(']');
    if (close !== -1) end = close + 1;
  } else {
    const colon = header.indexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end > 0 && header.charCodeAt(end - 1) === 46 /* . */) end--;
  return header.slice(0, end).toLowerCase();
}

export interface RouteHostname {
  /** Key in the exact map, or the suffix (".example.com") in the wildcard map. */
  readonly key: string;
  readonly wildcard: boolean;
  /** The hostname as the caller should see it in reports ("*.example.com"). */
  readonly name: string;
}

/** The hostname that matches any Host header no other route takes (a listener of one app). */
export const ANY_HOST = '*';

/**
 * Checks one configured hostname; `*.example.com` matches any name ending in `.example.com`, and
 * `*` (ANY_HOST) any name at all, after every other route (domains never hold it: they refuse it).
 */
export function parseRouteHostname(value: string): RouteHostname {
  if (value === ANY_HOST) return { key: ANY_HOST, wildcard: false, name: ANY_HOST };
  let name = value.trim().toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.includes(':') && !name.startsWith('[')) name = `[${name}]`;
  const wildcard = name.startsWith('*.');
  const rest = wildcard ? name.slice(2) : name;
  const valid = IPV6.test(rest)
    ? !wildcard
    : rest.length > 0 && rest.length <= 253 && rest.split('.').every((label) => LABEL.test(label));
  if (!valid) {
    throw new SlipwayError('E_PROXY_INVALID_HOSTNAME', `Invalid hostname '${shown(value)}' for the proxy`, 1);
  }
  return wildcard ? { key: `.${rest}`, wildcard, name } : { key: rest, wildcard, name };
}

/**
 * A configured name as route entries. `.example.com` (Dokku and nginx's leading-dot form) means
 * `example.com` and every name under it, so it becomes the exact name plus its wildcard.
 */
export function parseRouteHostnames(value: string): RouteHostname[] {
  const name = value.trim();
  if (name.startsWith('.') && !name.startsWith('..')) {
    const rest = name.slice(1);
    return [parseRouteHostname(rest), parseRouteHostname(`*.${rest}`)];
  }
  return [parseRouteHostname(value)];
}
