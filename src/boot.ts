// Wires one process together: settings → store → plugin host (openServices), then, with the
// server's platform when there is one, core commands → trigger answers → router (boot). Both the
// server and the local CLI start here, so they behave the same; the services are frozen.
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from './settings.js';
import { Store } from './store/index.js';
import { PluginHost } from './plugins/host.js';
import { Registry } from './commands/registry.js';
import { Router } from './commands/router.js';
import type { CoreServices, DashboardDoor, Services } from './services.js';
import type { AppPlatform } from './deploy/types.js';
import { appsCommands } from './core/apps/commands.js';
import { configCommands, configTriggers } from './core/config/commands.js';
import { sshKeysCommands } from './core/ssh-keys/commands.js';
import { helpCommands, traceCommands } from './core/help/commands.js';
import { coreTriggers, pluginTriggers } from './core/apps/triggers.js';
import { appsSetCommands } from './core/apps/set.js';
import { gitCommands } from './git/commands.js';
import { gitTriggers } from './git/triggers.js';
import { psCommands } from './core/ps/commands.js';
import { logsCommands } from './core/logs/commands.js';
import { appJsonCommands } from './core/app-json/commands.js';
import { runCommands } from './core/run/commands.js';
import { releasesCommands } from './core/releases/commands.js';
import { domainsCommands, domainsTriggers } from './core/domains/commands.js';
import { registryTriggers } from './core/registry/triggers.js';
import { nginxHostnameHook } from './core/domains/hostname-hook.js';
import { dokkuConfTriggers } from './core/nginx/dokku-conf.js';
import { cleanupCommands } from './core/cleanup/commands.js';
import { certsCommands } from './core/certs/commands.js';
import { letsencryptCommands } from './core/letsencrypt/commands.js';
import { portsCommands } from './core/ports/commands.js';
import { urlsCommands } from './core/domains/urls.js';
import { pluginCommands } from './core/plugin/commands.js';
import { reportCommands } from './core/report/commands.js';
import { aclCommands } from './core/acl/commands.js';
import { eventsCommands, triggerLogger } from './core/events/audit.js';
import { builderCommands } from './core/builder/commands.js';
import { builderDockerfileCommands } from './core/builder/dockerfile-commands.js';
import { schedulerDockerLocalCommands } from './core/scheduler-docker-local/commands.js';
import { schedulerCommands } from './core/scheduler/commands.js';
import { swarmCommands } from './core/scheduler/swarm-commands.js';
import { registryCommands } from './core/registry/commands.js';
import { storageCommands } from './core/storage/commands.js';
import { psInspectCommands } from './core/ps/inspect.js';
import { buildsCommands } from './core/builds/commands.js';
import { checksCommands } from './core/checks/commands.js';
import { repoCommands } from './core/repo/commands.js';
import { enterCommands } from './core/enter/commands.js';
import { cronCommands } from './core/cron/commands.js';
import { resourceCommands } from './core/resource/commands.js';
import { dockerOptionsCommands } from './core/docker-options/commands.js';
import { proxyCommands, proxyTriggers } from './core/proxy/commands.js';
import { nginxCommands } from './core/nginx/commands.js';
import { schedulerTriggers } from './core/scheduler/triggers.js';
import { dashboardCommands } from './core/dashboard/commands.js';
import { networkCommands, networkTriggers } from './core/network/commands.js';

export interface Booted {
  services: Services;
  registry: Registry;
  router: Router;
}

function readVersion(settings: Settings): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(settings.packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The store and plugin host of this data dir: what the platform is started on, before boot(). */
export function openServices(settings: Settings): CoreServices {
  const store = new Store(settings);
  // trace:on reaches every trigger, whoever fires it (deploys, restores, hooks included).
  const traceOn = () => store.trace.isOn();
  const plugins = new PluginHost(settings, undefined, traceOn, async (names) => {
    await store.plugins.linkCore(settings.corePluginsDir, names);
    await store.plugins.prepareDokkuHome();
  });
  // What a plugin's nginx-hostname says on stderr goes where the server's own warnings go.
  store.domains.nameDefaultsWith(nginxHostnameHook(plugins, (text) => process.stderr.write(text)));
  return Object.freeze({ settings, store, plugins, version: readVersion(settings) });
}

/**
 * The command registry, trigger answers and router over `from` (its open services, or settings to
 * open them with). With `platform` (slipway serve) the commands that act on running apps reach
 * it; without it (a local CLI) they say they need the server.
 */
export function boot(from: CoreServices | Settings, platform?: AppPlatform, dashboard?: DashboardDoor): Booted {
  const core = 'store' in from ? from : openServices(from);
  const services: Services = Object.freeze({ ...core, platform, dashboard });
  const { plugins } = services;
  const registry = new Registry();
  for (const set of [appsCommands, appsSetCommands, configCommands, sshKeysCommands, gitCommands]) registry.add(set);
  for (const set of [pluginCommands(registry), aclCommands, eventsCommands, reportCommands(registry)]) registry.add(set);
  // Listed by help even in a local CLI, where they say they need the server.
  for (const set of [psCommands, logsCommands, runCommands, releasesCommands, domainsCommands, portsCommands, urlsCommands, certsCommands, letsencryptCommands]) registry.add(set);
  for (const set of [builderCommands, builderDockerfileCommands, schedulerCommands, schedulerDockerLocalCommands, swarmCommands, registryCommands, storageCommands, psInspectCommands, buildsCommands, checksCommands, dockerOptionsCommands, proxyCommands, nginxCommands]) registry.add(set);
  registry.add(appJsonCommands);
  registry.add(dashboardCommands);
  registry.add(helpCommands(registry));
  registry.add(traceCommands());
  for (const set of [repoCommands, resourceCommands, enterCommands, cronCommands, cleanupCommands, networkCommands]) registry.add(set);
  for (const [name, fn] of Object.entries({ ...configTriggers(services), ...coreTriggers(services), ...gitTriggers(services), ...proxyTriggers(services), ...networkTriggers(services) })) {
    plugins.registerCoreTrigger(name, (args) => fn(args));
  }
  // Registered after the core's own answers, so these run second (app-exists adds its exit status).
  for (const [name, fn] of Object.entries(pluginTriggers(services))) plugins.registerCoreTrigger(name, fn);
  for (const [name, fn] of Object.entries(schedulerTriggers(services))) plugins.registerCoreTrigger(name, fn);
  for (const [name, fn] of Object.entries(domainsTriggers(services))) plugins.registerCoreTrigger(name, fn);
  for (const [name, fn] of Object.entries(dokkuConfTriggers(services))) plugins.registerCoreTrigger(name, fn);
  for (const [name, fn] of Object.entries(registryTriggers(services))) plugins.registerCoreTrigger(name, fn);
  plugins.onTrigger(triggerLogger(services));
  return { services, registry, router: new Router(registry, services) };
}
