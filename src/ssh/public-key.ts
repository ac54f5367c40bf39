// Parses and checks one authorized-key line for ssh-keys:add: exactly one key, no options,
// an accepted algorithm (src/key-rules.ts: DSA and short RSA keys are refused), its SHA256 fingerprint.
import { KEY_NAME, MIN_RSA_BITS, checkPublicKey } from '../key-rules.js';
import { SlipwayError, UsageError } from '../errors.js';

export interface PublicKeyInfo {
  type: string;
  /** Base64 of the SSH wire-format key blob. */
  data: string;
  fingerprint: string;
  /** Whatever followed the key on its line (usually user@host), kept in authorized_keys. */
  comment: string;
}

export function parseKeyName(name: string | undefined): string {
  if (!name) throw new UsageError('A key name is required: ssh-keys:add <name> [<key-file>|-]');
  if (!KEY_NAME.test(name)) {
    throw new SlipwayError('E_INVALID_KEY_NAME', 'Key name may only contain letters, digits, ".", "_", "@", "+" and "-" (at most 64 characters)', 1);
  }
  return name;
}

/** Dokku's words for anything that is not one valid public key (ssh-keys:add). */
const NOT_A_KEY = 'Key specified in is not a valid ssh public key';

export function parsePublicKey(text: string): PublicKeyInfo {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) throw new SlipwayError('E_INVALID_KEY', 'Empty key was specified', 1);
  if (lines.length > 1) throw new SlipwayError('E_INVALID_KEY', 'Too many keys provided, set one per invocation of dokku ssh-keys:add <NAME> <KEY_FILE>', 1);
  const fields = lines[0].split(/\s+/);
  const checked = checkPublicKey(fields[0], fields[1]);
  // Key options (command=, environment=) are an unknown type here: refused like any other non-key line.
  if (checked === 'dsa') throw new SlipwayError('E_INVALID_KEY', 'DSA keys are not accepted: use ed25519, ecdsa or rsa', 1);
  if (checked === 'short-rsa') throw new SlipwayError('E_INVALID_KEY', `RSA keys must have at least ${MIN_RSA_BITS} bits`, 1);
  if (typeof checked === 'string') throw new SlipwayError('E_INVALID_KEY', NOT_A_KEY, 1);
  const { type, blob, fingerprint } = checked;
  const comment = fields.slice(2).join(' ');
  return { type, data: blob.toString('base64'), fingerprint, comment };
}
