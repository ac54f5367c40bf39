// scheduler:* — which engine runs an app (Dokku's `scheduler` property `selected`): `process`
// (local processes) or `docker-local` (containers). Unset, the server's default runs it, unless
// the release needs the other one (an image needs docker-local, a native build process).
import { runReport, type ReportRows } from '../report/run-report.js';
import { setSelection } from '../shared/selection.js';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { out } from '../shared/invocation.js';
import { log } from '../../log.js';
import { GLOBAL } from '../../store/index.js';
import type { AppName } from '../../names.js';
import { defaultSchedulers } from '../../scheduler/registry.js';
import { canRun } from '../../scheduler/per-app.js';
import type { SchedulerContext } from '../../scheduler/types.js';

const SET_USAGE = 'scheduler:set (<app>|--global) selected [process|docker-local|docker-swarm]';
const PLUGIN = 'scheduler';

/** What the running server uses by default; a bare CLI works it out the way the server would. */
async function serverDefault(services: Services): Promise<{ name: string; reason: string }> {
  if (services.platform) return { name: services.platform.scheduler, reason: 'the running server\'s default' };
  return defaultSchedulers().defaultChoice(services.settings.scheduler, engineContext(services));
}

/** Engines asked from a command log nowhere: what they find is what the command prints. */
function engineContext(services: Services): SchedulerContext {
  return { store: services.store, log: () => undefined };
}

async function schedulerSet(inv: Invocation, services: Services): Promise<void> {
  const schedulers = defaultSchedulers();
  const value = await setSelection(inv, services, {
    plugin: PLUGIN, usage: SET_USAGE, noun: 'scheduler', names: schedulers.names(), unsetMessage: 'Unsetting selected',
  });
  if (value === '') return;
  log.verbose(out(inv), 'Takes effect on the next deploy, ps:restart or ps:rebuild');
  const engine = schedulers.find(value);
  if (engine && !(await engine.available(engineContext(services)))) {
    log.warn(out(inv), `${engine.needs ?? `The ${engine.name} scheduler`} does not answer here: deploys will fail until it does`);
  }
}

/** The engine that runs (or will run) the app: its own choice, the global one, else what its release needs. */
export async function computedScheduler(services: Services, app: AppName): Promise<string> {
  const own = (await services.store.properties.get(PLUGIN, app, 'selected')) ?? '';
  const global = (await services.store.properties.get(PLUGIN, GLOBAL, 'selected')) ?? '';
  const release = await services.store.releases.current(app);
  let computed = own || global || (await serverDefault(services)).name;
  if (!own && !global && release && !release.static) {
    const artifact = { app, version: release.version, dir: '', image: release.image, processTypes: release.processTypes };
    if (!canRun(computed, artifact)) computed = release.image === undefined ? 'process' : 'docker-local';
  }
  return computed;
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const own = (await services.store.properties.get(PLUGIN, app, 'selected')) ?? '';
  const global = (await services.store.properties.get(PLUGIN, GLOBAL, 'selected')) ?? '';
  const fallback = await serverDefault(services);
  return [
    ['--scheduler-computed-selected', await computedScheduler(services, app)],
    ['--scheduler-global-selected', global],
    ['--scheduler-selected', own],
    ['--scheduler-default', `${fallback.name} (${fallback.reason})`],
  ];
}

function report(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, {
    type: 'scheduler',
    legacyKeys: true,
    app: (app) => reportRows(services, app),
    async global() {
      const global = (await services.store.properties.get(PLUGIN, GLOBAL, 'selected')) ?? '';
      const fallback = await serverDefault(services);
      return [['--scheduler-computed-selected', global || fallback.name], ['--scheduler-global-selected', global]];
    },
  });
}

export const schedulerCommands: CommandSet = {
  plugin: 'scheduler',
  summary: 'Choose what runs apps (process, docker-local, docker-swarm)',
  access: { who: 'app' },
  commands: [
    { name: 'scheduler:set', help: { usage: SET_USAGE, description: 'Pin the scheduler of an app (empty: the server default)' }, run: schedulerSet },
    { name: 'scheduler:report', help: { usage: 'scheduler:report [<app>] [<flag>]', description: 'Display the scheduler settings of an app, or all apps' }, run: report },
  ],
};
