// plugin:* — Dokku's plugin management: list, install (git, file://, path, tarball), update,
// uninstall, enable, disable, installed and trigger. Admin only; the work is in plugins/manager.
import type { CommandSet, Registry } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { RunContext } from '../../plugins/host.js';
import { PluginManager, type CorePlugins } from '../../plugins/manager.js';
import { UsageError } from '../../errors.js';
import { requireArgs } from '../shared/invocation.js';

const managers = new WeakMap<Services, PluginManager>();

function corePlugins(services: Services, registry: Registry): CorePlugins {
  return {
    sets: () => registry.sets.filter((s) => s.plugin !== 'help').map((s) => ({ name: s.plugin, description: s.summary })),
    async reserved() {
      const names = new Set(await services.plugins.corePluginNames());
      for (const set of registry.sets) {
        names.add(set.plugin);
        for (const command of set.commands) names.add(command.name.split(':')[0]);
      }
      return names;
    },
  };
}

/** One manager per process, built on first use from the registry the commands live in. */
export function pluginManager(services: Services, registry: Registry): PluginManager {
  let manager = managers.get(services);
  if (!manager) {
    manager = new PluginManager(services.store, services.plugins, corePlugins(services, registry), services.version);
    managers.set(services, manager);
  }
  return manager;
}

async function list(inv: Invocation, services: Services, registry: Registry): Promise<void> {
  const { values } = inv.options;
  const format = values.get('--format') ?? 'stdout';
  if (format !== 'stdout' && format !== 'json') throw new UsageError('Invalid output format specified, supported formats: json, stdout');
  const plugins = await pluginManager(services, registry).list();
  if (format === 'json') {
    // Dokku's shape; the git source fields stay empty (installs do not record them yet).
    const rows = plugins.map((p) => ({ name: p.name, version: p.version, enabled: p.enabled, core: p.core, description: p.description, source_url: '', committish: '', branch: '' }));
    inv.io.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  inv.io.stdout.write(`plugn: ${services.version}\n`);
  for (const p of plugins) {
    inv.io.stdout.write(`  ${p.name.padEnd(20)} ${(p.version || '-').padEnd(6)} ${(p.enabled ? 'enabled' : 'disabled').padEnd(10)} ${p.description}`.trimEnd() + '\n');
  }
}

/** Fire one trigger at every enabled plugin, output streamed (plugin:install with no source, …). */
async function fireAll(inv: Invocation, services: Services, ctx: RunContext, names: Array<'dependencies' | 'install' | 'update'>): Promise<void> {
  for (const name of names) await services.plugins.fire(name, {}, ctx);
}

export function pluginCommands(registry: Registry): CommandSet {
  return {
    plugin: 'plugin',
    summary: 'Manage installed plugins',
    access: { who: 'admin' },
    commands: [
      {
        name: 'plugin:list',
        options: ['--format='],
        help: { usage: 'plugin:list [--format stdout|json]', description: 'Print the core and installed plugins' },
        run: (inv, services) => list(inv, services, registry),
      },
      {
        name: 'plugin:install',
        options: ['--committish=', '--name=', '--core'],
        help: { usage: 'plugin:install [<git-url>|<file-url>|<path>|<tarball>] [--committish <ref>] [--name <name>]', description: 'Install a plugin (no source: run every install trigger)' },
        async run(inv, services, ctx) {
          const { values, set, positional } = inv.options;
          if (positional.length > 1) throw new UsageError('Too many arguments: plugin:install <source> [--committish <ref>] [--name <name>]');
          if (positional.length === 0 || set.has('--core')) {
            await fireAll(inv, services, ctx, ['dependencies', 'install']);
            return;
          }
          await pluginManager(services, registry).install(positional[0], { name: values.get('--name'), committish: values.get('--committish') }, ctx);
        },
      },
      {
        name: 'plugin:install-dependencies',
        help: { usage: 'plugin:install-dependencies', description: 'Run every enabled plugin\'s dependencies trigger' },
        run: (inv, services, ctx) => fireAll(inv, services, ctx, ['dependencies']),
      },
      {
        name: 'plugin:installed',
        help: { usage: 'plugin:installed <name>', description: 'Exit 0 when a plugin is installed, 1 when not' },
        async run(inv, services) {
          requireArgs(inv.args, 1, 'plugin:installed <name>');
          return (await pluginManager(services, registry).isInstalled(inv.args[0])) ? 0 : 1;
        },
      },
      {
        name: 'plugin:update',
        help: { usage: 'plugin:update [<name> [<committish>]]', description: 'Update a plugin from its source (no name: run every update trigger)' },
        async run(inv, services, ctx) {
          if (inv.args.length === 0) {
            await fireAll(inv, services, ctx, ['update']);
            return;
          }
          if (inv.args.length > 2) throw new UsageError('Too many arguments: plugin:update <name> [<committish>]');
          await pluginManager(services, registry).update(inv.args[0], inv.args[1], ctx);
        },
      },
      {
        name: 'plugin:uninstall',
        help: { usage: 'plugin:uninstall <name>', description: 'Uninstall a plugin (third-party only)' },
        async run(inv, services, ctx) {
          requireArgs(inv.args, 1, 'plugin:uninstall <name>');
          await pluginManager(services, registry).uninstall(inv.args[0], ctx);
        },
      },
      {
        name: 'plugin:enable',
        help: { usage: 'plugin:enable <name>', description: 'Enable a disabled plugin' },
        async run(inv, services, ctx) {
          requireArgs(inv.args, 1, 'plugin:enable <name>');
          await pluginManager(services, registry).setEnabled(inv.args[0], true, ctx);
        },
      },
      {
        name: 'plugin:disable',
        help: { usage: 'plugin:disable <name>', description: 'Disable a plugin: its commands and triggers stop' },
        async run(inv, services, ctx) {
          requireArgs(inv.args, 1, 'plugin:disable <name>');
          await pluginManager(services, registry).setEnabled(inv.args[0], false, ctx);
        },
      },
      {
        name: 'plugin:trigger',
        help: { usage: 'plugin:trigger <trigger> [<args>...]', description: 'Fire a trigger at every enabled plugin, like plugn trigger' },
        async run(inv, services, ctx) {
          requireArgs(inv.args, 1, 'plugin:trigger <trigger> [<args>...]');
          await services.plugins.trigger(inv.args[0], inv.args.slice(1), ctx);
        },
      },
    ],
  };
}
