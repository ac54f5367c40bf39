// Writes a pushed commit's tree into a release directory: `git archive` (with the hook's env, so
// quarantined objects are readable) streamed through tar-stream; escaping entries are refused.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import tar from 'tar-stream';
import { DeployFailed } from '../errors.js';
import { shown } from '../names.js';
import { hostEnv } from '../scheduler/host-env.js';

export const REV = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

export interface ExtractRequest {
  repoDir: string;
  rev: string;
  gitEnv: Record<string, string>;
  dest: string;
  signal: AbortSignal;
}

function refuse(name: string, why: string): DeployFailed {
  return new DeployFailed(`Refusing archive entry ${shown(name)}: ${why}`);
}

/** Creates each missing directory of rel under root; refuses a path that runs through a symlink. */
async function ensureDirs(root: string, rel: string, name: string): Promise<void> {
  let current = root;
  for (const part of rel.split('/').filter((p) => p && p !== '.')) {
    current = path.join(current, part);
    const stat = await fsp.lstat(current).catch(() => undefined);
    if (!stat) await fsp.mkdir(current, { mode: 0o755 });
    else if (stat.isSymbolicLink()) throw refuse(name, 'it is inside a symlink');
    else if (!stat.isDirectory()) throw refuse(name, 'its parent is not a directory');
  }
}

/** Reads an entry's data to its end (tar-stream needs every entry consumed before the next). */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const chunk of stream) void chunk;
}

/** Streams an entry's data into a new file (never an existing one), honouring backpressure. */
async function writeFile(stream: AsyncIterable<unknown>, target: string, mode: number): Promise<void> {
  const file = fs.createWriteStream(target, { flags: 'wx', mode });
  try {
    await once(file, 'open');
    for await (const chunk of stream) {
      if (!(chunk instanceof Uint8Array)) throw new Error('unexpected archive data');
      if (!file.write(chunk)) await once(file, 'drain');
    }
  } catch (error) {
    file.destroy();
    throw error;
  }
  file.end();
  await once(file, 'close');
}

async function writeEntry(root: string, header: tar.Header, stream: AsyncIterable<unknown>): Promise<void> {
  const name = header.name.replace(/\/+$/, '');
  if (name === '' || name === '.') return drain(stream);
  if (name.startsWith('/') || path.isAbsolute(name)) throw refuse(name, 'absolute path');
  if (name.split('/').includes('..')) throw refuse(name, 'contains ..');
  const target = path.join(root, name);
  if (!target.startsWith(root + path.sep)) throw refuse(name, 'outside the release directory');
  const rel = path.relative(root, target);
  switch (header.type) {
    case 'directory':
      await ensureDirs(root, rel, name);
      return drain(stream);
    case 'file':
    case 'contiguous-file': {
      await ensureDirs(root, path.dirname(rel), name);
      const mode = (header.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
      await writeFile(stream, target, mode);
      return;
    }
    case 'symlink': {
      const link = header.linkname ?? '';
      if (!link || path.isAbsolute(link)) throw refuse(name, 'symlink to an absolute path');
      const resolved = path.resolve(path.dirname(target), link);
      if (resolved !== root && !resolved.startsWith(root + path.sep)) throw refuse(name, 'symlink leaves the release directory');
      await ensureDirs(root, path.dirname(rel), name);
      await fsp.symlink(link, target);
      return drain(stream);
    }
    default:
      throw refuse(name, `unsupported entry type ${header.type ?? 'unknown'}`);
  }
}

/** Extract `rev` of the bare repo into dest (an existing, empty directory). */
export async function extractRevision(request: ExtractRequest): Promise<void> {
  if (!REV.test(request.rev)) throw new DeployFailed(`Invalid revision ${shown(request.rev)}`);
  const root = path.resolve(request.dest);
  const git = spawn('git', ['archive', '--format=tar', request.rev], {
    cwd: request.repoDir,
    env: { ...hostEnv(), GIT_DIR: request.repoDir, ...request.gitEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  git.stderr!.setEncoding('utf8');
  git.stderr!.on('data', (chunk: string) => { if (stderr.length < 4096) stderr += chunk; });
  const exited = new Promise<number | null>((resolve, reject) => {
    git.once('error', reject);
    git.once('close', (code) => resolve(code));
  });
  const onAbort = () => git.kill('SIGKILL');
  request.signal.addEventListener('abort', onAbort, { once: true });
  const extract = tar.extract();
  git.stdout!.on('error', (error) => extract.destroy(error));
  git.stdout!.pipe(extract);
  try {
    for await (const entry of extract) await writeEntry(root, entry.header, entry);
  } catch (error) {
    git.kill('SIGKILL');
    await exited.catch(() => null);
    if (error instanceof DeployFailed) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new DeployFailed(`No space left on the data disk to extract ${request.rev.slice(0, 7)}; nothing was deployed`, { cause: error });
    }
    const detail = stderr.trim().split('\n')[0] || (error as Error).message;
    throw new DeployFailed(`Cannot read revision ${request.rev.slice(0, 7)}: ${detail}`, { cause: error });
  } finally {
    request.signal.removeEventListener('abort', onAbort);
  }
  const code = await exited.catch((error: Error) => { throw new DeployFailed(`Cannot run git archive: ${error.message}`, { cause: error }); });
  if (code !== 0) {
    throw new DeployFailed(`Cannot read revision ${request.rev.slice(0, 7)}: ${stderr.trim().split('\n')[0] || `git archive exited ${code}`}`);
  }
}
