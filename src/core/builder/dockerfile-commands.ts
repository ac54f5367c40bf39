// builder-dockerfile:* — Dokku's Dockerfile builder properties: `dockerfile-path` names the file
// (relative to the build root) that is used as the Dockerfile; src/deploy/source-layout.ts moves it.
import { runReport } from '../report/run-report.js';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { computedProperty, propertyOf, setProperty } from '../shared/property-set.js';
import { UsageError } from '../../errors.js';
import { GLOBAL } from '../../store/index.js';
import { shown } from '../../names.js';

const PLUGIN = 'builder-dockerfile';
const SET_USAGE = 'builder-dockerfile:set (<app>|--global) dockerfile-path [<path>]';

async function set(inv: Invocation, services: Services): Promise<void> {
  await setProperty(inv, services, {
    plugin: PLUGIN,
    noun: 'key',
    app: ['dockerfile-path'],
    global: ['dockerfile-path'],
    check(_key, value) {
      if (value.startsWith('/') || value.split('/').includes('..') || /[\0-\x1f]/.test(value)) {
        throw new UsageError(`Invalid dockerfile-path ${shown(value)}: give a file of the repository, like docker/web.Dockerfile`);
      }
    },
  });
}

export const builderDockerfileCommands: CommandSet = {
  plugin: PLUGIN,
  summary: 'Settings of the Dockerfile builder (dockerfile-path)',
  access: { who: 'app' },
  commands: [
    { name: 'builder-dockerfile:set', help: { usage: SET_USAGE, description: 'Set or clear the file used as the Dockerfile (default: Dockerfile)' }, run: set },
    {
      name: 'builder-dockerfile:report',
      help: { usage: 'builder-dockerfile:report [<app>] [<flag>]', description: 'Display the Dockerfile builder settings of an app, or all apps' },
      run: (inv, services) => runReport(inv, services, {
        type: 'builder-dockerfile',
        app: async (app) => [
          ['--builder-dockerfile-computed-dockerfile-path', await computedProperty(services, PLUGIN, app, 'dockerfile-path', 'Dockerfile')],
          ['--builder-dockerfile-global-dockerfile-path', await propertyOf(services, PLUGIN, GLOBAL, 'dockerfile-path')],
          ['--builder-dockerfile-dockerfile-path', await propertyOf(services, PLUGIN, app, 'dockerfile-path')],
        ],
        global: async () => [['--builder-dockerfile-global-dockerfile-path', await propertyOf(services, PLUGIN, GLOBAL, 'dockerfile-path')]],
      }),
    },
  ],
};
