// The set of apps: an app exists when its directory under DOKKU_ROOT exists (Dokku's rule).
// Create, rename and destroy run under the app's lock so they never race a config write.
import fs from 'node:fs/promises';
import { Layout } from './layout.js';
import { tryLock, withLock } from './lock.js';
import { exists } from './atomic.js';
import { PropertyStore } from './properties.js';
import { isValidAppName, type AppName } from '../names.js';
import { ConflictError, AppNotFound } from '../errors.js';

export class AppStore {
  constructor(private readonly layout: Layout, private readonly properties: PropertyStore) {}

  exists(app: AppName): Promise<boolean> {
    return exists(this.layout.appDir(app));
  }

  async require(app: AppName): Promise<void> {
    if (!(await this.exists(app))) throw new AppNotFound(app);
  }

  async createdAt(app: AppName): Promise<Date> {
    try {
      return (await fs.stat(this.layout.appDir(app))).birthtime;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AppNotFound(app);
      throw error;
    }
  }

  async list(): Promise<AppName[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.layout.settings.dokkuRoot);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const apps: AppName[] = [];
    for (const name of names.sort()) {
      if (!isValidAppName(name)) continue;
      const stat = await fs.stat(this.layout.appDir(name)).catch(() => undefined);
      if (stat?.isDirectory()) apps.push(name);
    }
    return apps;
  }

  /** For withLock's removeWhen: an app that does not exist keeps no lock files. */
  private gone(app: AppName): () => Promise<boolean> {
    return async () => !(await this.exists(app));
  }

  async create(app: AppName): Promise<void> {
    await withLock(this.layout.appLock(app), async () => {
      await fs.mkdir(this.layout.settings.dokkuRoot, { recursive: true });
      try {
        await fs.mkdir(this.layout.appDir(app));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new ConflictError('E_APP_EXISTS', `Name is already taken: ${app}`);
        }
        throw error;
      }
    }, { removeWhen: this.gone(app) });
  }

  async destroy(app: AppName): Promise<void> {
    await withLock(this.layout.appLock(app), async () => {
      for (const dir of await this.properties.appDirs(app)) await fs.rm(dir, { recursive: true, force: true });
      await fs.rm(this.layout.releasesDir(app), { recursive: true, force: true });
      await fs.rm(this.layout.logsDir(app), { recursive: true, force: true });
      await fs.rm(this.layout.appDir(app), { recursive: true, force: true });
      // The deploy lock goes too, unless a deploy-lock holder still runs (it removes it itself).
      tryLock(this.layout.deployLock(app))?.remove();
    }, { removeWhen: this.gone(app) });
  }

  async rename(from: AppName, to: AppName): Promise<void> {
    await withLock(this.layout.appLock(from), () => withLock(this.layout.appLock(to), async () => {
      if (!(await this.exists(from))) throw new AppNotFound(from);
      if (await this.exists(to)) throw new ConflictError('E_APP_EXISTS', `Name is already taken: ${to}`);
      await fs.rename(this.layout.appDir(from), this.layout.appDir(to));
      const moves: Array<[string, string]> = [];
      for (const dir of await this.properties.appDirs(from)) moves.push([dir, dir.slice(0, -from.length) + to]);
      moves.push([this.layout.releasesDir(from), this.layout.releasesDir(to)]);
      moves.push([this.layout.logsDir(from), this.layout.logsDir(to)]);
      for (const [src, dest] of moves) {
        if (await exists(src)) await fs.rename(src, dest);
      }
      tryLock(this.layout.deployLock(from))?.remove();
    }, { removeWhen: this.gone(to) }), { removeWhen: this.gone(from) });
  }
}
