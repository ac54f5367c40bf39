// Public-key authentication: a key is bound to the connection only after its signature
// verifies. A key merely offered (no signature) gets PK_OK and nothing else is remembered.
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext } from 'ssh2';
import type { StoredKey } from '../store/index.js';
import type { Identity } from '../commands/types.js';

/** Signature algorithms refused even for a known key: SHA-1 RSA and DSA. */
const REFUSED_SIGNATURE_ALGOS = new Set(['ssh-rsa', 'ssh-dss']);

export interface AuthPolicy {
  user: string;
  maxAttempts: number;
  keys(): Promise<StoredKey[]>;
}

function sameBlob(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export type AuthOutcome =
  | { kind: 'reject' }
  | { kind: 'pk-ok' }
  | { kind: 'accept'; identity: Identity };

/** Decides one authentication attempt; the caller applies it to the ssh2 context. */
export async function decide(ctx: AuthContext, policy: AuthPolicy): Promise<AuthOutcome> {
  if (ctx.username !== policy.user) return { kind: 'reject' };
  if (ctx.method !== 'publickey') return { kind: 'reject' };
  const offered = ctx.key;
  const stored = (await policy.keys()).find((k) => {
    const blob = Buffer.from(k.data, 'base64');
    return sameBlob(blob, offered.data);
  });
  if (!stored) return { kind: 'reject' };
  if (REFUSED_SIGNATURE_ALGOS.has(offered.algo)) return { kind: 'reject' };
  if (!ctx.signature || !ctx.blob) return { kind: 'pk-ok' };
  const parsed = ssh2.utils.parseKey(`${stored.type} ${stored.data}`);
  if (parsed instanceof Error || Array.isArray(parsed)) return { kind: 'reject' };
  if (parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return { kind: 'reject' };
  return {
    kind: 'accept',
    identity: { user: policy.user, keyName: stored.name, fingerprint: stored.fingerprint, admin: stored.admin, remote: true },
  };
}
