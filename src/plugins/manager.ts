// Installs, updates, enables, disables and removes third-party plugins, all or nothing: files are
// fetched and checked in a staging folder, one rename publishes them, and the plugin's own install or
// update trigger then runs in place ($PLUGIN_AVAILABLE_PATH/NAME); if it fails, the change is undone.
import path from 'node:path';
import type { Store, PluginOrigin } from '../store/index.js';
import type { PluginHost, RunContext } from './host.js';
import { isExecutable, readPluginMeta } from './discovery.js';
import { fetchPlugin, nameFromSource, parseCommittish, parseSource } from './fetch.js';
import { checkPluginName, validatePlugin } from './validate.js';
import { ConflictError, NotFoundError, SlipwayError, UsageError } from '../errors.js';
import { TriggerFailed } from './host.js';
import { log, type Out } from '../log.js';
import { shown } from '../names.js';

export interface PluginInfo {
  name: string;
  version: string;
  enabled: boolean;
  core: boolean;
  description: string;
}

/** What the core contributes that is not a folder: command sets, listed and reserved like plugins. */
export interface CorePlugins {
  sets(): Array<{ name: string; description: string }>;
  /** Names a plugin may not take: core plugin folders, command sets, core command prefixes. */
  reserved(): Promise<Set<string>>;
}

export interface InstallOptions { name?: string; committish?: string }

function out(ctx: RunContext): Out {
  return { stdout: ctx.io.stdout, stderr: ctx.io.stderr, quiet: ctx.flags.quiet };
}

async function meta(dir: string): Promise<{ version: string; description: string }> {
  try {
    return await readPluginMeta(dir);
  } catch (error) {
    return { version: '', description: `(plugin.toml does not parse: ${(error as Error).message.split('\n')[0]})` };
  }
}

/** A failed install or update trigger, said in one line: what was undone and why; the exit status is the trigger's (as Dokku's set -e passes it on). */
function undone(error: unknown, what: string): unknown {
  if (error instanceof TriggerFailed) {
    const status = error.exitCode >= 1 && error.exitCode <= 255 ? error.exitCode : 1;
    return new SlipwayError(error.code, `${what}: its ${error.trigger} trigger failed (exit ${error.exitCode})`, status, { cause: error });
  }
  return error;
}

export class PluginManager {
  constructor(
    private readonly store: Store,
    private readonly host: PluginHost,
    private readonly core: CorePlugins,
    private readonly version: string,
  ) {}

  private get files() { return this.store.plugins; }

  /** Every plugin, core and installed, enabled or not, by name (Dokku's `plugn list`). */
  async list(): Promise<PluginInfo[]> {
    const byName = new Map<string, PluginInfo>();
    const enabled = new Set(await this.files.enabled());
    for (const name of await this.files.installed()) {
      byName.set(name, { name, ...(await meta(this.files.availablePath(name))), enabled: enabled.has(name), core: false });
    }
    for (const plugin of await this.host.plugins()) {
      if (!plugin.core && !byName.has(plugin.name)) byName.set(plugin.name, { name: plugin.name, version: plugin.version, description: plugin.description, enabled: true, core: false });
    }
    const disabledCore = new Set(await this.files.disabledCore());
    for (const name of await this.host.corePluginNames()) {
      const dir = path.join(this.store.settings.corePluginsDir, name);
      byName.set(name, { name, ...(await meta(dir)), enabled: !disabledCore.has(name), core: true });
    }
    for (const set of this.core.sets()) {
      const folder = byName.get(set.name);
      // A core folder that only holds Dokku's bash functions for a command set is listed as that set.
      if (folder?.core) byName.set(set.name, { ...folder, version: folder.version || this.version, description: set.description || folder.description });
      else if (!folder) byName.set(set.name, { name: set.name, version: this.version, description: set.description, enabled: true, core: true });
    }
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async isInstalled(name: string): Promise<boolean> {
    return (await this.list()).some((p) => p.name === name);
  }

  private async isCore(name: string): Promise<boolean> {
    return (await this.core.reserved()).has(name);
  }

  /** Runs `fn` with a fresh staging folder, removed afterwards whatever happens. */
  private async staged<T>(fn: (staging: string) => Promise<T>): Promise<T> {
    const staging = await this.files.createStaging();
    try {
      return await fn(staging);
    } finally {
      await this.files.removeStaging(staging);
      this.host.invalidate();
    }
  }

  async install(raw: string, options: InstallOptions, ctx: RunContext): Promise<string> {
    const source = parseSource(raw);
    const committish = options.committish === undefined ? undefined : parseCommittish(options.committish);
    const reserved = await this.core.reserved();
    const name = checkPluginName(options.name ?? nameFromSource(raw), (n) => reserved.has(n));
    return this.files.withLock(() => this.staged(async (staging) => {
      if (await this.files.isInstalled(name)) {
        throw new ConflictError('E_PLUGIN_EXISTS', `Plugin ${name} is already installed; use plugin:update ${name}`);
      }
      const dir = path.join(staging, name);
      log.info1(out(ctx), `${source.kind === 'git' ? 'Cloning' : source.kind === 'tar' ? 'Unpacking' : 'Copying'} plugin ${shown(raw, 120)} as ${name}`);
      const fetched = await fetchPlugin(source, dir, committish, ctx.signal);
      await validatePlugin(dir, name);
      const origin: PluginOrigin = { kind: source.kind, source: raw, committish, commit: fetched.commit, installedAt: new Date().toISOString() };
      await this.files.writeOrigin(dir, origin);
      await this.files.publish(dir, name);
      try {
        await this.files.enable(name);
        this.host.invalidate();
        // In place, as on Dokku: install scripts find their own files at $PLUGIN_AVAILABLE_PATH/NAME.
        const inPlace = { name, dir: this.files.availablePath(name) };
        await this.host.triggerOf(inPlace, 'dependencies', {}, ctx);
        await this.host.triggerOf(inPlace, 'install', {}, ctx);
      } catch (error) {
        await this.files.remove(name, staging);
        throw undone(error, `Plugin ${name} was not installed`);
      }
      log.info1(out(ctx), `Plugin ${name} enabled${fetched.commit ? ` (${fetched.commit.slice(0, 7)})` : ''}`);
      return name;
    }));
  }

  async update(name: string, ref: string | undefined, ctx: RunContext): Promise<void> {
    if (await this.isCore(name)) throw new UsageError(`Plugin ${name} is a core plugin: it is updated with Slipway itself`);
    const committish = ref === undefined ? undefined : parseCommittish(ref);
    await this.files.withLock(() => this.staged(async (staging) => {
      if (!(await this.files.isInstalled(name))) throw new NotFoundError('E_PLUGIN_NOT_FOUND', `Plugin ${name} is not installed`);
      const origin = await this.files.origin(name);
      if (!origin) throw new UsageError(`Plugin ${name} has no recorded source; reinstall it with plugin:install`);
      const source = parseSource(origin.source);
      const pinned = committish ?? origin.committish;
      const dir = path.join(staging, name);
      log.info1(out(ctx), `Updating plugin ${name} from ${shown(origin.source, 120)}${pinned ? ` at ${pinned}` : ''}`);
      const fetched = await fetchPlugin(source, dir, pinned, ctx.signal);
      await validatePlugin(dir, name);
      await this.files.writeOrigin(dir, { ...origin, committish: pinned, commit: fetched.commit });
      await this.files.replace(dir, name, staging);
      this.host.invalidate();
      try {
        await this.host.triggerOf({ name, dir: this.files.availablePath(name) }, 'update', {}, ctx);
      } catch (error) {
        await this.files.restorePrevious(name, staging);
        throw undone(error, `Plugin ${name} was not updated (the previous version is back)`);
      }
      log.info1(out(ctx), `Plugin ${name} updated${fetched.commit ? ` (${fetched.commit.slice(0, 7)})` : ''}`);
    }));
  }

  async uninstall(name: string, ctx: RunContext): Promise<void> {
    if (await this.isCore(name)) throw new UsageError(`Cannot uninstall core plugin ${name}`);
    await this.files.withLock(() => this.staged(async (staging) => {
      if (!(await this.files.isInstalled(name))) throw new NotFoundError('E_PLUGIN_NOT_FOUND', `Plugin ${name} is not installed`);
      log.info1(out(ctx), `Uninstalling plugin ${name}`);
      // Dokku fires `uninstall NAME` at every enabled plugin; a disabled one still gets its own call.
      await this.host.fire('uninstall', { PLUGIN: name }, ctx);
      if (!(await this.files.isEnabled(name))) {
        await this.host.triggerOf({ name, dir: this.files.availablePath(name) }, 'uninstall', { PLUGIN: name }, ctx);
      }
      await this.files.remove(name, staging);
      log.info1(out(ctx), `Plugin ${name} uninstalled`);
    }));
  }

  async setEnabled(name: string, enabled: boolean, ctx: RunContext): Promise<void> {
    const verb = enabled ? 'enabled' : 'disabled';
    await this.files.withLock(async () => {
      try {
        const plugin = (await this.list()).find((p) => p.name === name);
        if (!plugin) throw new NotFoundError('E_PLUGIN_NOT_FOUND', `Plugin ${name} is not installed`);
        if (plugin.enabled === enabled) {
          log.info1(out(ctx), `Plugin ${name} is already ${verb}`);
          return;
        }
        if (plugin.core) {
          const folders = await this.host.corePluginNames();
          // Only shipped script plugins (with a `commands` file, like hello) switch off; the folders
          // that hold Dokku's bash functions for plugins, and the command sets, always stay.
          const script = folders.includes(name) && await isExecutable(path.join(this.store.settings.corePluginsDir, name, 'commands'));
          if (!script || name === 'common') throw new UsageError(`Core plugin ${name} cannot be ${verb}`);
          await this.files.setCoreDisabled(name, !enabled);
        } else if (await this.files.isInstalled(name)) {
          if (enabled) await this.files.enable(name);
          else await this.files.disable(name);
        } else {
          throw new UsageError(`Plugin ${name} is linked by hand; remove its link in ${this.store.layout.pluginEnabled()}`);
        }
        log.info1(out(ctx), `Plugin ${name} ${verb}`);
      } finally {
        this.host.invalidate();
      }
    });
  }
}
