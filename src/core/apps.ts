// apps:* — create, list, rename, report and destroy apps, firing the lifecycle triggers
// (post-create, pre-delete, post-delete, post-app-rename) that plugins hook into.
import type { CommandSet } from '../commands/registry.js';
import { existingApp, out, readLine, requireArgs } from './common.js';
import { runReport } from './report.js';
import { parseAppName } from '../names.js';
import { log } from '../log.js';
import { SlipwayError, UsageError } from '../errors.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import { takeFlags } from '../commands/argv.js';

async function listApps(inv: Invocation, services: Services): Promise<void> {
  const apps = await services.store.apps.list();
  if (!inv.flags.quiet) inv.io.stdout.write('=====> My Apps\n');
  for (const app of apps) inv.io.stdout.write(`${app}\n`);
}

export const appsCommands: CommandSet = {
  plugin: 'apps',
  summary: 'Manage apps',
  commands: [
    { name: 'apps', run: listApps },
    { name: 'apps:list', help: { usage: 'apps:list', description: 'List your apps' }, run: listApps },
    {
      name: 'apps:create',
      help: { usage: 'apps:create <app>', description: 'Create a new app' },
      async run(inv, services, ctx) {
        requireArgs(inv.args, 1, 'apps:create <app>');
        const app = parseAppName(inv.args[0]);
        log.info1(out(inv), `Creating ${app}...`);
        await services.store.apps.create(app);
        await services.plugins.trigger('post-create', [app], ctx);
      },
    },
    {
      name: 'apps:exists',
      help: { usage: 'apps:exists <app>', description: 'Checks if an app exists' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'apps:exists <app>');
        await existingApp(services, inv.args[0]);
      },
    },
    {
      name: 'apps:destroy',
      help: { usage: 'apps:destroy <app> [--force]', description: 'Permanently destroy an app' },
      async run(inv, services, ctx) {
        const { set, positional } = takeFlags(inv.args, ['--force']);
        requireArgs(positional, 1, 'apps:destroy <app> [--force]');
        const app = await existingApp(services, positional[0]);
        if (!set.has('--force') && !inv.flags.force) {
          inv.io.stderr.write(' !     WARNING: Potentially Destructive Action\n');
          inv.io.stderr.write(` !     This command will destroy app ${app}.\n`);
          inv.io.stderr.write(` !     To proceed, type "${app}"\n\n> `);
          const answer = await readLine(inv);
          if (answer.trim() !== app) {
            throw new SlipwayError('E_CONFIRMATION', 'Confirmation did not match ' + app + '. Aborted.', 1);
          }
        }
        log.info1(out(inv), `Destroying ${app} (including all add-ons)`);
        await services.plugins.trigger('pre-delete', [app], ctx);
        await services.runtime.destroy(app, out(inv));
        await services.store.apps.destroy(app);
        await services.plugins.trigger('post-delete', [app], ctx);
      },
    },
    {
      name: 'apps:rename',
      help: { usage: 'apps:rename <old-app> <new-app>', description: 'Rename an app' },
      async run(inv, services, ctx) {
        requireArgs(inv.args, 2, 'apps:rename <old-app> <new-app>');
        const from = await existingApp(services, inv.args[0]);
        const to = parseAppName(inv.args[1]);
        if (from === to) throw new UsageError('The new name must differ from the old one');
        log.info1(out(inv), `Renaming ${from} to ${to}`);
        await services.store.apps.rename(from, to);
        await services.runtime.renamed(from, to, out(inv));
        await services.plugins.trigger('post-app-rename', [from, to], ctx);
      },
    },
    {
      name: 'apps:report',
      help: { usage: 'apps:report [<app>] [<flag>]', description: 'Display report about an app' },
      run: (inv, services) => runReport(inv, services, 'app', async (app) => [
        ['App dir', services.store.layout.appDir(app)],
        ['App created at', String(Math.floor((await services.store.apps.createdAt(app)).getTime() / 1000))],
        ['App deploy source', (await services.store.properties.get('apps', app, 'deploy-source')) ?? ''],
        ['App locked', String((await services.store.properties.get('apps', app, 'locked')) === 'true')],
      ]),
    },
  ],
};
