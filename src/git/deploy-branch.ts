// Dokku's deploy-branch rule (≥ 0.22.1), as a pure plan over one push's ref updates: which
// refs deploy, which branch the app adopts, and what the pusher is told about the others.
import type { RefUpdate } from './refs.js';

/** Dokku's built-in default when neither the app nor the global setting names a branch. */
export const DEFAULT_DEPLOY_BRANCH = 'master';

export interface BranchSettings {
  /** git:set APP deploy-branch (empty when unset). */
  app: string;
  /** git:set --global deploy-branch (empty when unset). */
  global: string;
}

export type RefStep =
  | { action: 'deploy'; update: RefUpdate }
  /** No branch was set: this ref deploys, and becomes the app's deploy-branch once it has. */
  | { action: 'adopt'; update: RefUpdate }
  | { action: 'deleted'; update: RefUpdate }
  /** Stored only; `branch` is the one a push must name to deploy. */
  | { action: 'skipped'; update: RefUpdate; branch: string };

export function computedDeployBranch(settings: BranchSettings): string {
  return settings.app || settings.global || DEFAULT_DEPLOY_BRANCH;
}

/**
 * Walks the updates in the order git gave them, as Dokku's git-hook does: a ref named like
 * the computed branch (heads or tags) deploys; while neither the app nor the global setting
 * names a branch, the first other ref pushed is adopted; every other ref is only stored.
 * Deletions never deploy or adopt (the caller refuses deleting the deploy branch).
 */
export function planPush(updates: RefUpdate[], settings: BranchSettings): RefStep[] {
  const branch = computedDeployBranch(settings);
  let explicit = settings.app || settings.global;
  return updates.map((update): RefStep => {
    if (update.name === branch) return { action: 'deploy', update };
    if (update.deletion) return { action: 'deleted', update };
    if (!explicit) {
      explicit = update.name;
      return { action: 'adopt', update };
    }
    return { action: 'skipped', update, branch: explicit };
  });
}

/** Dokku's two lines for a ref that is stored but not deployed. */
export function skippedLines(update: RefUpdate, branch: string): string[] {
  return [
    `WARNING: deploy did not complete, you must push to ${branch}.`,
    `for example, try 'git push <dokku> ${update.name}:${branch}'`,
  ];
}
