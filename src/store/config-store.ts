// App and global environment (config:*) persisted as ENV files.
// Every change is a read-modify-write under the scope's lock, written atomically.
import { Layout, type Scope } from './layout.js';
import { parseEnv, serializeEnv, type EnvMap } from './env-file.js';
import { readFileOr, removeStaleTemps, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';

export class ConfigStore {
  constructor(private readonly layout: Layout) {}

  async read(scope: Scope): Promise<EnvMap> {
    return parseEnv(await readFileOr(this.layout.envFile(scope), ''));
  }

  /** Apply a change under the lock; the file is rewritten only if mutate reports a change. */
  async update(scope: Scope, mutate: (env: EnvMap) => boolean): Promise<EnvMap> {
    return withLock(this.layout.appLock(scope), async () => {
      const env = await this.read(scope);
      if (mutate(env)) {
        await removeStaleTemps(this.layout.envFile(scope));
        await writeFileAtomic(this.layout.envFile(scope), serializeEnv(env));
      }
      return env;
    });
  }
}
