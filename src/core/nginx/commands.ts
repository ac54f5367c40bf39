// nginx:* — Dokku's nginx-vhosts commands over Slipway's nginx (proxy type nginx): build-config,
// show-config, validate-config, reload, start, stop, access-logs, error-logs, report, set. Properties
// live where Dokku keeps them ($DOKKU_LIB_ROOT/config/nginx/APP/PROPERTY) and, as in Dokku, apply
// at the next build of the app's config (proxy:build-config, a deploy).
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { existingApp, out, requireArgs, scopeArg } from '../shared/invocation.js';
import { parseParallel, runForAllApps } from '../shared/all-apps.js';
import { requirePlatform } from '../shared/platform.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { log } from '../../log.js';
import { SlipwayError } from '../../errors.js';
import { GLOBAL } from '../../store/index.js';
import { NGINX_PROPERTIES, computeValues, findProperty, refuseValue } from '../../proxy/nginx/index.js';

const SET_USAGE = 'nginx:set (<app>|--global) <property> [<value>]';

async function buildConfig(inv: Invocation, services: Services): Promise<void> {
  const platform = requirePlatform(services);
  const o = out(inv);
  const all = inv.args.includes('--all');
  const parallelAt = inv.args.indexOf('--parallel');
  const command = async (app: AppName) => {
    const { type, enabled } = await services.store.proxy.get(app);
    if (type !== 'nginx' || !enabled) {
      log.info1(o, `${app} is not served by nginx (${enabled ? `proxy type ${type}` : 'proxy disabled'}): no nginx config to build`);
      return;
    }
    if (!(await platform.status(app)).release) {
      log.info1(o, `${app} is not deployed: no nginx config to build`);
      return;
    }
    log.info1(o, `Configuring nginx for ${app}`);
    await platform.routesChanged(app);
  };
  if (all) return runForAllApps(inv, services, 'nginx:build-config', parseParallel(parallelAt === -1 ? undefined : inv.args[parallelAt + 1]), command);
  return command(await existingApp(services, inv.args.find((a) => !a.startsWith('--'))));
}

async function showConfig(inv: Invocation, services: Services): Promise<void> {
  const app = await existingApp(services, inv.args[0]);
  const text = await services.store.nginx.readAppConfig(app);
  if (text === undefined) throw new SlipwayError('E_NO_NGINX_CONFIG', `No nginx.conf exists for ${app}`, 1);
  inv.io.stdout.write(text);
}

/**
 * Dokku's nginx:validate-config [APP] [--clean]: nothing to do when the whole configuration passes
 * nginx -t; else each app's nginx.conf (or APP's) is checked alone, an invalid one is shown (and with
 * --clean removed), and the whole configuration is checked again: still refused, nginx's message and
 * its exit code.
 */
async function validateConfig(inv: Invocation, services: Services): Promise<void> {
  const platform = requirePlatform(services);
  const o = out(inv);
  let [app, flag] = inv.args;
  if (app === '--clean') [app, flag] = [undefined as unknown as string, '--clean'];
  if ((await platform.nginx.server.test()).ok) return;
  const apps = app !== undefined ? [await existingApp(services, app)] : await services.store.apps.list();
  for (const name of apps) {
    const result = await platform.nginxCheckApp(name);
    if (result === undefined) {
      if (!o.quiet) log.warn(o, `No nginx config found for ${name}`);
      continue;
    }
    if (result.check.ok) continue;
    log.warn(o, `Failed to validate nginx config for ${name}. Contents below...`);
    inv.io.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
    if (flag === '--clean') {
      log.warn(o, 'Removing invalid nginx file');
      await platform.nginx.removeConfig(name);
    }
  }
  const check = await platform.nginx.server.test();
  if (!check.ok) throw new SlipwayError('E_NGINX_INVALID', `nginx refused the configuration: ${check.message}`, 1);
}

/** The computed log path of the app for `kind`; Dokku's refusal when that log is off. */
async function logPath(services: Services, app: AppName, kind: 'access' | 'error'): Promise<string> {
  const platform = requirePlatform(services);
  const values = computeValues(
    await services.store.properties.list('nginx', app), await services.store.properties.list('nginx', GLOBAL), app, platform.nginx.server.logsDir());
  const file = values[`${kind}-log-path`];
  if (file === 'off' || file === '/dev/null') throw new SlipwayError('E_USAGE', `${kind} logs are disabled for this app`, 1);
  return file;
}

async function showLogs(inv: Invocation, services: Services, kind: 'access' | 'error'): Promise<void> {
  const app = await existingApp(services, inv.args[0]);
  const file = await logPath(services, app, kind);
  const follow = inv.args.slice(1).includes('-t');
  const files = services.store.nginx;
  let offset = await files.logSize(file);
  const last = await files.lastLines(file, 20);
  if (last) inv.io.stdout.write(last);
  // -t: what nginx appends from now on, until the client leaves.
  while (follow && !inv.signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { text, next } = await files.readFrom(file, offset);
    offset = next;
    if (text) inv.io.stdout.write(text);
  }
}

async function nginxSet(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 1, SET_USAGE);
  const scope = await scopeArg(services, inv.args[0]);
  const key = inv.args[1];
  if (!key) throw new SlipwayError('E_USAGE', 'No key specified', 1);
  const property = findProperty(key);
  if (!property) throw new SlipwayError('E_USAGE', `Invalid key specified, valid keys include: ${NGINX_PROPERTIES.map((p) => p.name).join(', ')}`, 1);
  const value = inv.args.slice(2).join(' ');
  if (value === '') {
    log.info1(out(inv), `Unsetting ${key}`);
    await services.store.properties.delete('nginx', scope, key);
    return;
  }
  const refused = refuseValue(property, value);
  if (refused) throw new SlipwayError('E_USAGE', refused, 1);
  log.info1(out(inv), `Setting ${key} to ${value}`);
  await services.store.properties.set('nginx', scope, key, value);
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const own = await services.store.properties.list('nginx', app);
  const global = await services.store.properties.list('nginx', GLOBAL);
  const logs = services.platform?.nginx.server.logsDir() ?? '/var/log/nginx';
  const computed = computeValues(own, global, app, logs);
  const rows: ReportRows = [];
  for (const p of NGINX_PROPERTIES) {
    rows.push([`--nginx-${p.name}`, (own.get(p.name) ?? '').trim()]);
    rows.push([`--nginx-computed-${p.name}`, computed[p.name]]);
    rows.push([`--nginx-global-${p.name}`, (global.get(p.name) ?? '').trim()]);
  }
  return rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function report(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, {
    type: 'nginx',
    app: (app) => reportRows(services, app),
    async global() {
      const global = await services.store.properties.list('nginx', GLOBAL);
      return NGINX_PROPERTIES.map((p) => [`--nginx-global-${p.name}`, (global.get(p.name) ?? '').trim()] as [string, string]);
    },
  });
}

async function reload(inv: Invocation, services: Services): Promise<void> {
  const platform = requirePlatform(services);
  if ((await platform.nginx.server.masterPid()) === undefined) {
    log.info1(out(inv), 'nginx is not running: nothing to reload');
    return;
  }
  await platform.nginx.reload();
  log.info1(out(inv), 'Reloaded nginx');
}

async function start(inv: Invocation, services: Services): Promise<void> {
  const platform = requirePlatform(services);
  if ((await platform.nginx.server.masterPid()) !== undefined) {
    log.info1(out(inv), 'nginx is already running');
    return;
  }
  await platform.nginx.reload();
  log.info1(out(inv), 'Started nginx');
}

async function stop(inv: Invocation, services: Services): Promise<void> {
  const platform = requirePlatform(services);
  if (platform.nginx.server.mode !== 'managed') throw new SlipwayError('E_USAGE', 'The system nginx is not Slipway\'s to stop (SLIPWAY_NGINX=system)', 1);
  await platform.nginx.stop();
  log.info1(out(inv), 'Stopped nginx');
}

export const nginxCommands: CommandSet = {
  plugin: 'nginx',
  summary: 'Manage the nginx proxy (apps with proxy type nginx)',
  access: { who: 'app' },
  commands: [
    { name: 'nginx:build-config', help: { usage: 'nginx:build-config (<app>|--all)', description: 'Write, check and apply the nginx config of an app' }, run: buildConfig },
    { name: 'nginx:show-config', help: { usage: 'nginx:show-config <app>', description: 'Display the nginx config of an app' }, run: showConfig },
    { name: 'nginx:validate-config', help: { usage: 'nginx:validate-config [<app>] [--clean]', description: 'Check the nginx configuration; on failure show the invalid app configs (--clean removes them)' }, run: validateConfig },
    // Dokku's older names, still answered by its subcommands/ (its help lists only the new ones).
    { name: 'nginx:show-conf', run: showConfig },
    { name: 'nginx:validate', run: validateConfig },
    { name: 'nginx:access-logs', help: { usage: 'nginx:access-logs <app> [-t]', description: 'Show the nginx access log of an app (-t follows)' }, run: (inv, s) => showLogs(inv, s, 'access') },
    { name: 'nginx:error-logs', help: { usage: 'nginx:error-logs <app> [-t]', description: 'Show the nginx error log of an app (-t follows)' }, run: (inv, s) => showLogs(inv, s, 'error') },
    { name: 'nginx:report', help: { usage: 'nginx:report [<app>] [<flag>]', description: 'Display the nginx settings of an app, or all apps' }, run: report },
    { name: 'nginx:set', help: { usage: SET_USAGE, description: 'Set or clear an nginx property (applies at the next proxy:build-config or deploy)' }, run: nginxSet },
    { name: 'nginx:reload', help: { usage: 'nginx:reload', description: 'Check the nginx configuration and reload nginx' }, access: { who: 'admin' }, run: reload },
    { name: 'nginx:start', help: { usage: 'nginx:start', description: 'Start the managed nginx' }, access: { who: 'admin' }, run: start },
    { name: 'nginx:stop', help: { usage: 'nginx:stop', description: 'Stop the managed nginx (apps on nginx stop answering)' }, access: { who: 'admin' }, run: stop },
  ],
};
