// The app dir is the bare repo (Dokku's layout): initialised lazily on first use, idempotently,
// under the app lock, with a tiny pre-receive shim that calls back into this server's CLI.
import path from 'node:path';
import type { Services } from '../services.js';
import type { AppName } from '../names.js';
import { GLOBAL } from '../store/index.js';
import { AppNotFound } from '../errors.js';
import { baseGitEnv, gitOutput } from './spawn.js';
import { isValidBranchName } from './refs.js';
import { computedDeployBranch, type BranchSettings } from './deploy-branch.js';

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The hook never names the app: the server knows it from the push id in the environment. */
export function hookShim(packageRoot: string, nodePath = process.execPath): string {
  const cli = path.join(packageRoot, 'dist', 'src', 'cli.js');
  return `#!/bin/sh\nexec ${shellQuote(nodePath)} ${shellQuote(cli)} __hook pre-receive\n`;
}

/** The app's and the global deploy-branch settings ('' when unset; a hand-edited bad name counts as unset). */
export async function branchSettings(services: Services, app: AppName): Promise<BranchSettings> {
  const read = async (scope: AppName | typeof GLOBAL): Promise<string> => {
    const value = (await services.store.properties.get('git', scope, 'deploy-branch'))?.trim() ?? '';
    return isValidBranchName(value) ? value : '';
  };
  return { app: await read(app), global: await read(GLOBAL) };
}

/** git:set APP deploy-branch, else git:set --global deploy-branch, else master (Dokku's rule). */
export async function deployBranch(services: Services, app: AppName): Promise<string> {
  return computedDeployBranch(await branchSettings(services, app));
}

export async function autocreationDisabled(services: Services): Promise<boolean> {
  return (await services.store.properties.get('apps', GLOBAL, 'disable-autocreation'))?.trim() === 'true';
}

/** `git init --bare` in the (existing) app dir if needed, and the current hook shim. */
export async function ensureRepo(services: Services, app: AppName): Promise<string> {
  const { store, settings } = services;
  const dir = store.git.repoDir(app);
  const branch = await deployBranch(services, app);
  await store.git.withRepoLock(app, async () => {
    // Checked under the lock: a concurrent apps:destroy must not be undone by `git init`.
    if (!(await store.apps.exists(app))) throw new AppNotFound(app);
    if (!(await store.git.isRepo(app))) {
      // --template= : nothing from a host-wide template dir (hooks!) lands in the repo.
      await gitOutput(['init', '--bare', '--quiet', '--template=', `--initial-branch=${branch}`, dir]);
    }
    await store.git.installHook(app, 'pre-receive', hookShim(settings.packageRoot));
  });
  return dir;
}

/** True when the repo has at least one ref (a push that stored something). */
export async function hasRefs(repoDir: string): Promise<boolean> {
  const out = await gitOutput(['--git-dir', repoDir, 'for-each-ref', '--count=1', '--format=%(refname)']);
  return out.trim().length > 0;
}

/** The commit a ref points at, or undefined. */
export async function revParse(repoDir: string, ref: string): Promise<string | undefined> {
  try {
    return (await gitOutput(['--git-dir', repoDir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || undefined;
  } catch {
    return undefined; // --verify --quiet exits 1 for a missing ref: that is the answer, not a failure.
  }
}

/** Points HEAD at the deploy branch so `git clone` checks it out. */
export async function pointHead(services: Services, app: AppName, branch: string): Promise<void> {
  const { store } = services;
  await store.git.withRepoLock(app, async () => {
    if (!(await store.git.isRepo(app))) return;
    await gitOutput(['--git-dir', store.git.repoDir(app), 'symbolic-ref', 'HEAD', `refs/heads/${branch}`], baseGitEnv());
  });
}
