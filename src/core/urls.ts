// urls APP / url APP: where the proxy serves an app (its hostnames and the proxy's port).
import type { CommandSet } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import { existingApp, requireArgs } from './common.js';
import { appUrls } from '../deploy/routes.js';

async function urls(inv: Invocation, services: Services): Promise<string[]> {
  const app = await existingApp(services, inv.args[0]);
  const port = services.platform?.httpPort ?? services.settings.httpListen.port;
  return appUrls(await services.store.domains.app(app), port);
}

export const urlsCommands: CommandSet = {
  plugin: 'urls',
  summary: 'Show where an app is served',
  commands: [
    {
      name: 'urls',
      help: { usage: 'urls <app>', description: 'List every URL of an app' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'urls <app>');
        for (const url of await urls(inv, services)) inv.io.stdout.write(`${url}\n`);
      },
    },
    {
      name: 'url',
      help: { usage: 'url <app>', description: 'Show the first URL of an app' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'url <app>');
        const first = (await urls(inv, services))[0];
        if (first === undefined) return 1;
        inv.io.stdout.write(`${first}\n`);
      },
    },
  ],
};
