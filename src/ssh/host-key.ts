// The server's SSH host key: made with ssh2's generator, but only kept once ssh2 can read it back.
// ssh2 1.17's ed25519 generator drops leading zero bytes of the public key (mscdex/ssh2#1390,
// #1513), so about one key in 256 is unreadable by its own parser; such a key would stop the
// server at start with "Malformed OpenSSH private key". A key already on disk is never replaced:
// one that cannot be parsed is a clear error naming the file.
import ssh2 from 'ssh2';
import { SlipwayError } from '../errors.js';

export interface KeyPair { private: string; public: string }

const MAX_ATTEMPTS = 32;

/** True when ssh2 can parse both halves of the pair. */
export function readableKeyPair(pair: KeyPair): boolean {
  return !(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error);
}

/** A fresh ed25519 pair ssh2 can read; `generate` is replaceable so tests can feed bad pairs. */
export function generateHostKey(generate: () => KeyPair = () => ssh2.utils.generateKeyPairSync('ed25519')): KeyPair {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const pair = generate();
    if (readableKeyPair(pair)) return pair;
  }
  throw new SlipwayError('E_HOST_KEY', `Could not generate a readable SSH host key in ${MAX_ATTEMPTS} attempts`, 1);
}

/** Checks a host key read from disk before the SSH server is built on it. */
export function checkHostKey(privateKey: string, file: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    throw new SlipwayError('E_HOST_KEY', `The SSH host key ${file} cannot be read (${parsed.message}); move it away and start again to make a new one`, 1);
  }
  return privateKey;
}
