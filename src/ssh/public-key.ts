// Parses and checks one authorized-key line for ssh-keys:add: exactly one key, no options,
// an accepted algorithm, and its SHA256 fingerprint. DSA keys are refused (broken, like SHA-1 RSA).
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { SlipwayError, UsageError } from '../errors.js';

export interface PublicKeyInfo {
  type: string;
  /** Base64 of the SSH wire-format key blob. */
  data: string;
  fingerprint: string;
  /** Whatever followed the key on its line (usually user@host), kept in authorized_keys. */
  comment: string;
}

const ACCEPTED_TYPES = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']);
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$/;
const MIN_RSA_BITS = 2048;

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function parseKeyName(name: string | undefined): string {
  if (!name) throw new UsageError('A key name is required: ssh-keys:add <name> [<key-file>|-]');
  if (!KEY_NAME.test(name)) {
    throw new SlipwayError('E_INVALID_KEY_NAME', 'Key name may only contain letters, digits, ".", "_", "@", "+" and "-" (at most 64 characters)', 1);
  }
  return name;
}

function rsaBits(blob: Buffer): number {
  // ssh-rsa blob: string "ssh-rsa", mpint e, mpint n; the modulus length gives the size.
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
  const significant = n[0] === 0 ? n.subarray(1) : n;
  return significant.length * 8;
}

/** Dokku's words for anything that is not one valid public key (ssh-keys:add). */
const NOT_A_KEY = 'Key specified in is not a valid ssh public key';

export function parsePublicKey(text: string): PublicKeyInfo {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) throw new SlipwayError('E_INVALID_KEY', 'Empty key was specified', 1);
  if (lines.length > 1) throw new SlipwayError('E_INVALID_KEY', 'Too many keys provided, set one per invocation of dokku ssh-keys:add <NAME> <KEY_FILE>', 1);
  const fields = lines[0].split(/\s+/);
  if (fields[0] === 'ssh-dss') throw new SlipwayError('E_INVALID_KEY', 'DSA keys are not accepted: use ed25519, ecdsa or rsa', 1);
  if (!ACCEPTED_TYPES.has(fields[0])) {
    // Key options (command=, environment=) land here too: refused like any other non-key line.
    throw new SlipwayError('E_INVALID_KEY', NOT_A_KEY, 1);
  }
  if (fields.length < 2 || !/^[A-Za-z0-9+/]+={0,2}$/.test(fields[1])) throw new SlipwayError('E_INVALID_KEY', NOT_A_KEY, 1);
  const parsed = ssh2.utils.parseKey(`${fields[0]} ${fields[1]}`);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new SlipwayError('E_INVALID_KEY', NOT_A_KEY, 1);
  if (parsed.type !== fields[0]) throw new SlipwayError('E_INVALID_KEY', NOT_A_KEY, 1);
  const blob = parsed.getPublicSSH();
  if (parsed.type === 'ssh-rsa' && rsaBits(blob) < MIN_RSA_BITS) {
    throw new SlipwayError('E_INVALID_KEY', `RSA keys must have at least ${MIN_RSA_BITS} bits`, 1);
  }
  const comment = fields.slice(2).join(' ');
  return { type: parsed.type, data: blob.toString('base64'), fingerprint: fingerprintOf(blob), comment };
}
