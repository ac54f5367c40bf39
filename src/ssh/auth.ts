// Public-key authentication: a key is bound to the connection only after its signature
// verifies. A key merely offered (no signature) gets PK_OK and nothing else is remembered.
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext } from 'ssh2';
import type { StoredKey } from '../store/index.js';
import type { Identity } from '../commands/types.js';

/**
 * Signatures refused even for a known key: DSA, and RSA with SHA-1 (`ssh-rsa`). ssh2 reports
 * every RSA request as key algo `ssh-rsa`; only `hashAlgo` (sha256/sha512 for rsa-sha2-*) tells
 * a SHA-2 signature from a SHA-1 one, so the check must look at both.
 */
function refusedAlgorithm(keyAlgo: string, hashAlgo: string | undefined): boolean {
  if (keyAlgo === 'ssh-dss') return true;
  return keyAlgo === 'ssh-rsa' && hashAlgo !== 'sha256' && hashAlgo !== 'sha512';
}

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
  if (refusedAlgorithm(offered.algo, ctx.hashAlgo)) return { kind: 'reject' };
  // A query (no signature) may be answered PK_OK; anything else must carry a verifiable signature.
  if (!ctx.signature) return { kind: 'pk-ok' };
  if (!ctx.blob) return { kind: 'reject' };
  const parsed = ssh2.utils.parseKey(`${stored.type} ${stored.data}`);
  if (parsed instanceof Error || Array.isArray(parsed)) return { kind: 'reject' };
  if (parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return { kind: 'reject' };
  return {
    kind: 'accept',
    identity: { user: policy.user, keyName: stored.name, fingerprint: stored.fingerprint, admin: stored.admin, remote: true },
  };
}
