// network:* — Dokku's network plugin: Docker networks (create, destroy, exists, info, list) and an
// app's network properties (set, report), which docker-local applies when it creates containers
// (initial-network, attach-post-create), after their checks (attach-post-deploy), when it publishes
// the web port (bind-all-interfaces), and the proxy when it routes web traffic (static-web-listener).
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { DOKKU_NETWORK_LABEL, NetworkRefused, checkNetworkName, connect, type DockerClient, type NetworkInfo } from '../../docker/index.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { log } from '../../log.js';
import { shown } from '../../names.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import { confirmDestructive, existingApp, out, requireArgs } from '../shared/invocation.js';
import { setProperty } from '../shared/property-set.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { selectedScheduler } from '../../scheduler/per-app.js';
import { dockerLocalOptions } from '../../scheduler/docker-local/options.js';
import {
  GLOBAL_NETWORK_PROPERTIES, NETWORK_PLUGIN, NETWORK_PROPERTIES, computedNetworkProperty, ownNetworkProperty, parseListener, type NetworkProperty,
} from '../../scheduler/networks.js';

const ATTACH = new Set(['attach-post-create', 'attach-post-deploy']);

/** The engine networks live on; one clear line when none answers (the process scheduler needs none). */
async function engine(): Promise<DockerClient> {
  const docker = connect();
  if (!(await docker.ping(5_000))) {
    throw new SlipwayError('E_DOCKER_UNAVAILABLE', `Docker networks need a Docker Engine, and none answers at ${docker.host}`, 1);
  }
  return docker;
}

function networkName(inv: Invocation): string {
  const name = inv.options.positional[0] ?? '';
  if (name === '') throw new UsageError('No network name specified');
  return checkNetworkName(name);
}

/** Go's json.Marshal escapes <, > and & in strings. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** Dokku's DockerNetwork, its fields in Go's declaration order. */
function dokkuNetwork(n: NetworkInfo): Record<string, unknown> {
  const labels = Object.fromEntries(Object.entries(n.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    CreatedAt: n.created || '0001-01-01T00:00:00Z', DokkuManaged: DOKKU_NETWORK_LABEL in n.labels, Driver: n.driver, ID: n.id,
    Internal: n.internal, IPv6: n.ipv6, Labels: labels, Name: n.name, Scope: n.scope,
  };
}

async function create(inv: Invocation): Promise<void> {
  const name = networkName(inv);
  const docker = await engine();
  log.info1(out(inv), `Creating network ${name}`);
  try {
    // SLIPWAY_DOCKER_NETWORK=host (a host that gives containers no bridge): the bridge gets no host
    // address either, so the host's namespace never holds a private-range address or route.
    const hostAddress = dockerLocalOptions().network !== 'host';
    await docker.createNetwork(name, { labels: { [DOKKU_NETWORK_LABEL]: name }, hostAddress });
  } catch (error) {
    if (error instanceof NetworkRefused) throw new SlipwayError('E_NETWORK_REFUSED', `Unable to create network: ${error.reason}`, 1);
    throw error;
  }
}

async function destroy(inv: Invocation): Promise<void> {
  const name = networkName(inv);
  const docker = await engine();
  if (!inv.options.set.has('--force') && !inv.flags.force) await confirmDestructive(inv, 'network', name);
  log.info1(out(inv), `Destroying network ${name}`);
  try {
    await docker.removeNetwork(name);
  } catch (error) {
    if (error instanceof NetworkRefused) throw new SlipwayError('E_NETWORK_REFUSED', `Unable to destroy network: ${error.reason}`, 1);
    throw error;
  }
}

async function exists(inv: Invocation): Promise<void> {
  const name = networkName(inv);
  if ((await (await engine()).findNetwork(name)) === undefined) throw new SlipwayError('E_NETWORK_NOT_FOUND', 'Network does not exist', 1);
  log.info1(out(inv), 'Network exists');
}

async function info(inv: Invocation): Promise<void> {
  const name = networkName(inv);
  const format = inv.options.values.get('--format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('Invalid format specified, use either text or json');
  const network = await (await engine()).findNetwork(name);
  if (network === undefined) throw new SlipwayError('E_NETWORK_NOT_FOUND', 'Network does not exist', 1);
  if (format === 'json') {
    inv.io.stdout.write(`${goJson(dokkuNetwork(network))}\n`);
    return;
  }
  log.info2(out(inv), `${name} network information`);
  const rows: Array<[string, string]> = [
    ['ID:', network.id], ['Name:', network.name], ['Driver:', network.driver], ['Scope:', network.scope],
    ['Dokku managed:', String(DOKKU_NETWORK_LABEL in network.labels)],
  ];
  for (const [label, value] of rows) log.verbose(out(inv), `${label.padEnd(16)}${value}`);
}

async function list(inv: Invocation): Promise<void> {
  const managedOnly = inv.options.set.has('--dokku-managed');
  const networks = (await (await engine()).listNetworks()).filter((n) => !managedOnly || DOKKU_NETWORK_LABEL in n.labels);
  // As Dokku: json prints the array, any other format the names.
  if (inv.options.values.get('--format') === 'json') {
    inv.io.stdout.write(`${goJson(networks.map(dokkuNetwork))}\n`);
    return;
  }
  log.info2(out(inv), 'Networks');
  for (const n of networks) inv.io.stdout.write(`${n.name}\n`);
}

/** Dokku's BuildConfig: only a running docker-local app without a static web listener has anything to sync. */
async function rebuildApp(inv: Invocation, services: Services, app: AppName): Promise<void> {
  const platform = services.platform;
  if (platform === undefined || !(await platform.status(app)).running) return;
  if (await ownNetworkProperty(services.store, app, 'static-web-listener')) return;
  const scheduler = (await selectedScheduler(services, app)) ?? platform.scheduler;
  if (scheduler !== 'docker-local') return;
  log.info1(out(inv), `Ensuring network configuration is in sync for ${app}`);
  await platform.routesChanged(app);
}

async function rebuild(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.options.positional, 1, 'network:rebuild <app>');
  await rebuildApp(inv, services, await existingApp(services, inv.options.positional[0]));
}

async function rebuildAll(inv: Invocation, services: Services): Promise<void> {
  const apps = await services.store.apps.list();
  if (apps.length === 0) {
    log.warn(out(inv), 'You haven\'t deployed any applications yet');
    return;
  }
  for (const app of apps) await rebuildApp(inv, services, app);
}

/** The web listeners (`host:port`) the proxy sends an app's traffic to: the static one, else its running web processes. */
export async function webListeners(services: Services, app: AppName): Promise<string[]> {
  const fixed = await ownNetworkProperty(services.store, app, 'static-web-listener');
  if (fixed !== '') return [fixed];
  if (services.platform === undefined) return [];
  const { instances } = await services.platform.status(app);
  return instances.filter((i) => i.type === 'web' && i.state === 'running' && i.port !== undefined).map((i) => `${i.host}:${i.port}`);
}

/** Dokku's listeners of another process type: each running instance's `host:port`, 5000 when it has no port of its own. */
async function typeListeners(services: Services, app: AppName, type: string): Promise<string[]> {
  if (services.platform === undefined) return [];
  const { instances } = await services.platform.status(app);
  return instances.filter((i) => i.type === type && i.state === 'running').map((i) => `${i.host}:${i.port ?? 5000}`);
}

async function set(inv: Invocation, services: Services): Promise<void> {
  const global = inv.args.includes(GLOBAL);
  const words = inv.args.filter((a) => a !== GLOBAL);
  const [scopeWord, property = '', ...values] = global ? [GLOBAL, ...words] : words;
  if (scopeWord === undefined) requireArgs([], 1, 'network:set (<app>|--global) <property> [<value>...]');
  let value = values[0] ?? '';
  if (ATTACH.has(property)) {
    const scope: Scope = global ? GLOBAL : await existingApp(services, scopeWord);
    const other = property === 'attach-post-create' ? 'attach-post-deploy' : 'attach-post-create';
    // Dokku compares against the other property's whole value; Slipway against each network in it.
    const taken = (await computedNetworkProperty(services.store, scope, other)).split(',');
    for (const name of values) {
      if (name === 'host' || name === 'bridge') throw new UsageError(`Invalid network name specified for attach: ${name}`);
      checkNetworkName(name);
      if (taken.includes(name)) throw new UsageError(`Network name already associated with this app: ${name}`);
    }
    value = values.join(',');
  }
  const done = await setProperty({ ...inv, args: global ? [GLOBAL, property, value] : [scopeWord ?? '', property, value] }, services, {
    plugin: NETWORK_PLUGIN,
    app: NETWORK_PROPERTIES,
    global: GLOBAL_NETWORK_PROPERTIES,
    check(name, given) {
      if (name === 'bind-all-interfaces' && given !== 'true' && given !== 'false') throw new UsageError(`Invalid bind-all-interfaces ${shown(given)}: true or false`);
      if (name === 'initial-network') checkNetworkName(given);
      if (name === 'static-web-listener' && parseListener(given) === undefined) throw new UsageError(`Invalid static-web-listener ${shown(given)}: HOST:PORT`);
      if (name === 'tld' && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(given)) throw new UsageError(`Invalid tld ${shown(given)}`);
    },
  });
  if (done.scope === GLOBAL || done.value === '' || done.property === 'static-web-listener') return;
  const chosen = (await selectedScheduler(services, done.scope)) ?? services.platform?.scheduler ?? services.settings.scheduler;
  if (chosen === 'process') log.warn(out(inv), `${done.scope} runs on the process scheduler, which keeps ${done.property} but does not use it (docker-local does)`);
}

async function reportRows(services: Services, scope: Scope): Promise<ReportRows> {
  const own = (property: NetworkProperty) => ownNetworkProperty(services.store, scope, property);
  const global = (property: NetworkProperty) => ownNetworkProperty(services.store, GLOBAL, property);
  const computed = (property: NetworkProperty) => computedNetworkProperty(services.store, scope, property);
  const rows: ReportRows = [];
  for (const property of GLOBAL_NETWORK_PROPERTIES) {
    rows.push([`--network-computed-${property}`, await computed(property)], [`--network-global-${property}`, await global(property)]);
  }
  if (scope === GLOBAL) return rows;
  for (const property of NETWORK_PROPERTIES) rows.push([`--network-${property}`, await own(property)]);
  rows.push(['--network-web-listeners', (await webListeners(services, scope)).join(' ')]);
  return rows;
}

const ADMIN = { who: 'admin' } as const;

export const networkCommands: CommandSet = {
  plugin: NETWORK_PLUGIN,
  summary: 'Manage network settings for an app',
  access: { who: 'app' },
  commands: [
    { name: 'network:create', access: ADMIN, help: { usage: 'network:create <network>', description: 'Creates an attachable docker network' }, run: create },
    { name: 'network:destroy', access: ADMIN, options: ['--force'], help: { usage: 'network:destroy <network> [--force]', description: 'Destroys a docker network' }, run: destroy },
    { name: 'network:exists', access: ADMIN, help: { usage: 'network:exists <network>', description: 'Checks if a docker network exists' }, run: exists },
    { name: 'network:info', access: ADMIN, options: ['--format='], help: { usage: 'network:info <network> [--format text|json]', description: 'Outputs information about a docker network' }, run: info },
    { name: 'network:list', access: ADMIN, options: ['--format=', '--dokku-managed'], help: { usage: 'network:list [--format text|json] [--dokku-managed]', description: 'Lists all docker networks' }, run: list },
    { name: 'network:rebuild', help: { usage: 'network:rebuild <app>', description: 'Rebuilds network settings for an app' }, run: rebuild },
    { name: 'network:rebuildall', access: ADMIN, help: { usage: 'network:rebuildall', description: 'Rebuild network settings for all apps' }, run: rebuildAll },
    {
      name: 'network:report',
      help: { usage: 'network:report [<app>|--global] [<flag>]', description: 'Displays a network report for one or more apps' },
      run: (inv, services) => runReport(inv, services, { type: 'network', legacyKeys: true, app: (app) => reportRows(services, app), global: () => reportRows(services, GLOBAL) }),
    },
    { name: 'network:set', help: { usage: 'network:set (<app>|--global) <property> [<value>...]', description: 'Set or clear a network property for an app' }, run: set },
  ],
};

/**
 * Dokku's network triggers that other plugins call with `plugn trigger`: the computed property,
 * the web listeners (`host:port` the proxy uses), the static listener, whether an app has any,
 * and a container's address (the one the proxy reaches it at).
 */
export function networkTriggers(services: Services): Record<string, (args: string[]) => Promise<string>> {
  const valid = async (app: string | undefined): Promise<AppName | undefined> => {
    if (app === undefined || app === '') return undefined;
    try {
      return await existingApp(services, app);
    } catch {
      return undefined; // an unknown app has no network settings: the empty answer Dokku gives
    }
  };
  return {
    'network-get-property': async ([app, property]) => {
      const name = await valid(app);
      if (!(GLOBAL_NETWORK_PROPERTIES as readonly string[]).includes(property ?? '')) {
        throw new SlipwayError('E_USAGE', `Invalid network property specified: ${property ?? ''}`, 1);
      }
      return `${name === undefined ? '' : await computedNetworkProperty(services.store, name, property as NetworkProperty)}\n`;
    },
    'network-get-listeners': async ([app, type = 'web']) => {
      const name = await valid(app);
      if (name === undefined) return '\n';
      return `${(type === 'web' ? await webListeners(services, name) : await typeListeners(services, name, type)).join(' ')}\n`;
    },
    'network-get-static-listeners': async ([app]) => {
      const name = await valid(app);
      return `${name === undefined ? '' : await ownNetworkProperty(services.store, name, 'static-web-listener')}\n`;
    },
    'network-config-exists': async ([app]) => {
      const name = await valid(app);
      return name !== undefined && (await webListeners(services, name)).length > 0 ? 'true\n' : 'false\n';
    },
    'network-get-ipaddr': async ([app, type, container]) => {
      const name = await valid(app);
      if (name === undefined) return '\n';
      if (type === 'web') {
        const fixed = parseListener(await ownNetworkProperty(services.store, name, 'static-web-listener'));
        if (fixed !== undefined) return `${fixed.host}\n`;
      }
      const instances = services.platform === undefined ? [] : (await services.platform.status(name)).instances;
      const found = instances.find((i) => container !== undefined && container !== '' && (i.containerId?.startsWith(container) === true || i.id === container));
      return `${found?.host ?? ''}\n`;
    },
    // Slipway keeps no IP/PORT files: the server holds where each app's processes listen.
    'network-build-config': async () => '',
  };
}
