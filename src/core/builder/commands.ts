// builder:* — which builder an app uses (Dokku's `builder` property `selected`): `dockerfile`,
// `native`, or empty for detection at deploy time (a Dockerfile wins when Docker answers).
import { runReport, type ReportRows } from '../report/run-report.js';
import { setSelection } from '../shared/selection.js';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { out } from '../shared/invocation.js';
import { log } from '../../log.js';
import { GLOBAL } from '../../store/index.js';
import type { AppName } from '../../names.js';
import { defaultBuilders } from '../../build/registry.js';

const SET_USAGE = 'builder:set (<app>|--global) selected [dockerfile|native]';
const PLUGIN = 'builder';

async function builderSet(inv: Invocation, services: Services): Promise<void> {
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
  return [
    ['--builder-computed-selected', own || global],
    ['--builder-global-selected', global],
    ['--builder-selected', own],
    // Dokku's "detected" is what detection found at the last build; ours is the builder last used.
    ['--builder-detected', last],
  ];
}

function report(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, {
    type: 'builder',
    legacyKeys: true,
    app: (app) => reportRows(services, app),
    global: async () => [['--builder-global-selected', (await services.store.properties.get(PLUGIN, GLOBAL, 'selected')) ?? '']],
  });
}

export const builderCommands: CommandSet = {
  plugin: 'builder',
  summary: 'Choose how apps are built (dockerfile, native)',
  access: { who: 'app' },
  commands: [
    { name: 'builder:set', help: { usage: SET_USAGE, description: 'Pin the builder of an app (empty: detect it at deploy time)' }, run: builderSet },
    { name: 'builder:report', help: { usage: 'builder:report [<app>] [<flag>]', description: 'Display the builder settings of an app, or all apps' }, run: report },
  ],
};
