// Gets a plugin's files into a staging folder: git clone (URL, file:// or a local repo), a
// tarball (path, file:// or http(s) URL) or a plain local folder. Git runs with an argv, never a
// shell, through the one runner (src/os/spawn.ts): an abort stops its whole group (ssh, remote helpers).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runChild } from '../os/spawn.js';
import { SlipwayError, UsageError } from '../errors.js';
import { shown } from '../names.js';
import { checkTree, extractTar, pluginRoot } from './archive.js';

export type PluginSource =
  | { kind: 'git'; location: string }
  | { kind: 'tar'; location: string; remote: boolean }
  | { kind: 'dir'; location: string };

export class FetchFailed extends SlipwayError {
  constructor(message: string) { super('E_PLUGIN_FETCH', message, 1); }
}

const TARBALL = /\.(tar|tar\.gz|tgz)$/i;
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/\\-]/;
/** A branch, tag or commit: no option-looking or shell-looking characters. */
const COMMITTISH = /^[A-Za-z0-9_][A-Za-z0-9._/@^~+-]{0,199}$/;

export function parseCommittish(value: string): string {
  if (!COMMITTISH.test(value) || value.includes('..')) throw new UsageError(`Invalid committish: ${shown(value)}`);
  return value;
}

function isGitRepo(dir: string): boolean {
  return fs.existsSync(path.join(dir, '.git')) || (fs.existsSync(path.join(dir, 'HEAD')) && fs.existsSync(path.join(dir, 'objects')));
}

/** Classifies what plugin:install was given; anything that could be read as an option is refused. */
export function parseSource(raw: string): PluginSource {
  if (!raw || raw.startsWith('-') || /[\0\n\r]/.test(raw)) throw new UsageError(`Invalid plugin source: ${shown(raw)}`);
  if (/^https?:\/\//i.test(raw)) {
    return TARBALL.test(new URL(raw).pathname) ? { kind: 'tar', location: raw, remote: true } : { kind: 'git', location: raw };
  }
  if (/^(git|ssh):\/\//i.test(raw) || SCP_LIKE.test(raw)) return { kind: 'git', location: raw };
  let local: string;
  if (/^file:\/\//i.test(raw)) {
    local = fileURLToPath(raw);
  } else if (path.isAbsolute(raw)) {
    local = raw;
  } else {
    throw new UsageError(`Plugin source ${shown(raw)} must be a git URL, a file:// URL or an absolute path`);
  }
  if (TARBALL.test(local)) return { kind: 'tar', location: local, remote: false };
  const stat = fs.statSync(local, { throwIfNoEntry: false });
  if (stat?.isDirectory() && !isGitRepo(local)) return { kind: 'dir', location: local };
  // A git repo, or a path that does not exist: let git say what is wrong with it.
  return { kind: 'git', location: /^file:\/\//i.test(raw) ? raw : local };
}

/** Dokku's rule for a name taken from a URL: the last path part, without .git/.tar.gz and `dokku-`. */
export function nameFromSource(raw: string): string {
  const trimmed = raw.replace(/[/\\]+$/, '');
  const last = trimmed.split(/[/:\\]/).pop() ?? '';
  return last.replace(/\.git$/i, '').replace(TARBALL, '').replace(/^dokku-/, '');
}

/** Git sees none of the server's GIT_* variables, and never waits for a password. */
function gitEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH || '/usr/bin:/bin' };
  for (const name of ['HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'http_proxy', 'https_proxy', 'no_proxy']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...GIT_ENV };
}

const GIT_ENV: Record<string, string> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'true',
  SSH_ASKPASS: 'true',
  GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** ext:: runs commands and hooks run code: neither has any place in fetching a plugin. */
const GIT_SAFETY = ['-c', 'protocol.ext.allow=never', '-c', 'core.hooksPath=/dev/null', '-c', 'advice.detachedHead=false'];

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.pop() ?? 'unknown error').replace(/^(fatal|error): /, '');
}

/** What git prints for a clone, a checkout or rev-parse is short; a git printing more is stopped. */
const MAX_GIT_OUTPUT = 1024 * 1024;

async function git(args: string[], cwd: string | undefined, signal: AbortSignal): Promise<string> {
  const result = await runChild({
    file: 'git', args: [...GIT_SAFETY, ...args], cwd, env: gitEnv(), stdout: 'capture', stderr: 'capture', signal, maxCaptureBytes: MAX_GIT_OUTPUT,
  });
  if (result.overflow) throw new FetchFailed(`git ${args[0]} printed more than ${MAX_GIT_OUTPUT} bytes`);
  if (result.status !== 0) throw new FetchFailed(lastLine(result.stderr || result.stdout || (result.startError ? `cannot run git: ${result.startError.message}` : `git exited ${result.status}`)));
  return result.stdout.trim();
}

export interface Fetched { commit?: string }

async function fetchGit(location: string, dest: string, committish: string | undefined, signal: AbortSignal): Promise<Fetched> {
  try {
    await git(['clone', '--quiet', '--no-recurse-submodules', '--', location, dest], undefined, signal);
  } catch (error) {
    if (error instanceof FetchFailed) throw new FetchFailed(`Cannot clone ${shown(location, 120)}: ${error.message}`);
    throw error;
  }
  if (committish) {
    try {
      await git(['checkout', '--quiet', committish, '--'], dest, signal);
    } catch (error) {
      if (error instanceof FetchFailed) throw new FetchFailed(`Cannot check out ${committish}: ${error.message}`);
      throw error;
    }
  }
  return { commit: await git(['rev-parse', 'HEAD'], dest, signal) };
}

async function openTarball(source: PluginSource & { kind: 'tar' }, signal: AbortSignal): Promise<Readable> {
  if (!source.remote) {
    const stream = fs.createReadStream(source.location);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error) => reject(new FetchFailed(`Cannot read ${shown(source.location, 120)}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)));
    });
    return stream;
  }
  let response: Response;
  try {
    response = await fetch(source.location, { signal, redirect: 'follow' });
  } catch (error) {
    throw new FetchFailed(`Cannot download ${shown(source.location, 120)}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) throw new FetchFailed(`Cannot download ${shown(source.location, 120)}: HTTP ${response.status}`);
  return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

/**
 * Puts the plugin's files at `dest` (which must not exist yet; its parent is a staging folder).
 * Symlinks that leave the plugin are refused whatever the source.
 */
export async function fetchPlugin(source: PluginSource, dest: string, committish: string | undefined, signal: AbortSignal): Promise<Fetched> {
  if (committish && source.kind !== 'git') throw new UsageError('--committish needs a git source');
  let fetched: Fetched = {};
  if (source.kind === 'git') {
    fetched = await fetchGit(source.location, dest, committish, signal);
  } else if (source.kind === 'dir') {
    await fsp.cp(source.location, dest, { recursive: true, verbatimSymlinks: true, errorOnExist: true });
  } else {
    const unpacked = `${dest}.unpacked`;
    await fsp.mkdir(unpacked);
    await extractTar(await openTarball(source, signal), unpacked);
    await fsp.rename(await pluginRoot(unpacked), dest);
  }
  await checkTree(dest);
  return fetched;
}
