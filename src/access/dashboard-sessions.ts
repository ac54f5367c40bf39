// Dashboard login without passwords: `dashboard:login` (over SSH, so the key is proven) makes a
// short-lived single-use token; the browser trades it for a session that acts as that key.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store, StoredKey, DashboardGrant, DashboardSession } from '../store/index.js';
import type { Identity } from '../request-context.js';

export const DEFAULT_TOKEN_SECONDS = 300;
export const MAX_TOKEN_SECONDS = 3600;
/** A session lasts this long from login; then `dashboard:login` again. */
export const SESSION_SECONDS = 12 * 3600;
/** Sessions one key may hold; the oldest goes first beyond it. */
const MAX_SESSIONS_PER_KEY = 20;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

function live(grant: DashboardGrant, now: number): boolean {
  return Date.parse(grant.expires) > now;
}

/** A new login token for this key, valid `seconds`; only its hash is stored. */
export async function issueLoginToken(store: Store, key: StoredKey, seconds: number): Promise<string> {
  const token = `sld_${randomBytes(32).toString('base64url')}`;
  const now = Date.now();
  await store.dashboard.update((state) => {
    state.tokens = state.tokens.filter((t) => live(t, now));
    state.tokens.push({ name: key.name, fingerprint: key.fingerprint, sha256: sha256(token), created: new Date(now).toISOString(), expires: new Date(now + seconds * 1000).toISOString() });
  });
  return token;
}

/** The stored key a grant acts as; undefined when the key was removed or replaced since. */
async function keyOf(store: Store, grant: Pick<DashboardGrant, 'name' | 'fingerprint'>): Promise<StoredKey | undefined> {
  return (await store.keys.list()).find((k) => k.name === grant.name && k.fingerprint === grant.fingerprint);
}

/**
 * Trades a login token for a session: the token is removed whether or not it was still valid
 * (single use), and refused when expired or its key is gone. Returns the cookie value `ID.SECRET`.
 */
export async function redeemLoginToken(store: Store, token: string, from: string): Promise<{ cookie: string; session: DashboardSession } | undefined> {
  if (!/^sld_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const hash = sha256(token);
  const now = Date.now();
  const grant = await store.dashboard.update((state) => {
    const found = state.tokens.find((t) => sameHash(t.sha256, hash));
    state.tokens = state.tokens.filter((t) => t !== found && live(t, now));
    return found && live(found, now) ? found : undefined;
  });
  if (!grant || !(await keyOf(store, grant))) return undefined;
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const session: DashboardSession = {
    id, name: grant.name, fingerprint: grant.fingerprint, sha256: sha256(secret), from: from.replace(/[^\x20-\x7e]/g, '?').slice(0, 160),
    created: new Date(now).toISOString(), expires: new Date(now + SESSION_SECONDS * 1000).toISOString(),
  };
  await store.dashboard.update((state) => {
    const mine = state.sessions.filter((s) => s.name === session.name && live(s, now));
    const dropped = new Set(mine.slice(0, Math.max(0, mine.length - MAX_SESSIONS_PER_KEY + 1)));
    state.sessions = state.sessions.filter((s) => live(s, now) && !dropped.has(s));
    state.sessions.push(session);
  });
  return { cookie: `${id}.${secret}`, session };
}

export interface OpenSession {
  session: DashboardSession;
  identity: Identity;
  /** The form token every POST of this session carries. */
  csrf: string;
}

/** The session a cookie opens, acting as its key with the key's current rights; undefined otherwise. */
export async function openSession(store: Store, sshUser: string, cookie: string | undefined): Promise<OpenSession | undefined> {
  const match = /^([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? '');
  if (!match) return undefined;
  const [, id, secret] = match;
  const session = (await store.dashboard.read()).sessions.find((s) => s.id === id);
  if (!session || !sameHash(session.sha256, sha256(secret)) || !live(session, Date.now())) return undefined;
  const key = await keyOf(store, session);
  if (!key) return undefined;
  return {
    session,
    identity: { user: sshUser, keyName: key.name, fingerprint: key.fingerprint, admin: key.admin, remote: true },
    csrf: sha256(`csrf\0${secret}`),
  };
}

/** Constant-time check of a submitted form token. */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  return typeof given === 'string' && /^[0-9a-f]{64}$/.test(given) && sameHash(expected, given);
}

/** The live sessions of one key, oldest first. */
export async function sessionsOf(store: Store, keyName: string): Promise<DashboardSession[]> {
  const now = Date.now();
  return (await store.dashboard.read()).sessions.filter((s) => s.name === keyName && live(s, now));
}

/** Ends one session of this key (by id), or all of them; returns how many ended. */
export async function endSessions(store: Store, keyName: string, id: string | 'all'): Promise<number> {
  const now = Date.now();
  return store.dashboard.update((state) => {
    const ended = state.sessions.filter((s) => s.name === keyName && (id === 'all' || s.id === id) && live(s, now));
    state.sessions = state.sessions.filter((s) => live(s, now) && !ended.includes(s));
    return ended.length;
  });
}
