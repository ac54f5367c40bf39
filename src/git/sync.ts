// git:sync, git:initialize, git:status — Dokku's ways to fill an app's repo without a push: fetch a
// remote into the repo and (with --build) deploy it through the same pipeline a push uses. The
// deploy branch moves only once the deploy succeeded, so a failed sync leaves the old release serving.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { CoreCommand } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { RunContext } from '../plugins/host.js';
import type { Services } from '../services.js';
import type { AppName } from '../names.js';
import { existingApp, out } from '../core/shared/invocation.js';
import { requirePlatform } from '../core/shared/platform.js';
import { log } from '../log.js';
import { SlipwayError, UsageError, userMessage } from '../errors.js';
import { shown } from '../names.js';
import { isValidBranchName } from './refs.js';
import { deployBranch, ensureRepo, pointHead, revParse } from './repo.js';
import { baseGitEnv, runGit } from './spawn.js';
import { remoteGitEnv } from './remote-auth.js';

const SYNC_USAGE = 'git:sync [--build|--build-if-changes] [--skip-deploy-branch] <app> <repository> [<git-ref>]';
/** Transports a remote may use; `ext::` and helpers a remote could name are never run. */
const ALLOWED_PROTOCOLS = 'file:git:http:https:ssh';
const ZERO = '0'.repeat(40);

/** A failure of git itself: its own first line, and its exit code (128 for fatal), as Dokku passes them on. */
export class GitFailed extends SlipwayError {
  constructor(message: string, exitCode: number) { super('E_GIT_FAILED', message, exitCode); }
}

/** Runs git on the app's repo, capturing; throws GitFailed with git's message when it fails. */
export async function git(args: string[], signal?: AbortSignal, extraEnv: Record<string, string> = {}): Promise<string> {
  const result = await runGit({ args, env: baseGitEnv({ GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS, ...extraEnv }), stdout: 'capture', stderr: 'capture', signal });
  if (result.exitCode !== 0) {
    const lines = result.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
    const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? `git ${args.find((a) => !a.startsWith('-'))} exited ${result.exitCode}`;
    throw new GitFailed(line, result.exitCode > 0 ? result.exitCode : 1);
  }
  return result.stdout;
}

export function parseRemote(value: string | undefined): string {
  if (!value) throw new SlipwayError('E_USAGE', 'Missing GIT_REMOTE parameter', 1);
  if (value.startsWith('-') || /[\0\n\r]/.test(value)) throw new UsageError(`Invalid repository ${shown(value)}`);
  return value;
}

function parseRef(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.startsWith('-') || !/^[A-Za-z0-9._/@+-]{1,200}$/.test(value) || value.includes('..')) throw new UsageError(`Invalid git ref ${shown(value)}`);
  return value;
}

interface Fetched { rev: string; isBranch: boolean }

/** Fetches every branch and tag of the remote under a private namespace and resolves ref there. */
async function fetchRef(repo: string, remote: string, ref: string, space: string, signal: AbortSignal, env: Record<string, string>): Promise<Fetched> {
  await git(['--git-dir', repo, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--end-of-options', remote,
    `+refs/heads/*:${space}/heads/*`, `+refs/tags/*:${space}/tags/*`], signal, env);
  const branch = await revParse(repo, `${space}/heads/${ref}`);
  if (branch) return { rev: branch, isBranch: true };
  const tag = await revParse(repo, `${space}/tags/${ref}`);
  if (tag) return { rev: tag, isBranch: false };
  if (/^[0-9a-f]{4,40}$/.test(ref)) {
    const commit = await revParse(repo, ref);
    if (commit) return { rev: commit, isBranch: false };
  }
  throw new GitFailed(`fatal: couldn't find remote ref ${shown(ref)} in ${shown(remote, 120)}`, 128);
}

async function dropNamespace(repo: string, space: string): Promise<void> {
  const refs = (await git(['--git-dir', repo, 'for-each-ref', '--format=%(refname)', space])).split('\n').filter(Boolean);
  if (refs.length) {
    const result = await runGit({ args: ['--git-dir', repo, 'update-ref', '--stdin'], env: baseGitEnv(), stdin: Readable.from([refs.map((r) => `delete ${r}\n`).join('')]), stdout: 'capture', stderr: 'capture' });
    if (result.exitCode !== 0) throw new Error(`cannot drop ${space}: ${result.stderr.trim()}`);
  }
}

/** Moves refs/heads/branch from `from` (absent: ZERO) to `to`, refusing if someone moved it meanwhile. */
export async function moveBranch(repo: string, branch: string, to: string, from: string | undefined, reason: string): Promise<void> {
  try {
    await git(['--git-dir', repo, 'update-ref', '-m', reason, `refs/heads/${branch}`, to, from ?? ZERO]);
  } catch (error) {
    throw new SlipwayError('E_REF_REFUSED', `${branch} moved while this ran (${userMessage(error)}); run it again`, 1, { cause: error });
  }
}

/** After a deploy from outside a push: plugins that watch receive-app hear of it (a failure only warns). */
export async function announce(services: Services, app: AppName, rev: string, inv: Invocation, ctx: RunContext): Promise<void> {
  try {
    await services.plugins.fire('receive-app', { APP: app, REV: rev }, ctx);
  } catch (error) {
    log.warn(out(inv), `receive-app trigger failed after the deploy of ${rev.slice(0, 12)}: ${userMessage(error)}`);
  }
}

async function gitSync(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const { set, positional } = inv.options;
  const app = await existingApp(services, positional[0]);
  const remote = parseRemote(positional[1]);
  const requested = parseRef(positional[2]);
  if (positional.length > 3) throw new UsageError(`Unexpected argument '${shown(positional[3])}'. Usage: dokku ${SYNC_USAGE}`);
  const build = set.has('--build') || set.has('--build-if-changes');
  // Checked first: without the server nothing could be deployed, and nothing should be fetched.
  const platform = build ? requirePlatform(services) : undefined;
  const o = out(inv);
  const repo = await ensureRepo(services, app);
  let branch = await deployBranch(services, app);
  const current = await revParse(repo, `refs/heads/${branch}`);
  const shownRemote = `${shown(remote, 120)}#${requested ?? ''}`;
  if (current) log.verbose(o, `Fetching remote code for ${app} from ${shownRemote}`);
  else log.info1(o, `Cloning ${app} from ${shownRemote}`);

  const space = `refs/slipway-sync/${randomBytes(8).toString('hex')}`;
  try {
    // As the dokku user: git:auth's netrc for HTTPS, the deploy key and git:allow-host's known_hosts for SSH.
    const fetched = await fetchRef(repo, remote, requested ?? branch, space, inv.signal, remoteGitEnv(services.store.layout));
    // A first sync of a branch makes it the deploy branch, as Dokku's clone does.
    const adopt = !current && requested !== undefined && fetched.isBranch && !set.has('--skip-deploy-branch') && isValidBranchName(requested) && requested !== branch;
    if (adopt) {
      log.verbose(o, `Detected branch, setting deploy-branch to ${requested}`);
      branch = requested;
    }
    const before = adopt ? await revParse(repo, `refs/heads/${branch}`) : current;
    if (set.has('--build-if-changes') && before === fetched.rev) {
      log.verbose(o, 'Skipping build as no changes were detected');
      return;
    }
    if (platform) await platform.deployRevision(app, fetched.rev, o, inv);
    await moveBranch(repo, branch, fetched.rev, before, `git:sync from ${remote}`);
    if (adopt) await services.store.properties.set('git', app, 'deploy-branch', branch);
    await pointHead(services, app, branch);
    if (platform) await announce(services, app, fetched.rev, inv, ctx);
  } finally {
    await dropNamespace(repo, space).catch((error: Error) => log.warn(o, error.message));
  }
}

export const syncCommands: CoreCommand[] = [
  {
    name: 'git:sync',
    // Admins only: the remote is any URL or path the server can reach (another app's repo on this
    // host, a service on its private network); Dokku has no per-app rule, so the server-wide one applies.
    access: { who: 'admin', app: 0 },
    options: ['--build', '--build-if-changes', '--skip-deploy-branch'],
    help: { usage: 'git:sync [--build|--build-if-changes] <app> <repository> [<git-ref>]', description: 'Clone or fetch an app from remote git repo' },
    run: (inv, services, ctx) => gitSync(inv, services, ctx),
  },
  {
    name: 'git:initialize',
    help: { usage: 'git:initialize <app>', description: 'Initialize a git repository for an app' },
    async run(inv, services) {
      const app = await existingApp(services, inv.options.positional[0]);
      log.info1(out(inv), `Initializing git repository for ${app}`);
      await ensureRepo(services, app);
    },
  },
  {
    name: 'git:status',
    help: { usage: 'git:status <app>', description: 'Show the state of the app\'s repository: deploy branch and its commit' },
    async run(inv, services) {
      const app = await existingApp(services, inv.options.positional[0]);
      const repo = await ensureRepo(services, app);
      const branch = await deployBranch(services, app);
      const rev = await revParse(repo, `refs/heads/${branch}`);
      inv.io.stdout.write(`On branch ${branch}\n`);
      if (!rev) {
        inv.io.stdout.write('\nNo commits yet\n');
        return;
      }
      inv.io.stdout.write(await git(['--git-dir', repo, 'log', '-1', '--format=commit %H%nAuthor: %an <%ae>%nDate:   %ad%n%n    %s', rev]));
    },
  },
];
