// builder:* — which builder an app uses (Dokku's `builder` property `selected`): `dockerfile`,
// `native`, or empty for detection at deploy time (a Dockerfile wins when Docker answers).
import { runReport } from './report.js';
import { setSelection } from './selection.js';
import type { CommandSet } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import { out } from './common.js';
import { log } from '../log.js';
import { GLOBAL } from '../store/index.js';
import type { AppName } from '../names.js';
import { defaultBuilders } from '../build/registry.js';
import { connect } from '../docker/index.js';
import { DOCKERFILE_BUILDER } from '../build/dockerfile.js';

const SET_USAGE = 'builder:set (<app>|--global) selected [dockerfile|native]';
const PLUGIN = 'builder';

async function builderSet(inv: Invocation, services: Services): Promise<void> {
  const value = await setSelection(inv, services, {
    plugin: PLUGIN, usage: SET_USAGE, noun: 'builder', names: defaultBuilders().names(),
    unsetMessage: 'Unsetting selected (the builder is detected at deploy time)',
  });
  if (value === DOCKERFILE_BUILDER) {
    const docker = connect();
    if (!(await docker.ping())) log.warn(out(inv), `Docker is not reachable at ${docker.host}: deploys will fail until it is`);
  }
}

async function reportRows(services: Services, app: AppName): Promise<Array<[string, string]>> {
  const own = (await services.store.properties.get(PLUGIN, app, 'selected')) ?? '';
  const global = (await services.store.properties.get(PLUGIN, GLOBAL, 'selected')) ?? '';
  const last = (await services.store.releases.current(app))?.builder ?? '';
  return [
    ['Builder computed selected', own || global],
    ['Builder global selected', global],
    ['Builder selected', own],
    ['Builder last used', last],
  ];
}



function report(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, 'builder', (app) => reportRows(services, app));
}

export const builderCommands: CommandSet = {
  plugin: 'builder',
  summary: 'Choose how apps are built (dockerfile, native)',
  commands: [
    { name: 'builder:set', help: { usage: SET_USAGE, description: 'Pin the builder of an app (empty: detect it at deploy time)' }, run: builderSet },
    { name: 'builder:report', help: { usage: 'builder:report [<app>] [<flag>]', description: 'Display the builder settings of an app, or all apps' }, run: report },
  ],
};
