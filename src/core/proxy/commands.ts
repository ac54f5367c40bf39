// proxy:* — Dokku's proxy plugin: `proxy:set APP|--global KEY [VALUE]` (type builtin|nginx, builtin
// being Slipway's embedded default; proxy-port and proxy-ssl-port for apps without vhosts; disabled),
// proxy:enable/disable (a disabled app is routed by no proxy), proxy:report, proxy:build-config,
// proxy:clear-config. Each change publishes the app's route again, on the proxy it now uses. Also the
// proxy-type and proxy-is-enabled triggers.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import type { RunContext } from '../../plugins/host.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { parseParallel, runForAllApps } from '../shared/all-apps.js';
import { requirePlatform } from '../shared/platform.js';
import { runReport } from '../report/run-report.js';
import { log } from '../../log.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { isValidAppName, shown } from '../../names.js';
import { GLOBAL, PROXY_TYPES, isProxyType, portValue } from '../../store/index.js';
import { propertyOf, setProperty, type PropertySpec } from '../shared/property-set.js';

const SET_USAGE = 'proxy:set (<app>|--global) <key> (<value>)';

/** `APP|--all [--parallel N]` as Dokku's proxy commands take it. */
function allAppsArgs(inv: Invocation): { all: boolean; parallel: number; app?: string } {
  let all = false;
  let parallel: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < inv.args.length; i++) {
    const arg = inv.args[i];
    if (arg === '--all') all = true;
    else if (arg === '--parallel') parallel = inv.args[++i];
    else if (arg.startsWith('--parallel=')) parallel = arg.slice('--parallel='.length);
    else rest.push(arg);
  }
  return { all, parallel: parseParallel(parallel), app: rest[0] };
}

async function forApps(inv: Invocation, services: Services, name: string, command: (app: AppName) => Promise<void>): Promise<void> {
  const { all, parallel, app } = allAppsArgs(inv);
  if (all) return runForAllApps(inv, services, name, parallel, command);
  return command(await existingApp(services, app));
}

/** Publish again every app the change may move (one app, or every app for --global). */
async function republish(services: Services, scope: AppName | typeof GLOBAL): Promise<void> {
  const platform = services.platform;
  if (!platform) return;
  const apps = scope === GLOBAL ? await services.store.apps.list() : [scope];
  for (const app of apps) await platform.routesChanged(app);
}

/** Dokku's proxy properties (proxy.DefaultProperties); all but `disabled` may be set globally. */
const PROXY_SPEC: PropertySpec = {
  plugin: 'proxy',
  app: ['disabled', 'proxy-port', 'proxy-ssl-port', 'type'],
  global: ['proxy-port', 'proxy-ssl-port', 'type'],
  check(property, value) {
    if (property === 'type' && !isProxyType(value)) throw new UsageError(`Invalid proxy type ${shown(value)}; available: ${PROXY_TYPES.join(', ')}`);
    if ((property === 'proxy-port' || property === 'proxy-ssl-port') && portValue(value) === undefined) {
      throw new SlipwayError('E_INVALID_PROXY_PORT', `Invalid ${property} ${shown(value)}: a port number from 1 to 65535 is expected`, 1);
    }
    if (property === 'disabled' && value !== 'true' && value !== 'false') throw new UsageError(`Invalid disabled ${shown(value)}: true or false is expected`);
  },
};

async function proxySet(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 1, SET_USAGE);
  // Dokku's older form `proxy:set APP TYPE` is `proxy:set APP type TYPE` (any word that is no
  // property, given without a value), unless it looks like a port mapping.
  const global = inv.args.includes(GLOBAL);
  const rest = inv.args.filter((a) => a !== GLOBAL);
  const [target, property = '', value = ''] = global ? [GLOBAL, ...rest] : rest;
  let args = inv.args;
  if (!PROXY_SPEC.app.includes(property) && value === '') {
    if (property.includes(':')) {
      log.warn(out(inv), 'Detected potential port mapping instead of proxy type');
      throw new SlipwayError('E_USAGE', 'Consider using ports:set command or specifying a valid proxy', 1);
    }
    args = [target, 'type', property];
  }
  const { scope } = await setProperty({ ...inv, args }, services, PROXY_SPEC);
  await republish(services, scope);
}

async function setEnabled(inv: Invocation, services: Services, enabled: boolean): Promise<void> {
  const o = out(inv);
  await forApps(inv, services, enabled ? 'proxy:enable' : 'proxy:disable', async (app) => {
    if ((await services.store.proxy.enabled(app)) === enabled) {
      log.info1(o, enabled ? 'Proxy is already enabled for app' : 'Proxy is already disabled for app');
      return;
    }
    log.info1(o, enabled ? 'Enabling proxy for app' : 'Disabling proxy for app');
    await services.store.proxy.setEnabled(app, enabled);
    await services.platform?.routesChanged(app);
  });
}

async function buildConfig(inv: Invocation, services: Services): Promise<void> {
  const platform = requirePlatform(services);
  const o = out(inv);
  await forApps(inv, services, 'proxy:build-config', async (app) => {
    const { type, enabled } = await services.store.proxy.get(app);
    const status = await platform.status(app);
    if (!status.release) {
      log.info1(o, `${app} is not deployed: no proxy configuration to build`);
      return;
    }
    if (!enabled) {
      log.info1(o, `The proxy is disabled for ${app}: it is routed by no proxy`);
    } else {
      log.info1(o, type === 'nginx' ? `Configuring nginx for ${app}` : `Publishing the route of ${app} on the built-in proxy`);
    }
    await platform.routesChanged(app);
  });
}

/**
 * Dokku's proxy:clear-config (APP|--all): the generated proxy configuration goes (nginx: the app's
 * nginx.conf, then a reload; the built-in proxy: the app's routes and port listeners), so the app
 * is served by no proxy until proxy:build-config, a deploy or a restart publishes it again. Then
 * `proxy-clear-config APP` (or `--all`) for plugins. Silent, as Dokku's is.
 */
async function clearConfig(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const platform = requirePlatform(services);
  const { all, app } = allAppsArgs(inv);
  const apps = all ? await services.store.apps.list() : [await existingApp(services, app)];
  for (const one of apps) {
    await platform.routesCleared(one);
    // Dokku's nginx fires network-clear-config for each app it serves as it clears it.
    if (await services.store.proxy.computedType(one) === 'nginx') await services.plugins.fire('network-clear-config', { APP: one }, ctx);
  }
  await services.plugins.fire('proxy-clear-config', { APP: all ? '--all' : apps[0] }, ctx);
}

function report(inv: Invocation, services: Services): Promise<void> {
  const store = services.store.proxy;
  const raw = (scope: AppName | typeof GLOBAL, property: string) => propertyOf(services, 'proxy', scope, property);
  const computed = (scope: AppName | typeof GLOBAL, property: string) => services.store.properties.effective('proxy', scope, property);
  return runReport(inv, services, {
    type: 'proxy',
    legacyKeys: true,
    async app(app) {
      const enabled = await store.enabled(app);
      const disabled = await raw(app, 'disabled');
      return [
        ['--proxy-computed-disabled', disabled || 'false'],
        ['--proxy-computed-proxy-port', await computed(app, 'proxy-port')],
        ['--proxy-computed-proxy-ssl-port', await computed(app, 'proxy-ssl-port')],
        ['--proxy-computed-type', await store.computedType(app)],
        ['--proxy-disabled', disabled],
        ['--proxy-enabled', String(enabled)],
        ['--proxy-global-proxy-port', await raw(GLOBAL, 'proxy-port')],
        ['--proxy-global-proxy-ssl-port', await raw(GLOBAL, 'proxy-ssl-port')],
        ['--proxy-global-type', await store.globalType()],
        ['--proxy-proxy-port', await raw(app, 'proxy-port')],
        ['--proxy-proxy-ssl-port', await raw(app, 'proxy-ssl-port')],
        ['--proxy-type', await store.appType(app)],
      ];
    },
    global: async () => [
      ['--proxy-computed-proxy-port', await raw(GLOBAL, 'proxy-port')],
      ['--proxy-computed-proxy-ssl-port', await raw(GLOBAL, 'proxy-ssl-port')],
      ['--proxy-computed-type', (isProxyType(await store.globalType()) ? await store.globalType() : 'builtin')],
      ['--proxy-global-proxy-port', await raw(GLOBAL, 'proxy-port')],
      ['--proxy-global-proxy-ssl-port', await raw(GLOBAL, 'proxy-ssl-port')],
      ['--proxy-global-type', await store.globalType()],
    ],
  });
}

export const proxyCommands: CommandSet = {
  plugin: 'proxy',
  summary: 'Manage which proxy serves an app (builtin, nginx)',
  access: { who: 'app' },
  commands: [
    { name: 'proxy:set', help: { usage: SET_USAGE, description: 'Set or clear a proxy property of an app or of every app (type builtin|nginx, proxy-port, proxy-ssl-port, disabled)' }, run: proxySet },
    { name: 'proxy:enable', help: { usage: 'proxy:enable (<app>|--all)', description: 'Route an app through its proxy again' }, run: (inv, services) => setEnabled(inv, services, true) },
    { name: 'proxy:disable', help: { usage: 'proxy:disable (<app>|--all)', description: 'Stop routing an app (no proxy serves it)' }, run: (inv, services) => setEnabled(inv, services, false) },
    { name: 'proxy:build-config', help: { usage: 'proxy:build-config (<app>|--all)', description: 'Build and apply the proxy configuration of an app again' }, run: buildConfig },
    { name: 'proxy:clear-config', help: { usage: 'proxy:clear-config (<app>|--all)', description: 'Clear the generated proxy configuration of an app (served again at the next build-config, deploy or restart)' }, run: clearConfig },
    { name: 'proxy:report', help: { usage: 'proxy:report [<app>] [<flag>]', description: 'Display the proxy settings of an app, or all apps' }, run: report },
  ],
};

/** `plugn trigger proxy-type APP` and `proxy-is-enabled APP`, as Dokku's proxy plugin answers them. */
export function proxyTriggers(services: Services): Record<string, (args: string[]) => Promise<string>> {
  return {
    'proxy-type': async ([app]) => (app && isValidAppName(app) ? `${await services.store.proxy.computedType(app)}\n` : ''),
    'proxy-is-enabled': async ([app]) => (app && isValidAppName(app) ? `${await services.store.proxy.enabled(app)}\n` : ''),
  };
}
