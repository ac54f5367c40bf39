// Installed plugins on disk: PLUGIN_PATH/available/NAME (the files), enabled/NAME (a link that
// turns it on) and disabled/NAME (a marker that turns a shipped plugin off). Every change is a rename.
// Shipped (core) plugins are linked into available/ and enabled/ too, at Dokku's paths.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Layout } from './layout.js';
import { exists, readFileOr, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';
import { unlessMissing } from '../os/missing.js';

/** Where an installed plugin came from, kept beside its files so update can fetch it again. */
export interface PluginOrigin {
  kind: 'git' | 'tar' | 'dir';
  source: string;
  committish?: string;
  commit?: string;
  installedAt: string;
}

const ORIGIN_FILE = '.slipway-plugin.json';
const STAGING_PREFIX = '.staging-';

async function entries(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export class PluginStore {
  constructor(private readonly layout: Layout) {}

  availablePath(name: string): string { return path.join(this.layout.pluginAvailable(), name); }
  private enabledPath(name: string): string { return path.join(this.layout.pluginEnabled(), name); }
  private disabledPath(name: string): string { return path.join(this.layout.pluginDisabled(), name); }

  /** One plugin change at a time, across processes (server, local CLI). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.layout.lockFile('plugins'), fn);
  }

  /** Installed plugin names (real folders in available/; the core plugins' links are not), enabled or not. */
  async installed(): Promise<string[]> {
    const names: string[] = [];
    for (const name of await entries(this.layout.pluginAvailable())) {
      if (name.startsWith('.')) continue;
      if (await this.isInstalled(name)) names.push(name);
    }
    return names;
  }

  /** Names linked into enabled/ (an installed plugin is on when its link is there), core links left out. */
  async enabled(): Promise<string[]> {
    const names: string[] = [];
    for (const name of await entries(this.layout.pluginEnabled())) {
      if (name.startsWith('.')) continue;
      if (!(await this.isCoreLink(this.enabledPath(name)))) names.push(name);
    }
    return names;
  }

  async isInstalled(name: string): Promise<boolean> {
    const stat = await unlessMissing(fs.lstat(this.availablePath(name)), undefined);
    return Boolean(stat?.isDirectory());
  }

  /**
   * A link made by linkCore: an installed plugin is a real folder in available/ with its enabled/
   * link pointing there, so any other link (into the shipped plugins folder, wherever it moved) is core.
   */
  private async isCoreLink(file: string): Promise<boolean> {
    let target: string;
    try {
      target = await fs.readlink(file);
    } catch {
      return false;
    }
    return path.dirname(path.resolve(path.dirname(file), target)) !== this.layout.pluginAvailable();
  }

  /** What Dokku's installer makes in the dokku user's home and plugins expect: $DOKKU_ROOT/.ssh (0700). */
  async prepareDokkuHome(): Promise<void> {
    await fs.mkdir(this.layout.dokkuSshDir(), { recursive: true, mode: 0o700 });
  }

  /**
   * Dokku's paths for the shipped plugins: available/NAME and enabled/NAME link to coreDir/NAME, so
   * `$(dirname $0)/../common/functions` works from any plugin. A real folder of that name (an
   * installed plugin from before) is left alone; links to shipped plugins that are gone are removed.
   */
  async linkCore(coreDir: string, names: string[]): Promise<void> {
    for (const dir of [this.layout.pluginAvailable(), this.layout.pluginEnabled()]) {
      await fs.mkdir(dir, { recursive: true });
      for (const name of await entries(dir)) {
        const file = path.join(dir, name);
        if (!names.includes(name) && await this.isCoreLink(file)) await fs.rm(file, { force: true });
      }
      for (const name of names) {
        const file = path.join(dir, name);
        const target = path.join(coreDir, name);
        if (await this.isInstalled(name)) continue;
        const stat = await unlessMissing(fs.lstat(file), undefined);
        if (stat && !(await this.isCoreLink(file))) continue;
        if (stat && (await fs.readlink(file)) === target) continue;
        const tmp = path.join(dir, `.${name}.${randomBytes(4).toString('hex')}`);
        await fs.symlink(target, tmp);
        await fs.rename(tmp, file);
      }
    }
  }

  async isEnabled(name: string): Promise<boolean> {
    return (await unlessMissing(fs.lstat(this.enabledPath(name)), undefined)) !== undefined;
  }

  disabledCore(): Promise<string[]> {
    return entries(this.layout.pluginDisabled());
  }

  /**
   * A fresh scratch folder inside available/ (same filesystem, so publishing is one rename).
   * Leftovers of an interrupted change are swept first: the caller holds the plugins lock.
   */
  async createStaging(): Promise<string> {
    const root = this.layout.pluginAvailable();
    await fs.mkdir(root, { recursive: true });
    for (const name of await entries(root)) {
      if (name.startsWith(STAGING_PREFIX)) await fs.rm(path.join(root, name), { recursive: true, force: true });
    }
    const dir = path.join(root, `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`);
    await fs.mkdir(dir, { mode: 0o700 });
    return dir;
  }

  removeStaging(dir: string): Promise<void> {
    if (!path.basename(dir).startsWith(STAGING_PREFIX)) throw new Error(`not a staging folder: ${dir}`);
    return fs.rm(dir, { recursive: true, force: true });
  }

  async writeOrigin(pluginDir: string, origin: PluginOrigin): Promise<void> {
    await writeFileAtomic(path.join(pluginDir, ORIGIN_FILE), JSON.stringify(origin, null, 2) + '\n', 0o644);
  }

  async origin(name: string): Promise<PluginOrigin | undefined> {
    const text = await readFileOr(path.join(this.availablePath(name), ORIGIN_FILE), '');
    if (!text) return undefined;
    return JSON.parse(text) as PluginOrigin;
  }

  /** Move a staged plugin folder to available/NAME; refuses when NAME is already there. */
  async publish(staged: string, name: string): Promise<void> {
    const target = this.availablePath(name);
    if (await exists(target)) throw new Error(`plugin folder ${target} already exists`);
    await fs.rename(staged, target);
  }

  /** Replace available/NAME with a staged folder; the old one is moved into `trash` (a staging folder). */
  async replace(staged: string, name: string, trash: string): Promise<void> {
    const target = this.availablePath(name);
    const old = path.join(trash, `previous-${name}`);
    await fs.rename(target, old);
    try {
      await fs.rename(staged, target);
    } catch (error) {
      await fs.rename(old, target);
      throw error;
    }
  }

  /** Undo `replace`: the new folder goes to `trash`, the previous one back to available/NAME. */
  async restorePrevious(name: string, trash: string): Promise<void> {
    const target = this.availablePath(name);
    await fs.rename(target, path.join(trash, `failed-${name}`));
    await fs.rename(path.join(trash, `previous-${name}`), target);
  }

  /** Link enabled/NAME → available/NAME, atomically (temp link, then rename over). */
  async enable(name: string): Promise<void> {
    const dir = this.layout.pluginEnabled();
    await fs.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.${name}.${randomBytes(4).toString('hex')}`);
    await fs.symlink(this.availablePath(name), tmp);
    try {
      await fs.rename(tmp, this.enabledPath(name));
    } catch (error) {
      await fs.rm(tmp, { force: true });
      throw error;
    }
  }

  async disable(name: string): Promise<void> {
    await fs.rm(this.enabledPath(name), { force: true });
  }

  async setCoreDisabled(name: string, disabled: boolean): Promise<void> {
    if (disabled) await writeFileAtomic(this.disabledPath(name), '', 0o644);
    else await fs.rm(this.disabledPath(name), { force: true });
  }

  /** Unlink and delete an installed plugin: the folder is renamed away first, then removed. */
  async remove(name: string, trash: string): Promise<void> {
    await this.disable(name);
    const old = path.join(trash, `removed-${name}`);
    await fs.rename(this.availablePath(name), old);
    await fs.rm(old, { recursive: true, force: true });
  }
}
