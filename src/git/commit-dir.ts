// Records a directory as one commit in an app's bare repo without a clone: a private index,
// `git add --all` with the directory as work tree, write-tree, commit-tree on the deploy branch's
// commit; then Dokku's git-from-directory: deploy that commit, and only then move the deploy branch.
import path from 'node:path';
import type { Invocation } from '../commands/types.js';
import type { RunContext } from '../plugins/host.js';
import type { Services } from '../services.js';
import type { AppName } from '../names.js';
import { SlipwayError } from '../errors.js';
import { log } from '../log.js';
import { out } from '../core/shared/invocation.js';
import { requirePlatform } from '../core/shared/platform.js';
import { announce, git, moveBranch } from './sync.js';
import { deployBranch, ensureRepo, pointHead, revParse } from './repo.js';

export interface Author { name: string; email: string }

export interface DirCommit {
  repo: string;
  dir: string;
  /** A scratch folder outside dir for the private index. */
  scratch: string;
  parent: string | undefined;
  author: Author;
  message: string;
}

export class NoChanges extends SlipwayError {
  constructor() { super('E_NO_CHANGES', 'No changes detected, skipping git commit', 1); }
}

/** Returns the new commit; throws NoChanges when the tree equals the parent's. */
export async function commitDirectory(request: DirCommit): Promise<string> {
  const env = {
    GIT_DIR: request.repo,
    GIT_WORK_TREE: request.dir,
    GIT_INDEX_FILE: path.join(request.scratch, 'index'),
    GIT_AUTHOR_NAME: request.author.name,
    GIT_AUTHOR_EMAIL: request.author.email,
    GIT_COMMITTER_NAME: request.author.name,
    GIT_COMMITTER_EMAIL: request.author.email,
  };
  await git(['add', '--all', '--', '.'], undefined, env);
  const tree = (await git(['write-tree'], undefined, env)).trim();
  if (request.parent) {
    const parentTree = (await git(['rev-parse', `${request.parent}^{tree}`], undefined, env)).trim();
    if (parentTree === tree) throw new NoChanges();
  }
  const args = ['commit-tree', tree, ...(request.parent ? ['-p', request.parent] : []), '-m', request.message];
  return (await git(args, undefined, env)).trim();
}

export interface DeployDirectory {
  inv: Invocation;
  services: Services;
  ctx: RunContext;
  app: AppName;
  dir: string;
  scratch: string;
  author: Author;
  reason: string;
}

/** Commits dir onto the app's deploy branch and deploys it; the branch moves only after a good deploy. */
export async function deployDirectory(request: DeployDirectory): Promise<string> {
  const { inv, services, app } = request;
  const o = out(inv);
  const platform = requirePlatform(services);
  const repo = await ensureRepo(services, app);
  const branch = await deployBranch(services, app);
  const parent = await revParse(repo, `refs/heads/${branch}`);
  log.info1(o, 'Updating git repository with specified build context');
  let rev: string;
  try {
    rev = await commitDirectory({
      repo, dir: request.dir, scratch: request.scratch, parent, author: request.author,
      message: parent ? `Automated commit @ ${Math.floor(Date.now() / 1000)}` : 'Initial commit',
    });
  } catch (error) {
    if (!(error instanceof NoChanges)) throw error;
    log.warn(o, error.message);
    throw new SlipwayError('E_NO_CHANGES', 'Call \'ps:rebuild\' on app to rebuild the app from existing source', 1);
  }
  await platform.deployRevision(app, rev, o, inv);
  await moveBranch(repo, branch, rev, parent, request.reason);
  await pointHead(services, app, branch);
  await announce(services, app, rev, inv, request.ctx);
  return rev;
}
