// builds:* — Dokku's build tracking over the records every deploy leaves (src/store/build-store.ts):
// list, info, output (followed while it runs), cancel the running build, prune, report, set retention.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { displayStatus, buildDuration, GLOBAL, type BuildRecord } from '../../store/index.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { existingApp, out, requireArgs, scopeArg } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { buildRetention } from '../../deploy/builds.js';
import { log } from '../../log.js';
import { SlipwayError, UsageError } from '../../errors.js';

const PLUGIN = 'builds';
const KINDS = ['build', 'deploy'];
const STATUSES = ['running', 'succeeded', 'failed', 'canceled', 'abandoned'];

function fail(message: string): SlipwayError {
  return new SlipwayError('E_USAGE', message, 1);
}

function formatOf(inv: Invocation): 'stdout' | 'json' {
  const format = inv.options.values.get('--format') || 'stdout';
  if (format !== 'stdout' && format !== 'json') throw fail('Invalid format specified, supported formats: json, stdout');
  return format;
}

/** Dokku's columnize: cells trimmed, every column but the last padded, two spaces between. */
function columnize(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ') + '\n').join('');
}

/** The JSON view: the record, then display_status, duration and log_path (Dokku's listView). */
function view(services: Services, record: BuildRecord): Record<string, unknown> {
  return {
    ...record,
    display_status: displayStatus(record),
    duration: buildDuration(record),
    log_path: services.store.builds.logPath(record.app as AppName, record.id),
  };
}

async function list(inv: Invocation, services: Services): Promise<void> {
  const format = formatOf(inv);
  const kind = inv.options.values.get('--kind') ?? '';
  const status = inv.options.values.get('--status') ?? '';
  if (kind && !KINDS.includes(kind)) throw fail(`Invalid --kind value ${JSON.stringify(kind)} (allowed: build, deploy)`);
  if (status && !STATUSES.includes(status)) throw fail(`Invalid --status value ${JSON.stringify(status)} (allowed: running, succeeded, failed, canceled, abandoned)`);
  const matches = (r: BuildRecord) => (!kind || r.kind === kind) && (!status || displayStatus(r) === status);
  const write = (text: string) => inv.io.stdout.write(text);
  const name = inv.options.positional[0];
  if (name === undefined) {
    const running: BuildRecord[] = [];
    for (const app of await services.store.apps.list()) {
      running.push(...(await services.store.builds.list(app)).filter((r) => r.status === 'running' && matches(r)));
    }
    running.sort((a, b) => (a.started_at < b.started_at ? 1 : -1));
    if (format === 'json') return void write(`${JSON.stringify(running.map((r) => view(services, r)))}\n`);
    if (!running.length) return void write('No builds currently running\n');
    return void write(columnize([['App', 'Build ID', 'Kind', 'PID', 'Source', 'Started'],
      ...running.map((r) => [r.app, r.id, r.kind, String(r.pid), r.source, r.started_at])]));
  }
  const app = await existingApp(services, name);
  const records = (await services.store.builds.list(app)).filter(matches);
  // Live builds first (the store's order is newest first already).
  const live = (r: BuildRecord) => displayStatus(r) === 'running';
  let shown = [...records.filter(live), ...records.filter((r) => !live(r))];
  if (!kind && !status) shown = shown.slice(0, shown.filter(live).length + (await buildRetention(services.store, app)));
  if (format === 'json') return void write(`${JSON.stringify(shown.map((r) => view(services, r)))}\n`);
  if (!shown.length) return void write('No builds recorded for this app\n');
  write(columnize([['Build ID', 'Kind', 'Status', 'PID', 'Source', 'Started', 'Duration'],
    ...shown.map((r) => [r.id, r.kind, displayStatus(r), String(r.pid), r.source, r.started_at, buildDuration(r)])]));
}

async function readRecord(services: Services, app: AppName, id: string | undefined): Promise<BuildRecord> {
  if (!id) throw fail('Please specify a build id');
  const record = await services.store.builds.read(app, id);
  if (!record) throw new SlipwayError('E_BUILD_NOT_FOUND', `No build record found for ${app}/${id}`, 1);
  return record;
}

async function info(inv: Invocation, services: Services): Promise<void> {
  const format = formatOf(inv);
  const [name, id] = inv.options.positional;
  const app = await existingApp(services, name);
  const record = await readRecord(services, app, id);
  if (format === 'json') return void inv.io.stdout.write(`${JSON.stringify(view(services, record))}\n`);
  const rows: Array<[string, string]> = [
    ['Build ID', record.id], ['App', record.app], ['Kind', record.kind], ['Status', displayStatus(record)],
    ['PID', String(record.pid)], ['Source', record.source], ['Started', record.started_at],
  ];
  if (record.finished_at) rows.push(['Finished', record.finished_at]);
  rows.push(['Duration', buildDuration(record)]);
  if (record.exit_code !== undefined) rows.push(['Exit Code', String(record.exit_code)]);
  rows.push(['Log', services.store.builds.logPath(app, record.id)]);
  log.info2(out(inv), `Build ${record.id}`);
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  inv.io.stdout.write(rows.map(([label, value]) => `       ${`${label}:`.padEnd(width)}  ${value}\n`).join(''));
}

/** The newest record of the app that is still running (in a live process). */
async function runningBuild(services: Services, app: AppName): Promise<BuildRecord | undefined> {
  return (await services.store.builds.list(app)).find((r) => displayStatus(r) === 'running');
}

/** Copy the log from `from` on; returns the new offset. */
async function copyFrom(file: string, from: number, inv: Invocation): Promise<number> {
  const size = (await fs.promises.stat(file)).size;
  if (size <= from) return from;
  await new Promise<void>((resolve, reject) => {
    const stream = fs.createReadStream(file, { start: from, end: size - 1 });
    stream.on('data', (chunk) => inv.io.stdout.write(chunk));
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  return size;
}

async function output(inv: Invocation, services: Services): Promise<void> {
  const [name, given] = inv.options.positional;
  const app = await existingApp(services, name);
  let id = given;
  if (id === undefined || id === 'current') {
    const running = await runningBuild(services, app);
    if (!running) return log.info1(out(inv), 'App not currently deploying');
    id = running.id;
  }
  const record = await readRecord(services, app, id);
  if (!(await services.store.builds.hasLog(app, id))) throw fail(`No build log found for ${app}/${id}`);
  const file = services.store.builds.logPath(app, id);
  let offset = await copyFrom(file, 0, inv);
  if (displayStatus(record) !== 'running') return;
  // Follow a live build until its record is final (or the client leaves).
  while (!inv.signal.aborted) {
    await sleep(200, undefined, { signal: inv.signal }).catch(() => undefined);
    const now = await services.store.builds.read(app, id);
    offset = await copyFrom(file, offset, inv);
    if (!now || displayStatus(now) !== 'running') break;
  }
}

async function cancel(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.options.positional, 1, 'builds:cancel <app>');
  const app = await existingApp(services, inv.options.positional[0]);
  const o = out(inv);
  const stale = (await services.store.builds.list(app)).filter((r) => displayStatus(r) === 'abandoned');
  for (const record of stale) await services.store.builds.finish(app, record.id, 'failed', -1);
  const platform = requirePlatform(services);
  if (!(await runningBuild(services, app))) {
    log.info1(o, stale.length ? 'Build was already terminated, marking failed' : 'App not currently deploying');
    return;
  }
  log.info1(o, 'Killing app deploy');
  const outcome = await platform.cancelBuild(app);
  if (outcome.state !== 'idle' && outcome.state !== 'canceled') {
    log.info1(o, `Build ${outcome.id} is no longer running (status=${outcome.state}); leaving record untouched`);
  }
}

async function prune(inv: Invocation, services: Services): Promise<void> {
  const apps = inv.options.set.has('--all-apps')
    ? await services.store.apps.list()
    : [await existingApp(services, inv.options.positional[0])];
  if (!apps.length) return log.warn(out(inv), 'You haven\'t deployed any applications yet');
  for (const app of apps) {
    const removed = await services.store.builds.prune(app, await buildRetention(services.store, app));
    if (removed.length) log.verbose(out(inv), `${app}: removed ${removed.length} build record(s)`);
  }
}

const SET_USAGE = 'builds:set (<app>|--global) retention [<count>]';

async function set(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 1, SET_USAGE);
  const scope = await scopeArg(services, inv.args[0]);
  const [, property = '', value = ''] = inv.args;
  if (property !== 'retention') throw fail(`Invalid property ${JSON.stringify(property)} (allowed: retention)`);
  if (value !== '') {
    if (!/^-?\d+$/.test(value)) throw fail(`Invalid retention ${JSON.stringify(value)}: must be a positive integer`);
    if (Number(value) < 1) throw fail(`Invalid retention ${Number(value)}: must be >= 1`);
    log.info2(out(inv), `Setting ${property} to ${value}`);
    await services.store.properties.set(PLUGIN, scope, property, value);
  } else {
    log.info2(out(inv), `Unsetting ${property}`);
    await services.store.properties.delete(PLUGIN, scope, property);
  }
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const last = (await services.store.builds.list(app))[0];
  const field = (value: string | number | undefined) => (last && value !== undefined ? String(value) : '');
  return [
    ['--build-id', field(last?.id)],
    ['--build-kind', field(last?.kind)],
    ['--build-status', last ? displayStatus(last) : ''],
    ['--build-pid', field(last?.pid)],
    ['--build-source', field(last?.source)],
    ['--build-started-at', field(last?.started_at)],
    ['--build-finished-at', field(last?.finished_at)],
    ['--build-exit-code', field(last?.exit_code)],
    ['--builds-retention', (await services.store.properties.get(PLUGIN, app, 'retention')) ?? ''],
    ['--builds-global-retention', (await services.store.properties.get(PLUGIN, GLOBAL, 'retention')) ?? ''],
    ['--builds-computed-retention', String(await buildRetention(services.store, app))],
  ];
}

export const buildsCommands: CommandSet = {
  plugin: 'builds',
  summary: 'Inspect, follow and cancel an app\'s builds',
  access: { who: 'app' },
  commands: [
    {
      name: 'builds:list',
      options: ['--format=', '--kind=', '--status='],
      help: { usage: 'builds:list [<app>] [--format json] [--kind build|deploy] [--status <status>]', description: 'List running builds (every app), or an app\'s builds, newest first' },
      run: list,
    },
    { name: 'builds:info', options: ['--format='], help: { usage: 'builds:info <app> <build-id> [--format json]', description: 'Show one build' }, run: info },
    { name: 'builds:output', help: { usage: 'builds:output <app> [<build-id>|current]', description: 'Print a build\'s output (followed while it runs)' }, run: output },
    { name: 'builds:cancel', help: { usage: 'builds:cancel <app>', description: 'Cancel the running build of an app; the serving release stays' }, run: cancel },
    { name: 'builds:prune', options: ['--all-apps'], help: { usage: 'builds:prune (<app>|--all-apps)', description: 'Mark abandoned builds failed and keep only the retained records' }, run: prune },
    {
      name: 'builds:report',
      help: { usage: 'builds:report [<app>] [<flag>]', description: 'Display the builds report of an app, or all apps' },
      run: (inv, services) => runReport(inv, services, {
        type: 'builds',
        legacyKeys: true,
        app: (app) => reportRows(services, app),
        global: async () => [['--builds-global-retention', (await services.store.properties.get(PLUGIN, GLOBAL, 'retention')) ?? '']],
      }),
    },
    { name: 'builds:set', help: { usage: SET_USAGE, description: 'Set or clear how many build records an app keeps (default 20)' }, run: set },
  ],
};
