// resource:* — Dokku's resource plugin: limits and reservations per app and process type, kept as
// its properties (`_default_.limit.memory`, `web.reserve.memory`). docker-local applies cpu,
// memory, memory-swap and nvidia-gpu limits and the memory reservation when it creates containers;
// the process scheduler keeps them and enforces none.
import type { CommandSet, CoreCommand } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { log } from '../../log.js';
import { UsageError } from '../../errors.js';
import { shown } from '../../names.js';
import {
  DEFAULT_TYPE, RESOURCE_KEYS, RESOURCE_PLUGIN, honoured, parseResource, propertyKey, type ResourceKind,
} from '../../scheduler/resources.js';
import { selectedScheduler } from '../../scheduler/per-app.js';

const PROCESS_TYPE = /^[a-z0-9_][a-z0-9_-]*$/;
const VALUE_OPTIONS = RESOURCE_KEYS.map((key) => `--${key}=`);

function noun(kind: ResourceKind): string {
  return kind === 'limit' ? 'limits' : 'reservation';
}

function processType(inv: Invocation): string | undefined {
  const type = inv.options.values.get('--process-type');
  if (type === undefined || type === '') return undefined;
  if (!PROCESS_TYPE.test(type)) throw new UsageError(`Invalid process type ${shown(type)}`);
  return type;
}

/** Where the app runs, when that is known without a release: its choice, else the server's default. */
async function runsOnProcess(services: Services, app: AppName): Promise<boolean> {
  const chosen = (await selectedScheduler(services, app)) ?? services.platform?.scheduler ?? services.settings.scheduler;
  return chosen === 'process';
}

function set(kind: ResourceKind) {
  return async (inv: Invocation, services: Services): Promise<void> => {
    requireArgs(inv.options.positional, 1, `resource:${kind} [--process-type <process-type>] [RESOURCE_OPTS...] <app>`);
    const app = await existingApp(services, inv.options.positional[0]);
    const type = processType(inv) ?? DEFAULT_TYPE;
    const given = RESOURCE_KEYS.filter((key) => (inv.options.values.get(`--${key}`) ?? '') !== '');
    const props = services.store.properties;
    if (given.length === 0) {
      log.info2(out(inv), `resource ${noun(kind)} ${app} information ${type === DEFAULT_TYPE ? '[defaults]' : `(${type})`}`);
      for (const key of RESOURCE_KEYS) log.verbose(out(inv), `${key}: ${(await props.get(RESOURCE_PLUGIN, app, propertyKey(type, kind, key))) ?? ''}`);
      return;
    }
    // Every value is checked before anything is written: a bad one changes nothing.
    for (const key of given) {
      const value = inv.options.values.get(`--${key}`) ?? '';
      if (value !== 'clear') parseResource(kind, key, value);
      if (/[\0\n]/.test(value)) throw new UsageError(`Invalid ${key} value`);
    }
    log.info2(out(inv), `Setting resource ${noun(kind)} for ${app}${type === DEFAULT_TYPE ? '' : ` (${type})`}`);
    for (const key of given) {
      const value = inv.options.values.get(`--${key}`) ?? '';
      const property = propertyKey(type, kind, key);
      if (value === 'clear') {
        log.verbose(out(inv), `${key}: cleared`);
        await props.delete(RESOURCE_PLUGIN, app, property);
      } else {
        log.verbose(out(inv), `${key}: ${value}`);
        await props.set(RESOURCE_PLUGIN, app, property, value);
      }
    }
    const unused = given.filter((key) => !honoured(kind, key));
    if (unused.length) log.warn(out(inv), `Stored, but no scheduler here enforces ${kind === 'limit' ? 'the limit' : 'a reservation'} of ${unused.join(', ')}`);
    if (await runsOnProcess(services, app)) {
      log.warn(out(inv), `${app} runs on the process scheduler, which stores resource ${noun(kind)} but does not enforce them (docker-local does)`);
    }
  };
}

function clear(kind: ResourceKind) {
  return async (inv: Invocation, services: Services): Promise<void> => {
    requireArgs(inv.options.positional, 1, `resource:${kind}-clear [--process-type <process-type>] <app>`);
    const app = await existingApp(services, inv.options.positional[0]);
    const type = processType(inv);
    log.info2(out(inv), `clearing ${app} ${noun(kind)}${type === undefined || type === DEFAULT_TYPE ? '' : ` (${type})`}`);
    const props = services.store.properties;
    for (const property of (await props.list(RESOURCE_PLUGIN, app)).keys()) {
      const [owner, ownKind] = property.split('.');
      if (ownKind === kind && (type === undefined || owner === type)) await props.delete(RESOURCE_PLUGIN, app, property);
    }
  };
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const all = await services.store.properties.list(RESOURCE_PLUGIN, app);
  return [...all].map(([property, value]) => [`--resource-${property}`, value]);
}

const TYPE_USAGE = '[--process-type <process-type>]';

function command(name: string, usage: string, description: string, run: CoreCommand['run'], values: boolean): CoreCommand {
  return { name, help: { usage, description }, options: ['--process-type=', ...(values ? VALUE_OPTIONS : [])], run };
}

export const resourceCommands: CommandSet = {
  plugin: 'resource',
  summary: 'Manage resource limits and reservations of an app\'s processes',
  access: { who: 'app' },
  commands: [
    command('resource:limit', `resource:limit ${TYPE_USAGE} [--cpu N] [--memory SIZE] [--memory-swap SIZE] [--nvidia-gpu N] [--network …] <app>`, 'Limit resources for a given app/process-type combination', set('limit'), true),
    command('resource:limit-clear', `resource:limit-clear ${TYPE_USAGE} <app>`, 'Clear the resource limits of an app (or of one process type)', clear('limit'), false),
    command('resource:reserve', `resource:reserve ${TYPE_USAGE} [--memory SIZE] [--cpu N] … <app>`, 'Reserve resources for a given app/process-type combination', set('reserve'), true),
    command('resource:reserve-clear', `resource:reserve-clear ${TYPE_USAGE} <app>`, 'Clear the resource reservations of an app (or of one process type)', clear('reserve'), false),
    {
      name: 'resource:report',
      help: { usage: 'resource:report [<app>] [<flag>]', description: 'Displays a resource report for one or more apps' },
      run: (inv, services) => runReport(inv, services, { type: 'resource', legacyKeys: true, keepCase: true, app: (app) => reportRows(services, app) }),
    },
  ],
};
