// Which public keys Slipway trusts, decided once for every way a key arrives (ssh-keys:add, a line
// of $DOKKU_ROOT/.ssh/authorized_keys): ed25519, ecdsa and RSA of 2048 bits or more; never DSA.
// Pure: each caller words the problem its own way (Dokku's messages, or a file line's reason).
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

export const ACCEPTED_KEY_TYPES: ReadonlySet<string> = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']);
export const MIN_RSA_BITS = 2048;
/** A key's name, as ssh-keys:add takes it and sshcommand's NAME="…" holds it. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$/;

export type KeyProblem = 'dsa' | 'unknown-type' | 'not-base64' | 'not-a-key' | 'short-rsa';

export interface CheckedKey {
  type: string;
  /** The SSH wire-format key blob. */
  blob: Buffer;
  fingerprint: string;
}

export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The modulus size of an ssh-rsa blob (string "ssh-rsa", mpint e, mpint n). */
function rsaBits(blob: Buffer): number {
  let offset = 0;
  const next = () => {
    const len = blob.readUInt32BE(offset);
    const value = blob.subarray(offset + 4, offset + 4 + len);
    offset += 4 + len;
    return value;
  };
  next();
  next();
  const n = next();
  return (n[0] === 0 ? n.length - 1 : n.length) * 8;
}

/** Checks `TYPE BASE64` (the two first fields of a key line); the key, or what is wrong with it. */
export function checkPublicKey(type: string, data: string | undefined): CheckedKey | KeyProblem {
  if (type === 'ssh-dss') return 'dsa';
  if (!ACCEPTED_KEY_TYPES.has(type)) return 'unknown-type';
  if (!data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return 'not-base64';
  const parsed = ssh2.utils.parseKey(`${type} ${data}`);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.type !== type) return 'not-a-key';
  const blob = parsed.getPublicSSH();
  if (type === 'ssh-rsa' && rsaBits(blob) < MIN_RSA_BITS) return 'short-rsa';
  return { type, blob, fingerprint: sha256Fingerprint(blob) };
}
