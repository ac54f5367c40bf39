// app-json:* — Dokku's app-json properties: where a deploy reads app.json in the pushed tree
// (`appjson-path`, app → --global → `app.json`), set with app-json:set and shown by app-json:report.
import type { CommandSet } from '../../commands/registry.js';
import type { Services } from '../../services.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import { UsageError } from '../../errors.js';
import { isTreePath, shown } from '../../names.js';
import { APP_JSON_PLUGIN, appJsonPath } from '../../deploy/app-json.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { propertyOf, setProperty, type PropertySpec } from '../shared/property-set.js';

const SET_USAGE = 'app-json:set (<app>|--global) appjson-path [<path>]';

const PROPERTIES: PropertySpec = {
  plugin: APP_JSON_PLUGIN,
  app: ['appjson-path'],
  global: ['appjson-path'],
  check(_property, value) {
    if (!isTreePath(value)) throw new UsageError(`Invalid appjson-path ${shown(value)}: a relative path inside the app's repository`);
  },
};

async function rows(services: Services, scope: Scope): Promise<ReportRows> {
  const result: ReportRows = [
    ['--app-json-computed-appjson-path', await appJsonPath(services.store, scope)],
    ['--app-json-global-appjson-path', await propertyOf(services, APP_JSON_PLUGIN, GLOBAL, 'appjson-path')],
  ];
  if (scope !== GLOBAL) result.push(['--app-json-appjson-path', await propertyOf(services, APP_JSON_PLUGIN, scope, 'appjson-path')]);
  return result;
}

export const appJsonCommands: CommandSet = {
  plugin: 'app-json',
  summary: 'Manage where app.json is read in an app\'s repository',
  access: { who: 'app' },
  commands: [
    {
      name: 'app-json:set',
      help: { usage: SET_USAGE, description: 'Set or clear the path of app.json in the repository (read by the next deploy)' },
      async run(inv, services) {
        await setProperty(inv, services, PROPERTIES);
      },
    },
    {
      name: 'app-json:report',
      help: { usage: 'app-json:report [<app>|--global] [<flag>]', description: 'Display the app-json settings of an app (or every app)' },
      run: (inv, services) => runReport(inv, services, {
        type: 'app-json',
        legacyKeys: true,
        app: (app) => rows(services, app),
        global: () => rows(services, GLOBAL),
      }),
    },
  ],
};
