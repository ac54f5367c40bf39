// proxy:* — which proxy serves an app (Dokku's proxy plugin): `proxy:set APP|--global nginx|builtin`
// (the `type` property; builtin, Slipway's embedded proxy, is the default), proxy:enable/disable
// (a disabled app is routed by no proxy), proxy:report, proxy:build-config. Each change publishes
// the app's route again, on the proxy it now uses. Also the proxy-type and proxy-is-enabled triggers.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { existingApp, out, requireArgs, scopeArg } from '../shared/invocation.js';
import { parseParallel, runForAllApps } from '../shared/all-apps.js';
import { requirePlatform } from '../shared/platform.js';
import { runReport } from '../report/run-report.js';
import { log } from '../../log.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { isValidAppName, shown } from '../../names.js';
import { GLOBAL, PROXY_TYPES, isProxyType } from '../../store/index.js';

const SET_USAGE = 'proxy:set (<app>|--global) <proxy-type>';

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

async function proxySet(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 1, SET_USAGE);
  const scope = await scopeArg(services, inv.args[0]);
  // Dokku's forms: `proxy:set APP TYPE` and `proxy:set APP type [TYPE]` (no value: unset).
  let value = inv.args[1] ?? '';
  if (value === 'type') value = inv.args[2] ?? '';
  else if (value.includes(':')) {
    log.warn(out(inv), 'Detected potential port mapping instead of proxy type');
    throw new SlipwayError('E_USAGE', 'Consider using ports:set command or specifying a valid proxy', 1);
  }
  if (value === '') {
    log.info1(out(inv), 'Unsetting type');
    await services.store.properties.delete('proxy', scope, 'type');
  } else {
    if (!isProxyType(value)) throw new UsageError(`Invalid proxy type ${shown(value)}; available: ${PROXY_TYPES.join(', ')}`);
    log.info1(out(inv), `Setting type to ${value}`);
    await services.store.properties.set('proxy', scope, 'type', value);
  }
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

function report(inv: Invocation, services: Services): Promise<void> {
  const store = services.store.proxy;
  return runReport(inv, services, {
    type: 'proxy',
    legacyKeys: true,
    async app(app) {
      const enabled = await store.enabled(app);
      return [
        ['--proxy-computed-type', await store.computedType(app)],
        ['--proxy-disabled', String(!enabled)],
        ['--proxy-enabled', String(enabled)],
        ['--proxy-global-type', await store.globalType()],
        ['--proxy-type', await store.appType(app)],
      ];
    },
    global: async () => [
      ['--proxy-computed-type', (isProxyType(await store.globalType()) ? await store.globalType() : 'builtin')],
      ['--proxy-global-type', await store.globalType()],
    ],
  });
}

export const proxyCommands: CommandSet = {
  plugin: 'proxy',
  summary: 'Manage which proxy serves an app (builtin, nginx)',
  access: { who: 'app' },
  commands: [
    { name: 'proxy:set', help: { usage: SET_USAGE, description: 'Set the proxy of an app, or of every app without its own (builtin, nginx; empty: unset)' }, run: proxySet },
    { name: 'proxy:enable', help: { usage: 'proxy:enable (<app>|--all)', description: 'Route an app through its proxy again' }, run: (inv, services) => setEnabled(inv, services, true) },
    { name: 'proxy:disable', help: { usage: 'proxy:disable (<app>|--all)', description: 'Stop routing an app (no proxy serves it)' }, run: (inv, services) => setEnabled(inv, services, false) },
    { name: 'proxy:build-config', help: { usage: 'proxy:build-config (<app>|--all)', description: 'Build and apply the proxy configuration of an app again' }, run: buildConfig },
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
