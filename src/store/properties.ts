// Plugin properties: one file per value at $DOKKU_LIB_ROOT/config/PLUGIN/APP/PROPERTY, the
// layout Dokku's fn-plugin-property-* helpers use, so bash plugins and TS code share them.
import fs from 'node:fs/promises';
import path from 'node:path';
import { GLOBAL, Layout, type Scope } from './layout.js';
import { readFileOr, writeFileAtomic } from './atomic.js';

// A leading `_` for Dokku's `_default_.PHASE` (docker-options); never `.`, so never `..`.
const PROPERTY = /^[a-z0-9_][a-z0-9._-]*$/;
const PLUGIN = /^[a-z0-9][a-z0-9_-]*$/;

function check(plugin: string, property: string): void {
  if (!PLUGIN.test(plugin)) throw new Error(`invalid plugin name for a property: ${plugin}`);
  if (!PROPERTY.test(property)) throw new Error(`invalid property name: ${property}`);
}

export class PropertyStore {
  constructor(private readonly layout: Layout) {}

  async get(plugin: string, scope: Scope, property: string): Promise<string | undefined> {
    check(plugin, property);
    const value = await readFileOr(path.join(this.layout.propertyDir(plugin, scope), property), '\0');
    return value === '\0' ? undefined : value;
  }

  /**
   * Dokku's computed value: the scope's own value, else the global one ('' when neither is set;
   * trimmed, as a hand-written file ends in a newline). The global scope reads only itself.
   */
  async effective(plugin: string, scope: Scope, property: string): Promise<string> {
    const own = scope === GLOBAL ? '' : (await this.get(plugin, scope, property))?.trim() ?? '';
    return own || ((await this.get(plugin, GLOBAL, property))?.trim() ?? '');
  }

  /** With `secret` the file is readable by its owner only (registry passwords). */
  async set(plugin: string, scope: Scope, property: string, value: string, options: { secret?: boolean } = {}): Promise<void> {
    check(plugin, property);
    await writeFileAtomic(path.join(this.layout.propertyDir(plugin, scope), property), value, options.secret === true ? 0o600 : 0o644);
  }

  async delete(plugin: string, scope: Scope, property: string): Promise<void> {
    check(plugin, property);
    await fs.rm(path.join(this.layout.propertyDir(plugin, scope), property), { force: true });
  }

  async list(plugin: string, scope: Scope): Promise<Map<string, string>> {
    const dir = this.layout.propertyDir(plugin, scope);
    const result = new Map<string, string>();
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
      throw error;
    }
    for (const name of names.sort()) {
      if (!PROPERTY.test(name)) continue;
      result.set(name, await fs.readFile(path.join(dir, name), 'utf8'));
    }
    return result;
  }

  /** Every plugin's property dir for one app: moved on rename, removed on destroy. */
  async appDirs(scope: Scope): Promise<string[]> {
    let plugins: string[];
    try {
      plugins = await fs.readdir(this.layout.propertiesRoot());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return plugins.filter((p) => PLUGIN.test(p)).map((p) => this.layout.propertyDir(p, scope));
  }
}
