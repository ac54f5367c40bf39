// Dokku's rev-env-var: each deploy of a git revision records it in the app's config (GIT_REV unless
// `git:set APP rev-env-var NAME` renames it; set to empty, nothing is recorded), and keep-git-dir.
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { isValidConfigKey } from '../names.js';

export const DEFAULT_REV_ENV_VAR = 'GIT_REV';

/** The config key the deployed revision goes to, or undefined when the app turned it off. */
export async function revEnvVar(store: Store, app: AppName): Promise<string | undefined> {
  const value = await store.properties.get('git', app, 'rev-env-var');
  if (value === undefined) return DEFAULT_REV_ENV_VAR;
  const name = value.trim();
  // An empty value is Dokku's "off"; a hand-edited bad name is ignored rather than written.
  return name !== '' && isValidConfigKey(name) ? name : undefined;
}

/** keep-git-dir: the app's value, else the global one, else false. */
export async function keepGitDir(store: Store, app: AppName): Promise<boolean> {
  return (await store.properties.effective('git', app, 'keep-git-dir')) === 'true';
}

/**
 * Writes NAME=rev into the app's config; returns how to put the previous value back (a failed
 * deploy leaves the config as it found it).
 */
export async function recordRevision(store: Store, app: AppName, name: string, rev: string): Promise<() => Promise<void>> {
  let previous: string | undefined;
  let changed = false;
  await store.config.update(app, (env) => {
    previous = env.get(name);
    if (previous === rev) return false;
    env.set(name, rev);
    changed = true;
    return true;
  });
  return async () => {
    if (!changed) return;
    await store.config.update(app, (env) => {
      if (env.get(name) !== rev) return false;
      if (previous === undefined) env.delete(name);
      else env.set(name, previous);
      return true;
    });
  };
}

/** The deploy branch as Dokku computes it (the app's, else the global one, else master). */
export async function deployBranchOf(store: Store, app: AppName): Promise<string> {
  return (await store.properties.effective('git', app, 'deploy-branch')) || 'master';
}

/**
 * After a server died during deploys: where the rev var still holds an interrupted release's
 * revision, it goes back to the serving release's (or away when none serves), as a failed deploy
 * leaves it; so the config the serving processes were started with is the config again.
 */
export async function revertInterruptedRevisions(store: Store, app: AppName, interrupted: readonly number[]): Promise<void> {
  const name = await revEnvVar(store, app);
  if (!name) return;
  const failedRevs = new Set<string>();
  for (const version of interrupted) {
    const rev = (await store.releases.get(app, version))?.rev;
    if (rev) failedRevs.add(rev);
  }
  const serving = (await store.releases.current(app))?.rev;
  await store.config.update(app, (env) => {
    const value = env.get(name);
    if (value === undefined || !failedRevs.has(value) || value === serving) return false;
    if (serving === undefined) env.delete(name);
    else env.set(name, serving);
    return true;
  });
}
