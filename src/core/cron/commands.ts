// cron:* — Dokku's cron plugin: the app.json `cron` entries of the deployed release (./tasks.ts)
// listed, run on demand like `run` (their concurrency_policy applied), suspended or resumed, and the
// plugin's properties (maintenance, mailto, mailfrom) set and reported. The server runs each task at
// its scheduled times (./runner.ts), skipping those in maintenance.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import type { RunContext } from '../../plugins/host.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { log } from '../../log.js';
import { globalTaskJson, globalTasks, type GlobalCronTask } from './global-tasks.js';
import { requirePlatform } from '../shared/platform.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { computedProperty, propertyOf, setProperty, type PropertySpec } from '../shared/property-set.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { DEFAULT_RUN_TTL_SECONDS } from '../../deploy/one-off-runs.js';
import { CRON_PLUGIN, TASK_MAINTENANCE_PREFIX, computedMaintenance, policyOf, taskMaintenance, tasks, type CronTask } from './tasks.js';

export { base36, cronId, tasks, type CronTask } from './tasks.js';

const LIST_USAGE = 'cron:list [--global|<app>] [--format json|stdout]';
const SET_USAGE = 'cron:set [--global|<app>] <key> <value>';
const RUN_USAGE = 'cron:run <app> <cron_id> [--detach] [--ttl-seconds SECONDS]';

/** Dokku's cron properties: maintenance for an app or globally; mailto and mailfrom globally only. */
const PROPERTIES: PropertySpec = { plugin: CRON_PLUGIN, app: ['maintenance'], global: ['mailfrom', 'mailto', 'maintenance'] };

/** columnize's SimpleFormat: `|`-separated cells in columns two spaces apart. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2))).join('').trimEnd()).join('\n');
}

/** The Maintenance column: why a task is skipped, the task's own setting first (Dokku's words). */
function maintenanceCell(task: CronTask | GlobalCronTask): string {
  if (task['task-in-maintenance']) return 'true (task)';
  if (task['app-in-maintenance']) return 'true (app)';
  return 'false';
}

/** cron:list APP, or --global: the tasks plugins inject with cron-entries (Dokku lists only those there). */
async function list(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const format = inv.options.values.get('--format') ?? 'stdout';
  if (format !== 'stdout' && format !== 'json') throw new UsageError('Invalid format specified, supported formats: json, stdout');
  let found: Array<CronTask | GlobalCronTask>;
  if (inv.options.set.has(GLOBAL)) {
    found = await globalTasks(services, ctx, (line) => log.warn(out(inv), line));
  } else {
    // Dokku's words when the app is missing (the usage's shape decides them).
    requireArgs(inv.options.positional, 1, 'cron:list <app> [--format json|stdout]');
    found = await tasks(services, await existingApp(services, inv.options.positional[0]));
  }
  if (format === 'json') {
    inv.io.stdout.write(`${JSON.stringify(found.map((t) => ('global' in t ? globalTaskJson(t) : t)))}\n`);
    return;
  }
  const rows = [['ID', 'Schedule', 'Concurrency', 'Maintenance', 'Command'], ...found.map((t) => [t.id, t.schedule, t.concurrency_policy, maintenanceCell(t), t.command])];
  inv.io.stdout.write(`${columns(rows)}\n`);
}

async function run(inv: Invocation, services: Services): Promise<number> {
  requireArgs(inv.options.positional, 1, RUN_USAGE);
  const app = await existingApp(services, inv.options.positional[0]);
  const ttl = inv.options.values.get('--ttl-seconds') ?? String(DEFAULT_RUN_TTL_SECONDS);
  if (!/^\d{1,9}$/.test(ttl) || Number(ttl) === 0) throw new UsageError('--ttl-seconds must be a positive integer');
  const id = inv.options.positional[1] ?? '';
  if (id === '') throw new UsageError(`Please specify a Cron ID from the output of 'dokku cron:list ${app}'`);
  const task = (await tasks(services, app)).find((t) => t.id === id);
  if (!task) throw new SlipwayError('E_USAGE', `No matching Cron ID found. Please specify a Cron ID from the output of 'dokku cron:list ${app}'`, 1);
  const platform = requirePlatform(services);
  const options = { ttlSeconds: Number(ttl), cron: { id, policy: policyOf(task) } };
  if (inv.options.set.has('--detach')) {
    const name = await platform.runDetached(app, [task.command], options);
    inv.io.stdout.write(`${name}\n`);
    return 0;
  }
  return platform.run(app, [task.command], { stdin: inv.io.stdin, stdout: inv.io.stdout, stderr: inv.io.stderr }, inv.signal, options);
}

/**
 * cron:set as Dokku's CommandSet: mailto and mailfrom are refused for an app before anything else;
 * `maintenance.ID` (what cron:suspend/resume write) must name one of the app's tasks.
 */
async function set(inv: Invocation, services: Services): Promise<void> {
  const global = inv.args.includes(GLOBAL);
  const args = inv.args.filter((a) => a !== GLOBAL);
  const property = (global ? args[0] : args[1]) ?? '';
  if ((property === 'mailto' || property === 'mailfrom') && !global) throw new UsageError('Property cannot be specified on a per-app basis');
  if (!property.startsWith(TASK_MAINTENANCE_PREFIX)) {
    await setProperty(inv, services, PROPERTIES);
    return;
  }
  if (global) throw new UsageError('Task maintenance properties cannot be set globally');
  if (property === TASK_MAINTENANCE_PREFIX) throw new UsageError('Invalid task maintenance property, missing ID');
  const app = await existingApp(services, args[0]);
  const id = property.slice(TASK_MAINTENANCE_PREFIX.length);
  if (!(await tasks(services, app)).some((t) => t.id === id)) throw new UsageError(`Invalid task maintenance property, no matching task ID found: ${property}`);
  await setProperty(inv, services, { ...PROPERTIES, app: [...PROPERTIES.app, property] });
}

/** cron:suspend / cron:resume APP ID: cron:set APP maintenance.ID true, or cleared. */
function taskSwitch(value: string) {
  return (inv: Invocation, services: Services): Promise<void> => {
    const [app = '', id = ''] = inv.options.positional;
    return set({ ...inv, args: [app, `${TASK_MAINTENANCE_PREFIX}${id}`, ...(value ? [value] : [])] }, services);
  };
}

async function reportRows(services: Services, scope: Scope): Promise<ReportRows> {
  const global = (property: string) => propertyOf(services, CRON_PLUGIN, GLOBAL, property);
  const rows: ReportRows = [
    ['--cron-computed-mailfrom', await computedProperty(services, CRON_PLUGIN, GLOBAL, 'mailfrom', '')],
    ['--cron-computed-mailto', await computedProperty(services, CRON_PLUGIN, GLOBAL, 'mailto', '')],
    ['--cron-computed-maintenance', scope === GLOBAL ? (await global('maintenance')) || 'false' : await computedMaintenance(services, scope)],
    ['--cron-global-mailfrom', await global('mailfrom')],
    ['--cron-global-mailto', await global('mailto')],
    ['--cron-global-maintenance', await global('maintenance')],
  ];
  if (scope === GLOBAL) return rows;
  rows.push(['--cron-maintenance', await propertyOf(services, CRON_PLUGIN, scope, 'maintenance')]);
  rows.push(['--cron-task-count', String((await tasks(services, scope)).length)]);
  for (const [name, value] of await taskMaintenance(services, scope)) {
    rows.push([`--cron-maintenance-${name.slice(TASK_MAINTENANCE_PREFIX.length)}`, value]);
  }
  return rows;
}

export const cronCommands: CommandSet = {
  plugin: 'cron',
  summary: 'Manage scheduled cron tasks of an app (app.json cron entries)',
  access: { who: 'app' },
  commands: [
    { name: 'cron:list', options: ['--format=', GLOBAL], help: { usage: LIST_USAGE, description: 'List scheduled cron tasks for an app, or (--global) those plugins add' }, run: list },
    { name: 'cron:run', options: ['--detach', '--ttl-seconds='], help: { usage: RUN_USAGE, description: 'Run a cron task on the fly' }, run },
    { name: 'cron:set', help: { usage: SET_USAGE, description: 'Set or clear a cron property for an app (maintenance; mailto, mailfrom: --global)' }, run: set },
    { name: 'cron:suspend', help: { usage: 'cron:suspend <app> <cron_id>', description: 'Suspend a cron task' }, run: taskSwitch('true') },
    { name: 'cron:resume', help: { usage: 'cron:resume <app> <cron_id>', description: 'Resume a cron task' }, run: taskSwitch('') },
    {
      name: 'cron:report',
      help: { usage: 'cron:report [<app>|--global] [<flag>]', description: 'Display the cron report of an app, or all apps' },
      run: (inv, s) => runReport(inv, s, { type: 'cron', legacyKeys: true, app: (app) => reportRows(s, app), global: () => reportRows(s, GLOBAL) }),
    },
  ],
};
