// The set of apps: an app exists when its directory under DOKKU_ROOT exists (Dokku's rule).
// Create, rename and destroy run under the app's lock so they never race a config write.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Layout } from './layout.js';
import { tryLock, withLock } from './lock.js';
import { exists } from './atomic.js';
import { PropertyStore } from './properties.js';
import { isValidAppName, type AppName } from '../names.js';
import { ConflictError, AppNotFound } from '../errors.js';
import { unlessMissing } from '../os/missing.js';

/**
 * Top-level entries of an app dir a clone leaves out (Dokku's git clone-setup prunes the same; its
 * certs plugin removes tls/ in post-app-clone-setup: a certificate belongs to the old app's domains).
 */
const NOT_CLONED = new Set(['VHOST', 'URLS', 'cache', '.cache', 'tls']);

/**
 * Plugins whose per-app properties apps:clone copies: the ones Dokku's core plugins clone in their
 * post-app-clone-setup, and Slipway's storage mounts (Dokku keeps those as docker-options, which it
 * clones). Other plugins' properties (acl grants, a service plugin's links) stay with the old app:
 * those plugins copy what they want in their own post-app-clone-setup, as on Dokku.
 */
export const CLONED_PROPERTIES = [
  'app-json', 'apps', 'builder', 'builder-dockerfile', 'builder-lambda', 'builder-nixpacks', 'builder-pack',
  'builder-railpack', 'buildpacks', 'builds', 'common', 'cron', 'docker-options', 'git', 'logs', 'network',
  'nginx', 'openresty', 'ports', 'proxy', 'ps', 'registry', 'resource', 'scheduler', 'scheduler-docker-local',
  'storage',
] as const;

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
      const stat = await unlessMissing(fs.stat(this.layout.appDir(name)), undefined);
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
          throw new ConflictError('E_APP_EXISTS', 'Name is already taken');
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
      await fs.rm(this.layout.buildsDir(app), { recursive: true, force: true });
      await fs.rm(this.layout.appDataDir(app), { recursive: true, force: true });
      await fs.rm(this.layout.appDir(app), { recursive: true, force: true });
      // The deploy lock goes too, unless a deploy-lock holder still runs (it removes it itself).
      tryLock(this.layout.deployLock(app))?.remove();
    }, { removeWhen: this.gone(app) });
  }

  /**
   * apps:clone's copy from `from` into the app `to` just created: the app dir (bare repo with its
   * objects and refs, ENV) without the files Dokku leaves behind (VHOST and URLS, so the clone
   * answers on its own default domains; tls/, the certificate; build caches), and the properties of CLONED_PROPERTIES.
   * Releases, logs and process records are the old app's history and stay with it.
   */
  async cloneInto(from: AppName, to: AppName): Promise<void> {
    await withLock(this.layout.appLock(from), () => withLock(this.layout.appLock(to), async () => {
      if (!(await this.exists(from))) throw new AppNotFound(from);
      if (!(await this.exists(to))) throw new AppNotFound(to);
      const source = this.layout.appDir(from);
      await fs.cp(source, this.layout.appDir(to), {
        recursive: true,
        preserveTimestamps: true,
        verbatimSymlinks: true,
        filter: (file) => {
          const rel = path.relative(source, file);
          return !rel || !NOT_CLONED.has(rel.split(path.sep)[0]);
        },
      });
      for (const plugin of CLONED_PROPERTIES) {
        const dir = this.layout.propertyDir(plugin, from);
        if (await exists(dir)) await fs.cp(dir, this.layout.propertyDir(plugin, to), { recursive: true, preserveTimestamps: true });
      }
    }, { removeWhen: this.gone(to) }), { removeWhen: this.gone(from) });
  }

  /** repo:purge-cache: empty the app's build cache dir; true when there was one. */
  async purgeBuildCache(app: AppName): Promise<boolean> {
    const dir = this.layout.buildCacheDir(app);
    const had = await exists(dir);
    await fs.rm(dir, { recursive: true, force: true });
    return had;
  }

  /** apps:lock: deploys of the app are refused until apps:unlock (Dokku's .deploy.lock file). */
  async lockDeploys(app: AppName): Promise<void> {
    await withLock(this.layout.appLock(app), async () => {
      if (!(await this.exists(app))) throw new AppNotFound(app);
      await fs.mkdir(this.layout.appDataDir(app), { recursive: true });
      await fs.writeFile(this.layout.deployLockMarker(app), '', { mode: 0o644 });
    }, { removeWhen: this.gone(app) });
  }

  /** apps:unlock: true when a lock was in place. */
  async unlockDeploys(app: AppName): Promise<boolean> {
    return withLock(this.layout.appLock(app), async () => {
      const had = await exists(this.layout.deployLockMarker(app));
      await fs.rm(this.layout.deployLockMarker(app), { force: true });
      return had;
    }, { removeWhen: this.gone(app) });
  }

  deploysLocked(app: AppName): Promise<boolean> {
    return exists(this.layout.deployLockMarker(app));
  }

  async rename(from: AppName, to: AppName): Promise<void> {
    await withLock(this.layout.appLock(from), () => withLock(this.layout.appLock(to), async () => {
      if (!(await this.exists(from))) throw new AppNotFound(from);
      if (await this.exists(to)) throw new ConflictError('E_APP_EXISTS', 'Name is already taken');
      await fs.rename(this.layout.appDir(from), this.layout.appDir(to));
      const moves: Array<[string, string]> = [];
      for (const dir of await this.properties.appDirs(from)) moves.push([dir, dir.slice(0, -from.length) + to]);
      moves.push([this.layout.releasesDir(from), this.layout.releasesDir(to)]);
      moves.push([this.layout.logsDir(from), this.layout.logsDir(to)]);
      moves.push([this.layout.buildsDir(from), this.layout.buildsDir(to)]);
      moves.push([this.layout.appDataDir(from), this.layout.appDataDir(to)]);
      for (const [src, dest] of moves) {
        if (await exists(src)) await fs.rename(src, dest);
      }
      tryLock(this.layout.deployLock(from))?.remove();
    }, { removeWhen: this.gone(to) }), { removeWhen: this.gone(from) });
  }
}
