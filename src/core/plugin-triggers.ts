// Core answers to triggers Dokku plugins call through `plugn trigger`, and `report`, which asks
// every plugin's `report` trigger about an app.
import type { CommandSet } from '../commands/registry.js';
import type { Services } from '../services.js';
import type { CoreTrigger } from '../plugins/host.js';
import { TriggerFailed } from '../plugins/host.js';
import { isValidAppName } from '../names.js';
import { existingApp } from './common.js';

export function pluginTriggers(services: Services): Record<string, CoreTrigger> {
  return {
    // The apps core prints true/false; Dokku plugins test the exit status
    // (`plugn trigger app-exists "$APP" || …`), so a missing app also exits 1.
    'app-exists': async ([app]) => {
      if (app && isValidAppName(app) && (await services.store.apps.exists(app))) return '';
      throw new TriggerFailed('app-exists', 'apps', 1);
    },
  };
}

export const reportCommands: CommandSet = {
  plugin: 'report',
  summary: 'Report on apps, through every plugin\'s report trigger',
  commands: [
    {
      name: 'report',
      help: { usage: 'report [<app>]', description: 'Fire the report trigger for one app, or every app' },
      async run(inv, services, ctx) {
        const apps = inv.args[0] ? [await existingApp(services, inv.args[0])] : await services.store.apps.list();
        for (const app of apps) await services.plugins.trigger('report', [app], ctx);
      },
    },
  ],
};
