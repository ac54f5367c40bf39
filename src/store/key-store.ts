// The authorized-keys store: one JSON file of {name, fingerprint, key} written atomically.
// Keys are parsed and checked by ssh/ before they reach here; this module only persists them.
import { Layout } from './layout.js';
import { readFileOr, removeStaleTemps, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';

export interface StoredKey {
  name: string;
  fingerprint: string;
  /** The key's algorithm name, e.g. ssh-ed25519. */
  type: string;
  /** Base64 of the public key blob, as in an authorized_keys line. */
  data: string;
  admin: boolean;
  added: string;
}

export class KeyStore {
  constructor(private readonly layout: Layout) {}

  async list(): Promise<StoredKey[]> {
    const text = await readFileOr(this.layout.keysFile(), '[]');
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error(`${this.layout.keysFile()} is not a JSON list`);
    return parsed as StoredKey[];
  }

  /** Read-modify-write under the keys lock; mutate returns the new list or throws to abort. */
  async update(mutate: (keys: StoredKey[]) => StoredKey[]): Promise<StoredKey[]> {
    return withLock(this.layout.lockFile('ssh-keys'), async () => {
      const next = mutate(await this.list());
      await removeStaleTemps(this.layout.keysFile());
      await writeFileAtomic(this.layout.keysFile(), JSON.stringify(next, null, 2) + '\n');
      return next;
    });
  }
}

/** The server's host key: created once, then reused so clients' known_hosts stay valid. */
export async function ensureHostKey(layout: Layout, generate: () => { private: string; public: string }): Promise<string> {
  const file = layout.hostKeyFile();
  const existing = await readFileOr(file, '');
  if (existing) return existing;
  return withLock(layout.lockFile('host-key'), async () => {
    const again = await readFileOr(file, '');
    if (again) return again;
    const pair = generate();
    await writeFileAtomic(`${file}.pub`, pair.public + '\n', 0o644);
    await writeFileAtomic(file, pair.private, 0o600);
    return pair.private;
  });
}
