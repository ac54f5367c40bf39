// ps:* — an app's processes: scale, start, stop, restart, rebuild, report. Changes go through
// the running server's platform (same lock, checks and proxy switch as a deploy).
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { Scale } from '../../store/index.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { requirePlatform } from '../shared/platform.js';
import { SlipwayError, UsageError, userMessage } from '../../errors.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import { setProperty, type PropertySpec } from '../shared/property-set.js';
import { DEFAULT_PROCFILE_PATH, DEFAULT_STOP_TIMEOUT_SECONDS, PS_PLUGIN, psSetting } from '../../deploy/ps-settings.js';
import { DEFAULT_RESTART_POLICY, parseRestartPolicy } from '../../scheduler/restart-policy.js';
import { fire } from '../../deploy/triggers.js';
import { isTreePath, shown } from '../../names.js';
import { log } from '../../log.js';
import type { AppName } from '../../names.js';
import { parseParallel, runForAllApps } from '../shared/all-apps.js';
import { retireExpiredRuns } from '../run/commands.js';

const MAX_INSTANCES = 100;
const SET_USAGE = 'ps:set (<app>|--global) <property> [<value>]';

/** One ps:retire at a time (Dokku's lock file; the second one exits 137). */
let retireRunning = false;


/** Dokku's ps properties: those Slipway honours, and those it names and refuses. */
export const PROPERTIES: PropertySpec = {
  plugin: PS_PLUGIN,
  app: ['procfile-path', 'restart-policy', 'restore', 'stop-timeout-seconds'],
  global: ['procfile-path', 'restart-policy', 'stop-timeout-seconds'],
  notApplicable: {
    'dockerfile-start-cmd': 'the start command comes from the Procfile or the image\'s CMD',
    'start-cmd': 'the start command comes from the Procfile or the image\'s CMD',
    'skip-deploy': 'ps:scale always applies the new scale to a running app',
  },
  check(property, value) {
    if (property === 'restart-policy' && !parseRestartPolicy(value)) throw new UsageError('Invalid restart-policy specified');
    if (property === 'stop-timeout-seconds' && !/^\d{1,6}$/.test(value)) throw new UsageError(`Invalid stop-timeout-seconds value ${shown(value)}: a whole number of seconds`);
    if (property === 'restore' && value !== 'true' && value !== 'false') throw new UsageError(`Invalid restore value ${shown(value)}: true or false`);
    if (property === 'procfile-path' && !isTreePath(value)) throw new UsageError(`Invalid procfile-path ${shown(value)}: a relative path inside the app's repository`);
  },
};

/** The properties' report rows (app, global and computed values; only global and computed for --global). */
async function propertyRows(services: Services, scope: Scope): Promise<ReportRows> {
  const rows: ReportRows = [];
  const settings: Array<[string, string]> = [
    ['procfile-path', DEFAULT_PROCFILE_PATH],
    ['restart-policy', DEFAULT_RESTART_POLICY],
    ['stop-timeout-seconds', String(DEFAULT_STOP_TIMEOUT_SECONDS)],
  ];
  for (const [property, fallback] of settings) {
    const value = await psSetting(services.store, scope, property, fallback);
    rows.push([`--ps-computed-${property}`, value.computed], [`--ps-global-${property}`, value.global]);
    if (scope !== GLOBAL) rows.push([`--ps-${property}`, value.app]);
  }
  return rows;
}
const SCALE_USAGE = 'ps:scale [--format stdout|json] <app> <proc>=<count> [<proc>=<count>...]';

export function parseScaleArgs(args: string[]): Scale {
  const scale: Scale = {};
  for (const arg of args) {
    // Dokku's words for its two mistakes (no `=`, a count that is not a number), ours for the rest.
    const eq = arg.indexOf('=');
    if (eq < 0) throw new UsageError(`Missing count for process type ${shown(arg)}`);
    if (!/^\s*\d+\s*$/.test(arg.slice(eq + 1))) throw new UsageError(`Invalid count for process type ${shown(arg.slice(0, eq))}`);
    const match = /^([A-Za-z0-9][A-Za-z0-9_-]*)=\s*(\d+)\s*$/.exec(arg);
    if (!match) throw new UsageError(`Invalid process type ${shown(arg.slice(0, eq))}: use letters, digits, '-' and '_'`);
    const count = Number(match[2]);
    if (count > MAX_INSTANCES) throw new UsageError(`Scale ${match[1]}=${count} is over the limit of ${MAX_INSTANCES}`);
    scale[match[1]] = count;
  }
  return scale;
}

/** Dokku's scale table row: the name and a colon padded to 5, a space, the value. */
function scaleRow(name: string, value: string): string {
  return `${`${name}:`.padEnd(5)} ${value}\n`;
}

async function showScale(inv: Invocation, services: Services, app: Parameters<Services['store']['ps']['scale']>[0], format: string): Promise<void> {
  const stored = await services.store.ps.scale(app);
  const release = await services.store.releases.current(app);
  const types = [...new Set([...Object.keys(release?.processTypes ?? {}), ...Object.keys(stored)])].sort();
  const quantity = (type: string) => stored[type] ?? (type === 'web' ? 1 : 0);
  if (format === 'json') {
    inv.io.stdout.write(`${JSON.stringify(types.map((type) => ({ process_type: type, quantity: quantity(type) })))}\n`);
    return;
  }
  log.info1(out(inv), `Scaling for ${app}`);
  if (!inv.flags.quiet) inv.io.stdout.write(scaleRow('proctype', 'qty') + scaleRow('--------', '---'));
  for (const type of types) inv.io.stdout.write(scaleRow(type, String(quantity(type))));
}

export const psCommands: CommandSet = {
  plugin: 'ps',
  summary: 'Manage app processes',
  access: { who: 'app' },
  commands: [
    {
      name: 'ps:scale',
      options: ['--format='],
      help: { usage: SCALE_USAGE, description: 'Get or set how many instances of each process type run' },
      async run(inv, services) {
        const { values, positional } = inv.options;
        requireArgs(positional, 1, SCALE_USAGE);
        const format = values.get('--format') ?? 'stdout';
        if (format !== 'stdout' && format !== 'json') throw new UsageError(`Invalid --format value specified. Usage: dokku ${SCALE_USAGE}`);
        const app = await existingApp(services, positional[0]);
        if (positional.length === 1) return showScale(inv, services, app, format);
        const scale = parseScaleArgs(positional.slice(1));
        await requirePlatform(services).scale(app, scale, out(inv), inv);
      },
    },
    {
      name: 'ps:start',
      help: { usage: 'ps:start <app>', description: 'Start an app (it stays started across server restarts)' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        await requirePlatform(services).start(app, out(inv), inv);
      },
    },
    {
      name: 'ps:stop',
      help: { usage: 'ps:stop <app>', description: 'Stop an app (the proxy answers 503 until ps:start)' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        await requirePlatform(services).stop(app, out(inv), inv);
      },
    },
    {
      name: 'ps:restart',
      help: { usage: 'ps:restart <app>', description: 'Restart an app with zero downtime' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        await requirePlatform(services).restart(app, out(inv), inv);
      },
    },
    {
      name: 'ps:rebuild',
      options: ['--all', '--parallel='],
      help: { usage: 'ps:rebuild [--parallel count] [--all|<app>]', description: 'Build the deployed revision again and deploy it (one app or all)' },
      async run(inv, services) {
        const { set, values, positional } = inv.options;
        const platform = requirePlatform(services);
        const rebuild = async (app: AppName) => {
          if (set.has('--all') && !(await services.store.releases.current(app))) {
            log.warn(out(inv), `App ${app} has not been deployed`);
            return;
          }
          await platform.rebuild(app, out(inv), inv);
        };
        if (set.has('--all')) return runForAllApps(inv, services, 'rebuild', parseParallel(values.get('--parallel')), rebuild);
        await rebuild(await existingApp(services, positional[0]));
      },
    },
    {
      name: 'ps:set',
      help: { usage: SET_USAGE, description: 'Set or clear a ps property (procfile-path, restart-policy, restore, stop-timeout-seconds)' },
      async run(inv, services) {
        await setProperty(inv, services, PROPERTIES);
      },
    },
    {
      name: 'ps:restore',
      options: ['--all', '--parallel='],
      help: { usage: 'ps:restore [--all] [--parallel count] [<app>]', description: 'Start the apps that were running and not stopped by ps:stop (after a reboot)' },
      async run(inv, services) {
        const { set, values, positional } = inv.options;
        const platform = requirePlatform(services);
        // Dokku's pre-restore runs first, once; a plugin failing it stops the restore.
        const scope = { plugins: services.plugins, out: out(inv), request: inv };
        try {
          await fire(scope, 'pre-restore', {});
        } catch (error) {
          throw new SlipwayError('E_TRIGGER_FAILED', `Error running pre-restore: ${userMessage(error)}`, 1);
        }
        const restore = async (app: AppName) => {
          if (!(await services.store.releases.current(app))) {
            log.warn(out(inv), `App ${app} has not been deployed`);
            return;
          }
          if (!(await services.store.ps.restore(app))) {
            log.warn(out(inv), `Skipping ps:restore for ${app} as restore property is false`);
            return;
          }
          log.info1(out(inv), 'Starting app');
          await platform.start(app, out(inv), inv);
        };
        if (!set.has('--all') && positional[0] === undefined) log.warn(out(inv), 'Restore specified without app, assuming --all');
        if (set.has('--all') || positional[0] === undefined) return runForAllApps(inv, services, 'restore', parseParallel(values.get('--parallel')), restore);
        await restore(await existingApp(services, positional[0]));
      },
    },
    {
      name: 'ps:retire',
      // Without an app it acts on every app: admins only.
      access: { who: 'app', app: 0 },
      help: { usage: 'ps:retire [<app>]', description: 'Stop old processes that no longer serve and run:detached commands past their TTL' },
      async run(inv, services) {
        const platform = requirePlatform(services);
        const app = inv.args[0] === undefined ? undefined : await existingApp(services, inv.args[0]);
        if (retireRunning) throw new SlipwayError('E_RETIRE_LOCKED', 'Failed to acquire ps:retire lock', 137);
        retireRunning = true;
        try {
          log.info1(out(inv), 'Retiring old containers and images');
          for (const line of await platform.retire(app)) log.verbose(out(inv), `Stopped ${line}`);
          log.info1(out(inv), 'Retiring expired run and cron containers');
          // As Dokku's ps:retire: the expired run and cron containers of every app.
          await retireExpiredRuns(inv, platform, undefined);
        } finally {
          retireRunning = false;
        }
      },
    },
    {
      name: 'ps:report',
      help: { usage: 'ps:report [<app>|--global] [<flag>]', description: 'Display the state of an app\'s processes (or every app)' },
      run(inv, services) {
        return runReport(inv, services, {
          type: 'ps',
          legacyKeys: true,
          async app(app) {
            const platform = requirePlatform(services);
            const status = await platform.status(app);
            const rows: ReportRows = [
              ['--deployed', String(status.release !== undefined)],
              ['--processes', String(status.instances.length)],
              ['--ps-can-scale', 'true'],
              ...(await propertyRows(services, app)),
              ['--ps-release', status.release ? `v${status.release.version} (${status.release.rev.slice(0, 7)})` : ''],
              ['--ps-scheduler', platform.scheduler],
              ['--restore', String(await services.store.ps.restore(app))],
              ['--running', String(status.running)],
            ];
            for (const i of status.instances) {
              const where = i.port !== undefined ? `, port ${i.port}` : '';
              rows.push([`--status-${i.id}`, `${i.state} (pid ${i.pid ?? '-'}${where}, restarts ${i.exits})`]);
            }
            return rows;
          },
          global: () => propertyRows(services, GLOBAL),
        });
      },
    },
  ],
};
