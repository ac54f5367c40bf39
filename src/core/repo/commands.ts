// repo:* — Dokku's repo plugin: `repo:gc` runs `git gc --aggressive` on the app's bare repo (branch
// refs stay loose files, as Dokku keeps them), `repo:purge-cache` drops the app's build caches.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { existingApp } from '../shared/invocation.js';
import { defaultBuilders } from '../../build/registry.js';
import { baseGitEnv, runGit } from '../../git/spawn.js';
import { SlipwayError } from '../../errors.js';

async function gc(inv: Invocation, services: Services): Promise<number> {
  const app = await existingApp(services, inv.args[0]);
  // A repo not initialised yet holds nothing to collect; Dokku's gc on it says nothing either.
  if (!(await services.store.git.isRepo(app))) return 0;
  const result = await runGit({
    // gc.packRefs=false: refs/heads/* stay files, which Dokku restores after its gc and plugins read.
    args: ['-c', 'gc.packRefs=false', '--git-dir', services.store.git.repoDir(app), 'gc', '--aggressive', '--quiet'],
    env: baseGitEnv(),
    stdout: inv.io.stderr,
    stderr: 'capture',
    signal: inv.signal,
  });
  if (result.exitCode !== 0) throw new SlipwayError('E_GIT_FAILED', `Unable to run git gc: ${result.stderr.trim()}`, 1);
  return 0;
}

async function purgeCache(inv: Invocation, services: Services): Promise<void> {
  const app = await existingApp(services, inv.args[0]);
  await services.store.apps.purgeBuildCache(app);
  // A builder whose engine fails says so in its own error (E_DOCKER, naming the app).
  for (const builder of defaultBuilders().all()) await builder.purgeCache?.(app);
}

export const repoCommands: CommandSet = {
  plugin: 'repo',
  summary: 'Manage the app\'s repo',
  access: { who: 'app' },
  commands: [
    { name: 'repo:gc', help: { usage: 'repo:gc <app>', description: 'Runs \'git gc --aggressive\' against the application\'s repo' }, run: gc },
    { name: 'repo:purge-cache', help: { usage: 'repo:purge-cache <app>', description: 'Deletes the app\'s build cache (npm cache; untagged build images)' }, run: purgeCache },
  ],
};
