// The keys allowed to log in, owned by one file: $DOKKU_ROOT/.ssh/authorized_keys in sshcommand's
// format, so a Dokku host's file works unchanged. Writes are whole-file, atomic and under one lock.
import fs from 'node:fs/promises';
import { Layout } from './layout.js';
import { readFileOr, removeStaleTemps, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';
import { formatKeyLine, parseKeyFile, type AuthorizedKey, type FileKey, type KeyLineProblem } from './authorized-keys.js';

export type StoredKey = AuthorizedKey;
export type { KeyLineProblem };

export interface KeyFileView {
  keys: StoredKey[];
  /** Lines that are not one trustworthy key: never used to log in, reported by the caller. */
  problems: KeyLineProblem[];
  file: string;
}

/** The JSON list Slipway kept before (keysDir/authorized_keys.json), read once to seed the file. */
interface LegacyKey { name: string; fingerprint: string; type: string; data: string; admin: boolean }

export class KeyStore {
  constructor(private readonly layout: Layout) {}

  get file(): string { return this.layout.authorizedKeysFile(); }

  /** The file's keys and its bad lines; before the file exists, the older JSON list (if any). */
  async read(): Promise<KeyFileView> {
    const text = await readFileOr(this.file, '');
    if (!text && !(await this.hasFile())) return { keys: await this.legacy(), problems: [], file: this.file };
    const parsed = parseKeyFile(text);
    return { keys: parsed.keys, problems: parsed.problems, file: this.file };
  }

  async list(): Promise<StoredKey[]> {
    return (await this.read()).keys;
  }

  /**
   * Read-modify-write under the keys lock; mutate returns the keys to keep (any of those it was
   * given) plus new ones, or throws to abort. Kept keys, comments and bad lines stay as written;
   * dropped keys' lines go; new keys are appended in sshcommand's format.
   */
  async update(mutate: (keys: StoredKey[]) => StoredKey[]): Promise<KeyFileView> {
    return withLock(this.layout.lockFile('ssh-keys'), async () => {
      const seeded = !(await this.hasFile());
      const text = seeded ? (await this.legacy()).map((k) => formatKeyLine({ ...k, comment: '' }, this.layout.settings.dokkuRoot)).join('\n') : await readFileOr(this.file, '');
      const parsed = parseKeyFile(text);
      const next = mutate(parsed.keys);
      const kept = new Set<StoredKey>(next);
      const dropped = new Set(parsed.keys.filter((k) => !kept.has(k)).map((k) => k.line));
      const lines = parsed.lines.filter((_, i) => !dropped.has(i + 1));
      const fromFile = new Set<StoredKey>(parsed.keys);
      for (const key of next) if (!fromFile.has(key)) lines.push(formatKeyLine(key, this.layout.settings.dokkuRoot));
      await fs.mkdir(this.layout.dokkuSshDir(), { recursive: true, mode: 0o700 });
      await removeStaleTemps(this.file);
      await writeFileAtomic(this.file, lines.length ? lines.join('\n') + '\n' : '', 0o600);
      if (seeded) await fs.rm(this.layout.legacyKeysFile(), { force: true });
      const after = parseKeyFile(lines.join('\n'));
      return { keys: after.keys, problems: after.problems, file: this.file };
    });
  }

  private async hasFile(): Promise<boolean> {
    try {
      await fs.access(this.file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private async legacy(): Promise<FileKey[]> {
    const parsed: unknown = JSON.parse(await readFileOr(this.layout.legacyKeysFile(), '[]'));
    if (!Array.isArray(parsed)) throw new Error(`${this.layout.legacyKeysFile()} is not a JSON list`);
    return (parsed as LegacyKey[]).map((k, i) => ({ ...k, comment: '', options: '', line: i + 1, raw: '' }));
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
