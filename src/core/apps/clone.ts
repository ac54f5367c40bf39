// apps:clone — a new app made from an existing one, in Dokku's order: create it (post-create), copy
// what Dokku copies, post-app-clone-setup, deploy the old app's revision, post-app-clone. A failed
// step removes the new app again, so a clone either completes or leaves nothing behind.
import type { CoreCommand } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { RunContext } from '../../plugins/host.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { existingApp, out } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { fireAppClone } from './triggers.js';
import { parseAppName } from '../../names.js';
import { log } from '../../log.js';
import { ConflictError, SlipwayError, UsageError, userMessage } from '../../errors.js';
import { imageTag } from '../../deploy/image-tag.js';

const USAGE = 'apps:clone [--skip-deploy] [--ignore-existing] <old-app> <new-app>';

/**
 * Undo a clone that failed after `to` was created: its processes and route, its files, and the
 * delete triggers so plugins that saw post-create or post-app-clone-setup can drop their part.
 * Each step runs even when one before it failed; a failure is one warning line, the original
 * error is what the user gets.
 */
async function removeHalfClone(inv: Invocation, services: Services, ctx: RunContext, to: AppName): Promise<void> {
  const o = out(inv);
  // The client may be gone (that may be why the clone failed): the clean-up is not cut short.
  const cleanup: RunContext = { ...ctx, signal: new AbortController().signal };
  log.warn(o, `Removing ${to}: the clone did not complete`);
  const release = await services.store.releases.current(to).catch(() => undefined);
  const deleted = { APP: to, IMAGE_TAG: release ? imageTag(release) : '' };
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['pre-delete', () => services.plugins.fire('pre-delete', deleted, cleanup)],
    ['stopping its processes', async () => services.platform?.destroy(to, { ...o, quiet: true })],
    ['removing its files', () => services.store.apps.destroy(to)],
    ['post-delete', () => services.plugins.fire('post-delete', deleted, cleanup)],
  ];
  for (const [step, run] of steps) {
    try {
      await run();
    } catch (error) {
      log.warn(o, `Removing ${to}: ${step} failed: ${userMessage(error)}`);
    }
  }
}

export const cloneCommand: CoreCommand = {
  name: 'apps:clone',
  // Admins only: a clone makes a new app, and only admin keys create apps.
  access: { who: 'admin', app: 0 },
  options: ['--skip-deploy', '--ignore-existing'],
  help: { usage: 'apps:clone <old-app> <new-app>', description: 'Clones an app' },
  async run(inv, services, ctx) {
    const { set, positional } = inv.options;
    if (!positional[0]) throw new SlipwayError('E_APP_REQUIRED', 'Please specify an app to run the command on', 1);
    if (!positional[1]) throw new UsageError(`Please specify an new app name. Usage: dokku ${USAGE}`);
    if (positional.length > 2) throw new UsageError(`Unexpected argument '${positional[2]}'. Usage: dokku ${USAGE}`);
    const from = await existingApp(services, positional[0]);
    const to = parseAppName(positional[1]);
    if (await services.store.apps.exists(to)) {
      if (!set.has('--ignore-existing')) throw new ConflictError('E_APP_EXISTS', 'Name is already taken');
      log.warn(out(inv), 'Name is already taken');
      return;
    }
    const release = await services.store.releases.current(from);
    const deploy = release !== undefined && !set.has('--skip-deploy');
    // Checked before anything is made: without the server there is nothing to deploy with.
    const platform = deploy ? requirePlatform(services) : undefined;

    log.info1(out(inv), `Cloning ${from} to ${to}`);
    log.info1(out(inv), `Creating ${to}...`);
    await services.store.apps.create(to);
    try {
      await services.plugins.fire('post-create', { APP: to }, ctx);
      await services.store.apps.cloneInto(from, to);
      await fireAppClone(services, 'setup', from, to, ctx);
      if (platform && release) await platform.deployRevision(to, release.rev, out(inv), inv);
      await fireAppClone(services, 'done', from, to, ctx);
    } catch (error) {
      await removeHalfClone(inv, services, ctx, to);
      throw error;
    }
  },
};
