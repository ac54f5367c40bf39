// Dokku's standard commands `deploy APP [TAG]` (deploy an existing build again through the app's
// scheduler, without building) and `cleanup [APP|--global]` (drop what finished deploys left:
// exited containers and dangling images of Slipway's apps, build directories no release runs).
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { computedScheduler } from '../scheduler/commands.js';
import { withDeployLock, DeployLocked } from '../../deploy/locks.js';
import { defaultSchedulers } from '../../scheduler/registry.js';
import { log } from '../../log.js';
import { GLOBAL } from '../../store/index.js';

async function deploy(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 1, 'deploy <app> [<tag>]');
  const app = await existingApp(services, inv.args[0]);
  const platform = requirePlatform(services);
  await platform.deployTag(app, inv.args[1], await computedScheduler(services, app), out(inv), inv);
}

/** One app's build directories no release runs; an app whose deploy is running is left for later. */
async function cleanupBuilds(inv: Invocation, services: Services, app: AppName): Promise<void> {
  try {
    const removed = await withDeployLock(services.store, app, () => services.store.releases.removeCruft(app));
    if (removed.length) log.verbose(out(inv), `${app}: removed build directories ${removed.map((v) => `v${v}`).join(', ')}`);
  } catch (error) {
    if (!(error instanceof DeployLocked)) throw error;
    log.warn(out(inv), `${app}: a deploy is running; its build directories are left for the next cleanup`);
  }
}

async function cleanup(inv: Invocation, services: Services): Promise<void> {
  const scope = inv.args[0] === undefined || inv.args[0] === GLOBAL ? undefined : await existingApp(services, inv.args[0]);
  log.info1(out(inv), 'Cleaning up...');
  for (const app of scope ? [scope] : await services.store.apps.list()) await cleanupBuilds(inv, services, app);
  for (const engine of defaultSchedulers().all()) {
    for (const line of (await engine.cleanup?.(services.store, scope)) ?? []) log.verbose(out(inv), line);
  }
}

export const cleanupCommands: CommandSet = {
  plugin: 'cleanup',
  summary: 'Clean up what deploys left behind',
  access: { who: 'app' },
  commands: [
    // As Dokku's help, which lists cleanup but not deploy.
    { name: 'deploy', run: deploy },
    {
      name: 'cleanup',
      help: { usage: 'cleanup [<app>|--global]', description: 'Cleans up exited/dead Docker containers, dangling images and failed builds' },
      // Every app's (no app, or --global): admin keys only, as the access rules decide for `app` commands.
      run: cleanup,
    },
  ],
};
