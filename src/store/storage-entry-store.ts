// Named storage entries (storage:create) as Dokku keeps them: one JSON file per entry under
// $DOKKU_LIB_ROOT/data/storage-registry/entries, and the host directories they stand for.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Layout } from './layout.js';
import { writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';
import { isMissing, unlessMissing } from '../os/missing.js';

/** Dokku's Entry, field for field (the JSON keys and their order are its on-disk format). */
export interface StorageEntry {
  name: string;
  scheduler: string;
  host_path?: string;
  chown?: string;
  mode?: string;
  reclaim_policy?: string;
  schema_version: number;
}

/** What ensureDirectory did, so the command can say it. */
export interface DirectoryOutcome { created: boolean }

/** Entry names are checked by the caller (DNS-1123 labels); this stops anything else reaching a path. */
const SAFE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class StorageEntryStore {
  constructor(private readonly layout: Layout) {}

  private file(name: string): string {
    if (!SAFE_NAME.test(name)) throw new Error(`unsafe storage entry name ${JSON.stringify(name)}`);
    return path.join(this.layout.storageEntriesDir(), `${name}.json`);
  }

  /** The default host directory of an entry or ensure-directory name: $DOKKU_LIB_ROOT/data/storage/NAME. */
  defaultPath(name: string): string {
    return path.join(this.layout.storageDir(), name);
  }

  /** Every change to the registry holds this one lock (create, destroy, and mount's existence check). */
  locked<T>(work: () => Promise<T>): Promise<T> {
    return withLock(this.layout.lockFile('storage-entries'), work);
  }

  async get(name: string): Promise<StorageEntry | undefined> {
    const text = await unlessMissing(fs.readFile(this.file(name), 'utf8'), undefined);
    return text === undefined ? undefined : JSON.parse(text) as StorageEntry;
  }

  /** Every entry, sorted by name. */
  async list(): Promise<StorageEntry[]> {
    const names = await unlessMissing(fs.readdir(this.layout.storageEntriesDir()), [] as string[]);
    const entries: StorageEntry[] = [];
    for (const file of names.filter((n) => n.endsWith('.json')).sort()) {
      const entry = await this.get(file.slice(0, -'.json'.length));
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async save(entry: StorageEntry): Promise<void> {
    // Go's MarshalIndent with two spaces, as Dokku writes it (plugins may read the file): its field
    // order, empty optional fields left out.
    const ordered: StorageEntry = {
      name: entry.name, scheduler: entry.scheduler, host_path: entry.host_path || undefined, chown: entry.chown || undefined,
      mode: entry.mode || undefined, reclaim_policy: entry.reclaim_policy || undefined, schema_version: entry.schema_version,
    };
    await writeFileAtomic(this.file(entry.name), JSON.stringify(ordered, null, 2), 0o600);
  }

  async remove(name: string): Promise<void> {
    await fs.rm(this.file(name), { force: true });
  }

  /**
   * Makes `dir` a directory if nothing is there (a file there is refused by the caller first),
   * then applies the mode and owner asked for. The contents of an existing directory are never touched.
   */
  async ensureDirectory(dir: string, options: { mode?: number; owner?: number } = {}): Promise<DirectoryOutcome> {
    const created = (await this.kind(dir)) === 'missing';
    if (created) await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    if (options.mode !== undefined) await fs.chmod(dir, options.mode);
    if (options.owner !== undefined) await fs.chown(dir, options.owner, options.owner);
    return { created };
  }

  /** What is at `path` on the host. */
  async kind(target: string): Promise<'missing' | 'directory' | 'other'> {
    try {
      return (await fs.stat(target)).isDirectory() ? 'directory' : 'other';
    } catch (error) {
      if (isMissing(error)) return 'missing';
      throw error;
    }
  }

  /** Removes an entry's default directory and everything in it (storage:destroy --destroy-host-dir). */
  async removeDefaultDirectory(name: string): Promise<void> {
    if (!SAFE_NAME.test(name)) throw new Error(`unsafe storage entry name ${JSON.stringify(name)}`);
    await fs.rm(this.defaultPath(name), { recursive: true, force: true });
  }
}
