// apps:* — create, list, clone (clone.ts), rename, report and destroy apps, firing the lifecycle triggers
// (post-create, pre-delete, post-delete, post-app-rename) that plugins hook into.
import type { CommandSet } from '../../commands/registry.js';
import { confirmDestructive, existingApp, out, requireArgs } from '../shared/invocation.js';
import { runReport } from '../report/run-report.js';
import { parseAppName } from '../../names.js';
import { log } from '../../log.js';
import { ConflictError, SlipwayError, UsageError } from '../../errors.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { visibleApps } from '../../access/index.js';
import { GLOBAL } from '../../store/index.js';
import { imageTag } from '../../deploy/image-tag.js';
import { cloneCommand } from './clone.js';

const LIST_USAGE = 'apps:list [--format stdout|json]';

/** Dokku's apps:list: `=====> My Apps` and one name a line, or a JSON array (`[]` when none). */
function printAppList(inv: Invocation, apps: string[]): void {
  const { values, positional } = inv.options;
  const format = values.get('--format') ?? 'stdout';
  if (format !== 'stdout' && format !== 'json') throw new UsageError(`Invalid --format value specified. Usage: dokku ${LIST_USAGE}`);
  if (positional.length) throw new UsageError(`Unexpected argument '${positional[0]}'. Usage: dokku ${LIST_USAGE}`);
  if (format === 'json') {
    inv.io.stdout.write(`${JSON.stringify(apps)}\n`);
    return;
  }
  log.info2(out(inv), 'My Apps');
  if (apps.length === 0) log.warn(out(inv), 'You haven\'t deployed any applications yet');
  for (const app of apps) inv.io.stdout.write(`${app}\n`);
}

/** Any key may list: it sees the apps it may use (src/access/). */
async function listApps(inv: Invocation, services: Services): Promise<void> {
  printAppList(inv, await visibleApps(services, inv.identity));
}

export const appsCommands: CommandSet = {
  plugin: 'apps',
  summary: 'Manage apps',
  access: { who: 'app' },
  commands: [
    { name: 'apps', access: { who: 'any' }, options: ['--format='], run: listApps },
    { name: 'apps:list', access: { who: 'any' }, options: ['--format='], help: { usage: LIST_USAGE, description: 'List your apps' }, run: listApps },
    {
      name: 'apps:create',
      help: { usage: 'apps:create <app>', description: 'Create a new app' },
      async run(inv, services, ctx) {
        requireArgs(inv.args, 1, 'apps:create <app>');
        const app = parseAppName(inv.args[0]);
        // Dokku refuses before it says "Creating"; the store's create refuses a racing twin too.
        if (await services.store.apps.exists(app)) throw new ConflictError('E_APP_EXISTS', 'Name is already taken');
        log.info1(out(inv), `Creating ${app}...`);
        await services.store.apps.create(app);
        await services.plugins.fire('post-create', { APP: app }, ctx);
      },
    },
    cloneCommand,
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
      options: ['--force'],
      help: { usage: 'apps:destroy <app> [--force]', description: 'Permanently destroy an app' },
      async run(inv, services, ctx) {
        const { set, positional } = inv.options;
        requireArgs(positional, 1, 'apps:destroy <app> [--force]');
        const app = await existingApp(services, positional[0]);
        if (!set.has('--force') && !inv.flags.force) {
          await confirmDestructive(inv, 'app', app);
        }
        log.info1(out(inv), `Destroying ${app} (including all add-ons)`);
        const release = await services.store.releases.current(app);
        const deleted = { APP: app, IMAGE_TAG: release ? imageTag(release) : '' };
        await services.plugins.fire('pre-delete', deleted, ctx);
        await services.platform?.destroy(app, out(inv));
        await services.store.apps.destroy(app);
        await services.plugins.fire('post-delete', deleted, ctx);
      },
    },
    {
      name: 'apps:rename',
      help: { usage: 'apps:rename <old-app> <new-app>', description: 'Rename an app' },
      async run(inv, services, ctx) {
        requireArgs(inv.args, 1, 'apps:rename <old-app> <new-app>');
        // Dokku's words, its typo included: scripts may match them.
        if (!inv.args[1]) throw new UsageError('Please specify an new app name');
        const from = await existingApp(services, inv.args[0]);
        const to = parseAppName(inv.args[1]);
        if (from === to) throw new ConflictError('E_APP_EXISTS', 'Name is already taken');
        log.info1(out(inv), `Renaming ${from} to ${to}`);
        await services.store.apps.rename(from, to);
        const names = { OLD_APP_NAME: from, NEW_APP_NAME: to };
        // Dokku fires -setup once the new app exists, before the old one's processes go away.
        await services.plugins.fire('post-app-rename-setup', names, ctx);
        // Dokku's nginx (post-app-rename-setup) clears the proxy config the new name inherited.
        await services.platform?.routesCleared(to);
        await services.plugins.fire('proxy-clear-config', { APP: to }, ctx);
        await services.platform?.renamed(from, to, out(inv), inv);
        await services.plugins.fire('post-app-rename', names, ctx);
      },
    },
    {
      name: 'apps:lock',
      help: { usage: 'apps:lock <app>', description: 'Locks an app for deployment' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'apps:lock <app>');
        const app = await existingApp(services, inv.args[0]);
        await services.store.apps.lockDeploys(app);
        log.info1(out(inv), 'Deploy lock created');
      },
    },
    {
      name: 'apps:locked',
      help: { usage: 'apps:locked <app>', description: 'Checks if an app is locked for deployment' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'apps:locked <app>');
        const app = await existingApp(services, inv.args[0]);
        // Dokku: a quiet-able line and exit 0 when locked, an error (exit 1) when not.
        if (!(await services.store.apps.deploysLocked(app))) throw new SlipwayError('E_NOT_LOCKED', 'Deploy lock does not exist', 1);
        if (!inv.flags.quiet) inv.io.stdout.write('Deploy lock exists\n');
      },
    },
    {
      name: 'apps:unlock',
      help: { usage: 'apps:unlock <app>', description: 'Unlocks an app for deployment' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'apps:unlock <app>');
        const app = await existingApp(services, inv.args[0]);
        if (await services.store.apps.deploysLocked(app)) {
          log.warn(out(inv), 'A deploy may be in progress.');
          log.warn(out(inv), 'Removing the app lock will not stop in progress deploys.');
        }
        await services.store.apps.unlockDeploys(app);
        log.info1(out(inv), 'Deploy lock removed');
      },
    },
    {
      name: 'apps:report',
      help: { usage: 'apps:report [<app>] [<flag>]', description: 'Display report about an app' },
      run: (inv, services) => runReport(inv, services, {
        type: 'app',
        legacyKeys: true,
        app: async (app) => [
          ['--app-created-at', String(Math.floor((await services.store.apps.createdAt(app)).getTime() / 1000))],
          ['--app-deploy-source', (await services.store.properties.get('apps', app, 'deploy-source')) ?? ''],
          ['--app-deploy-source-metadata', (await services.store.properties.get('apps', app, 'deploy-source-metadata')) ?? ''],
          ['--app-dir', services.store.layout.appDir(app)],
          ['--app-global-disable-autocreation', (await services.store.properties.get('apps', GLOBAL, 'disable-autocreation')) ?? ''],
          ['--app-locked', String(await services.store.apps.deploysLocked(app))],
        ],
        global: async () => [
          ['--app-global-disable-autocreation', (await services.store.properties.get('apps', GLOBAL, 'disable-autocreation')) ?? ''],
        ],
      }),
    },
  ],
};
