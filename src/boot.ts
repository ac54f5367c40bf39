// Wires one process together: settings → store → plugin host → core commands → router.
// Both the server and the local CLI start here, so they behave the same.
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from './settings.js';
import { Store } from './store/index.js';
import { PluginHost } from './plugins/host.js';
import { Registry } from './commands/registry.js';
import { Router } from './commands/router.js';
import { idleRuntime, type AppRuntime, type Services } from './services.js';
import { appsCommands } from './core/apps.js';
import { configCommands, configTriggers } from './core/config.js';
import { sshKeysCommands } from './core/ssh-keys.js';
import { helpCommands } from './core/help.js';
import { coreTriggers } from './core/triggers.js';
import { appsSetCommands } from './core/apps-set.js';
import { gitCommands } from './git/commands.js';
import type { CommandSet } from './commands/registry.js';
import { runtimeCommandSets } from './core/runtime-sets.js';
import { pluginCommands } from './core/plugin.js';
import { pluginTriggers, reportCommands } from './core/plugin-triggers.js';
import { aclCommands } from './core/acl.js';
import { eventsCommands, triggerLogger } from './core/events.js';
import { builderCommands } from './core/builder.js';
import { schedulerCommands } from './core/scheduler.js';
import { storageCommands } from './core/storage.js';
import { dockerCommands, dockerTriggers } from './core/scheduler-docker.js';

export interface Booted {
  services: Services;
  registry: Registry;
  router: Router;
}

function readVersion(settings: Settings): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(settings.packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function boot(settings: Settings, options: { runtime?: AppRuntime; extraSets?: CommandSet[] } = {}): Booted {
  const store = new Store(settings);
  const plugins = new PluginHost(settings);
  const services: Services = { settings, store, plugins, runtime: options.runtime ?? idleRuntime, version: readVersion(settings) };
  const registry = new Registry();
  for (const set of [appsCommands, appsSetCommands, configCommands, sshKeysCommands, gitCommands, ...(options.extraSets ?? [])]) registry.add(set);
  for (const set of [pluginCommands(registry), aclCommands, eventsCommands, reportCommands]) registry.add(set);
  for (const set of runtimeCommandSets()) registry.add(set);
  for (const set of [builderCommands, schedulerCommands, storageCommands, dockerCommands]) registry.add(set);
  registry.add(helpCommands(registry));
  for (const [name, fn] of Object.entries({ ...configTriggers(services), ...coreTriggers(services) })) {
    plugins.registerCoreTrigger(name, (args) => fn(args));
  }
  // Registered after the core's own answers, so these run second (app-exists adds its exit status).
  for (const [name, fn] of Object.entries(pluginTriggers(services))) plugins.registerCoreTrigger(name, fn);
  for (const [name, fn] of Object.entries(dockerTriggers(services))) plugins.registerCoreTrigger(name, fn);
  plugins.onTrigger(triggerLogger(services));
  return { services, registry, router: new Router(registry, services) };
}
