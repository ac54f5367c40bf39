// What the git layer keeps outside git's own files: hook shims inside each bare repo, the
// repo lock (the app's lock), and the git-over-HTTP tokens (only their hashes are stored).
import fs from 'node:fs/promises';
import path from 'node:path';
import { Layout } from './layout.js';
import { exists, readFileOr, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';
import type { AppName } from '../names.js';

export interface StoredToken {
  /** The SSH key the token acts as (its name is the basic-auth user). */
  name: string;
  /** That key's fingerprint when the token was made: a later key of the same name gets nothing. */
  fingerprint: string;
  /** Hex sha256 of the token; the token itself is shown once and never stored. */
  sha256: string;
  created: string;
}

export class GitStore {
  constructor(private readonly layout: Layout) {}

  repoDir(app: AppName): string { return this.layout.appDir(app); }

  /** A bare repo has been initialised in the app dir (git writes HEAD last-but-one; refs/ too). */
  async isRepo(app: AppName): Promise<boolean> {
    const dir = this.layout.appDir(app);
    return (await exists(path.join(dir, 'HEAD'))) && (await exists(path.join(dir, 'refs')));
  }

  /** Runs fn under the app's lock (the one apps:create/destroy and config writes take). */
  withRepoLock<T>(app: AppName, fn: () => Promise<T>): Promise<T> {
    return withLock(this.layout.appLock(app), fn);
  }

  /**
   * Removes receive-pack quarantine dirs (objects/tmp_objdir-incoming-*, objects/incoming-*).
   * git removes its own on exit, but not when it dies of SIGPIPE because the server that spawned
   * it was killed. Callers hold the repo lock and know no push of the app is in flight.
   */
  async removeQuarantines(app: AppName): Promise<string[]> {
    const objects = path.join(this.layout.appDir(app), 'objects');
    const listed = await fs.readdir(objects).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const names = listed
      .filter((name) => name.startsWith('tmp_objdir-incoming-') || name.startsWith('incoming-'));
    for (const name of names) await fs.rm(path.join(objects, name), { recursive: true, force: true });
    return names;
  }

  /** Writes an executable hook shim into the repo's hooks dir, only when it changed. */
  async installHook(app: AppName, name: 'pre-receive', script: string): Promise<void> {
    const file = path.join(this.layout.repoHooksDir(app), name);
    if ((await readFileOr(file, '')) === script) {
      await fs.chmod(file, 0o755);
      return;
    }
    await writeFileAtomic(file, script, 0o755);
  }

  async listTokens(): Promise<StoredToken[]> {
    const parsed: unknown = JSON.parse(await readFileOr(this.layout.gitTokensFile(), '[]'));
    if (!Array.isArray(parsed)) throw new Error(`${this.layout.gitTokensFile()} is not a JSON list`);
    return parsed as StoredToken[];
  }

  /** Read-modify-write under the tokens lock; mutate returns the new list or throws to abort. */
  async updateTokens(mutate: (tokens: StoredToken[]) => StoredToken[]): Promise<StoredToken[]> {
    return withLock(this.layout.lockFile('git-tokens'), async () => {
      const next = mutate(await this.listTokens());
      await writeFileAtomic(this.layout.gitTokensFile(), JSON.stringify(next, null, 2) + '\n', 0o600);
      return next;
    });
  }
}
