// checks:* — Dokku's zero-downtime checks control per process type: enable, disable (old processes
// stop before new ones start), skip (no checks, zero downtime kept), report, set wait-to-retire, run.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { GLOBAL } from '../../store/index.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { existingApp, out, scopeArg } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { ALL_TYPES, CHECKS_PLUGIN, parseTypeList, waitToRetire } from '../../deploy/checks-policy.js';
import { appConfig } from '../../deploy/app-env.js';
import { log } from '../../log.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { shown } from '../../names.js';

const PROCESS_TYPE = /^[A-Za-z0-9_-]+$/;

type ListName = 'disabled' | 'skipped';

/** The process types argument: `_all_` when absent; each type checked before anything is written. */
function typesArg(value: string | undefined): string {
  if (value === undefined || value === '' || value === ALL_TYPES) return ALL_TYPES;
  for (const type of parseTypeList(value)) {
    if (!PROCESS_TYPE.test(type)) throw new UsageError(`Invalid process type ${shown(type)}`);
  }
  return parseTypeList(value).join(',');
}

async function writeList(services: Services, app: AppName, name: ListName, list: string[]): Promise<void> {
  if (list.length) await services.store.properties.set(CHECKS_PLUGIN, app, name, list.join(','));
  else await services.store.properties.delete(CHECKS_PLUGIN, app, name);
}

async function readList(services: Services, app: AppName, name: ListName): Promise<string[]> {
  return parseTypeList(await services.store.properties.get(CHECKS_PLUGIN, app, name));
}

/**
 * Dokku's list arithmetic: `_all_` replaces the list (and clears the other one); named types join
 * this list and leave the other (a bare `_all_` in the other list stays, as in Dokku).
 */
async function moveTypes(services: Services, app: AppName, types: string, into: ListName | undefined): Promise<void> {
  const lists: ListName[] = ['disabled', 'skipped'];
  if (types === ALL_TYPES) {
    for (const name of lists) await writeList(services, app, name, name === into ? [ALL_TYPES] : []);
    return;
  }
  const named = parseTypeList(types);
  for (const name of lists) {
    let list = await readList(services, app, name);
    list = name === into
      ? [...list, ...named.filter((t) => !list.includes(t))].filter((t) => t !== ALL_TYPES)
      : list.filter((t) => !named.includes(t));
    await writeList(services, app, name, list);
  }
}

function toggle(into: ListName | undefined, verb: string) {
  return async (inv: Invocation, services: Services): Promise<void> => {
    const app = await existingApp(services, inv.options.positional[0]);
    const types = typesArg(inv.options.positional[1]);
    const subject = types === ALL_TYPES ? (into ? `app (${app})` : `app's (${app})`) : `app's (${app}) proctypes (${types})`;
    log.info1(out(inv), `${verb} zero downtime for ${subject}`);
    await moveTypes(services, app, types, into);
  };
}

const SET_USAGE = 'checks:set (<app>|--global) wait-to-retire [<seconds>]';

async function set(inv: Invocation, services: Services): Promise<void> {
  const scope = await scopeArg(services, inv.args[0]);
  const [, key = '', value = ''] = inv.args;
  if (key === '') throw new SlipwayError('E_USAGE', 'No key specified', 1);
  if (key !== 'wait-to-retire') throw new SlipwayError('E_USAGE', 'Invalid key specified, valid keys include: wait-to-retire', 1);
  if (value === '') {
    log.info2(out(inv), `Unsetting ${key}`);
    await services.store.properties.delete(CHECKS_PLUGIN, scope, key);
    return;
  }
  if (!/^\d+$/.test(value)) throw new SlipwayError('E_USAGE', `Invalid wait-to-retire value ${shown(value)}: a whole number of seconds`, 1);
  log.info2(out(inv), `Setting ${key} to ${value}`);
  await services.store.properties.set(CHECKS_PLUGIN, scope, key, value);
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const list = async (name: ListName) => (await services.store.properties.get(CHECKS_PLUGIN, app, name)) || 'none';
  const wait = await waitToRetire(services.store, app, await appConfig(services.store, app));
  return [
    ['--checks-disabled-list', await list('disabled')],
    ['--checks-skipped-list', await list('skipped')],
    ['--checks-computed-wait-to-retire', String(wait.computed)],
    ['--checks-global-wait-to-retire', wait.global],
    ['--checks-wait-to-retire', wait.app],
  ];
}

async function globalRows(services: Services): Promise<ReportRows> {
  const env: Record<string, string> = Object.fromEntries(await services.store.config.read(GLOBAL));
  const wait = await waitToRetire(services.store, undefined, env);
  return [
    ['--checks-computed-wait-to-retire', String(wait.computed)],
    ['--checks-global-wait-to-retire', wait.global],
  ];
}

async function run(inv: Invocation, services: Services): Promise<void> {
  const app = await existingApp(services, inv.options.positional[0]);
  const types = inv.options.positional[1];
  const selectors = types === undefined || types === '' || types === ALL_TYPES ? undefined : parseTypeList(types);
  for (const selector of selectors ?? []) {
    if (!/^[A-Za-z0-9_-]+(\.\d+)?$/.test(selector)) throw new UsageError(`Invalid process type ${shown(selector)}`);
  }
  await requirePlatform(services).runChecks(app, selectors, out(inv), inv);
}

const TYPES = '[<process-type>[,<process-type>…]]';

export const checksCommands: CommandSet = {
  plugin: 'checks',
  summary: 'Control zero-downtime checks per process type',
  access: { who: 'app' },
  commands: [
    { name: 'checks:disable', help: { usage: `checks:disable <app> ${TYPES}`, description: 'Disable zero downtime (old processes stop before new ones start: downtime)' }, run: toggle('disabled', 'Disabling') },
    { name: 'checks:enable', help: { usage: `checks:enable <app> ${TYPES}`, description: 'Enable zero-downtime checks again' }, run: toggle(undefined, 'Enabling') },
    { name: 'checks:skip', help: { usage: `checks:skip <app> ${TYPES}`, description: 'Skip the checks, keeping zero downtime' }, run: toggle('skipped', 'Skipping') },
    {
      name: 'checks:report',
      help: { usage: 'checks:report [<app>] [<flag>]', description: 'Display the checks report of an app, or all apps' },
      run: (inv, services) => runReport(inv, services, { type: 'checks', app: (app) => reportRows(services, app), global: () => globalRows(services) }),
    },
    { name: 'checks:set', help: { usage: SET_USAGE, description: 'Set or clear how long old processes serve after a switch' }, run: set },
    { name: 'checks:run', help: { usage: `checks:run <app> ${TYPES}`, description: 'Run the checks against the running processes (TYPE or TYPE.N)' }, run },
  ],
};
