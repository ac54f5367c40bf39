// Writes a pushed commit's tree into a release directory: `git archive` (with the hook's env, so
// quarantined objects are readable) through the one safe extraction path, which refuses any entry
// or chain of symlinks that would reach outside the release directory.
import path from 'node:path';
import { DeployFailed } from '../errors.js';
import { shown } from '../names.js';
import { hostEnv } from '../os/host-env.js';
import { extractTarSafely, type Refusal } from '../os/safe-extract.js';
import { startChild } from '../os/spawn.js';

export const REV = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** A pushed tree larger than this is refused before it fills the data disk. */
export const MAX_TREE_BYTES = 4 * 1024 * 1024 * 1024;
export const MAX_TREE_ENTRIES = 500_000;

export interface ExtractRequest {
  repoDir: string;
  rev: string;
  gitEnv: Record<string, string>;
  dest: string;
  signal: AbortSignal;
}

function refused(refusal: Refusal): DeployFailed {
  const entry = (why: string) => new DeployFailed(`Refusing archive entry ${shown('entry' in refusal ? refusal.entry : '')}: ${why}`);
  switch (refusal.kind) {
    case 'entries': return new DeployFailed(`Refusing the pushed tree: more than ${refusal.limit} entries`);
    case 'bytes': return new DeployFailed(`Refusing the pushed tree: more than ${refusal.limit / 1024 ** 3} GiB of files`);
    case 'nul': return entry('NUL byte in its name or link target');
    case 'absolute': return entry('absolute path');
    case 'dotdot': return entry('contains ..');
    case 'through-symlink': return entry('it is inside a symlink');
    case 'through-file': return entry('its parent is not a directory');
    case 'duplicate': return entry('it appears twice');
    case 'link-absolute': return entry('symlink to an absolute path');
    case 'link-leaves': return entry('symlink leaves the release directory');
    case 'type': return entry(`unsupported entry type ${refusal.type}`);
    case 'tree-link-leaves': return entry('symlink leaves the release directory through other symlinks');
    case 'tree-link-dangling': return entry('symlink to nothing');
  }
}

/** Extract `rev` of the bare repo into dest (an existing, empty directory). */
export async function extractRevision(request: ExtractRequest): Promise<void> {
  if (!REV.test(request.rev)) throw new DeployFailed(`Invalid revision ${shown(request.rev)}`);
  const git = startChild({
    file: 'git',
    args: ['archive', '--format=tar', request.rev],
    cwd: request.repoDir,
    env: { ...hostEnv(), GIT_DIR: request.repoDir, ...request.gitEnv },
    stdout: 'stream',
    stderr: 'capture',
    maxCaptureBytes: 64 * 1024,
    signal: request.signal,
  });
  try {
    // A link to nothing inside the tree is kept (a repo may hold one, e.g. to a build output).
    await extractTarSafely(git.stdout!, path.resolve(request.dest), {
      maxEntries: MAX_TREE_ENTRIES, maxBytes: MAX_TREE_BYTES, refused, allowDangling: true, fileMode: (mode) => (mode & 0o111 ? 0o755 : 0o644),
    });
  } catch (error) {
    // git's whole group, not only git itself.
    git.kill();
    const result = await git.result;
    if (error instanceof DeployFailed) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new DeployFailed(`No space left on the data disk to extract ${request.rev.slice(0, 7)}; nothing was deployed`, { cause: error });
    }
    const detail = result.stderr.trim().split('\n')[0] || (error as Error).message;
    throw new DeployFailed(`Cannot read revision ${request.rev.slice(0, 7)}: ${detail}`, { cause: error });
  }
  const result = await git.result;
  if (result.startError) throw new DeployFailed(`Cannot run git archive: ${result.startError.message}`, { cause: result.startError });
  if (result.status !== 0) {
    throw new DeployFailed(`Cannot read revision ${request.rev.slice(0, 7)}: ${result.stderr.trim().split('\n')[0] || `git archive exited ${result.status}`}`);
  }
}
