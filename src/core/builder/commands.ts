// builder:* — how apps are built (Dokku's `builder` properties): `selected` pins `dockerfile` or `native`
// (empty: detect at deploy time, a Dockerfile wins when Docker answers); `build-dir` builds a folder.
import { runReport, type ReportRows } from '../report/run-report.js';
import { setSelection } from '../shared/selection.js';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { out, requireArgs } from '../shared/invocation.js';
import { setProperty } from '../shared/property-set.js';
import { UsageError } from '../../errors.js';
import { shown, type AppName } from '../../names.js';
import { log } from '../../log.js';
import { GLOBAL } from '../../store/index.js';
import { defaultBuilders } from '../../build/registry.js';

const SET_USAGE = 'builder:set (<app>|--global) <key> [<value>]';
const PLUGIN = 'builder';
const PROPERTIES = ['build-dir', 'selected'];

async function builderSet(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 1, SET_USAGE);
  if (inv.args[1] !== 'selected') {
    // build-dir, and Dokku's checks and words for a missing or unknown property.
    await setProperty(inv, services, {
      plugin: PLUGIN,
      app: PROPERTIES,
      global: PROPERTIES,
      check(_property, value) {
        const parts = value.replace(/^\/+|\/+$/g, '').split('/');
        if (parts.some((part) => part === '..' || part === '.' || part === '') || /[\0-\x1f]/.test(value)) {
          throw new UsageError(`Invalid build-dir ${shown(value)}: give a folder of the repository, like apps/web`);
        }
      },
    });
    return;
  }
  const builders = defaultBuilders();
  const value = await setSelection(inv, services, {
    plugin: PLUGIN, usage: SET_USAGE, noun: 'builder', names: builders.names(),
    unsetMessage: 'Unsetting selected (the builder is detected at deploy time)',
  });
  const why = value === '' ? undefined : await builders.find(value)?.unavailable?.();
  if (why !== undefined) log.warn(out(inv), `${why}: deploys will fail until it is`);
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const own = (await services.store.properties.get(PLUGIN, app, 'selected')) ?? '';
  const global = (await services.store.properties.get(PLUGIN, GLOBAL, 'selected')) ?? '';
  const last = (await services.store.releases.current(app))?.builder ?? '';
  const ownDir = (await services.store.properties.get(PLUGIN, app, 'build-dir')) ?? '';
  const globalDir = (await services.store.properties.get(PLUGIN, GLOBAL, 'build-dir')) ?? '';
  return [
    ['--builder-computed-selected', own || global],
    ['--builder-global-selected', global],
    ['--builder-selected', own],
    // Dokku's "detected" is what detection found at the last build; ours is the builder last used.
    ['--builder-detected', last],
    ['--builder-computed-build-dir', ownDir || globalDir],
    ['--builder-global-build-dir', globalDir],
    ['--builder-build-dir', ownDir],
  ];
}

function report(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, {
    type: 'builder',
    legacyKeys: true,
    app: (app) => reportRows(services, app),
    global: async () => [
      ['--builder-global-selected', (await services.store.properties.get(PLUGIN, GLOBAL, 'selected')) ?? ''],
      ['--builder-global-build-dir', (await services.store.properties.get(PLUGIN, GLOBAL, 'build-dir')) ?? ''],
    ],
  });
}

export const builderCommands: CommandSet = {
  plugin: 'builder',
  summary: 'Choose how apps are built (dockerfile, native)',
  access: { who: 'app' },
  commands: [
    { name: 'builder:set', help: { usage: SET_USAGE, description: 'Set or clear a builder property: selected (dockerfile|native; empty: detect), build-dir (a folder of the repo to build)' }, run: builderSet },
    { name: 'builder:report', help: { usage: 'builder:report [<app>] [<flag>]', description: 'Display the builder settings of an app, or all apps' }, run: report },
  ],
};
