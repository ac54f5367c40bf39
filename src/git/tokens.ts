// Tokens for git over HTTP: random secrets shown once, stored as sha256 hashes, checked in
// constant time. A token belongs to an SSH key and acts as it (admin flag, acl grants);
// basic auth user = the key's name, password = the token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store, StoredKey } from '../store/index.js';
import { SlipwayError } from '../errors.js';
import { shown } from '../names.js';

/** SSH key names (ssh-keys:add's rule): a token is named after the key it acts as. */
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$/;
/** Compared against when the name is unknown, so a miss costs the same as a wrong token. */
const DUMMY_HASH = createHash('sha256').update('slipway-no-such-token').digest('hex');

export function parseTokenName(value: string | undefined): string {
  if (!value || !TOKEN_NAME.test(value)) {
    throw new SlipwayError('E_INVALID_TOKEN_NAME', `Invalid key name '${shown(value ?? '')}': letters, digits, '.', '_', '@', '+' and '-'`, 1);
  }
  return value;
}

export function newToken(): string {
  return `slw_${randomBytes(32).toString('hex')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The key a valid token acts as; undefined for a wrong token or a key that is gone or replaced. */
export async function verifyToken(store: Store, name: string, token: string): Promise<StoredKey | undefined> {
  const stored = TOKEN_NAME.test(name) ? (await store.git.listTokens()).find((t) => t.name === name) : undefined;
  const expected = Buffer.from(stored?.sha256 ?? DUMMY_HASH, 'hex');
  const actual = Buffer.from(hashToken(token), 'hex');
  if (!timingSafeEqual(expected, actual) || !stored || token.length === 0) return undefined;
  return (await store.keys.list()).find((k) => k.name === stored.name && k.fingerprint === stored.fingerprint);
}

export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
