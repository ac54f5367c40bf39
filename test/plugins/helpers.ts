// Test helpers for plugin tests: turn a fixture folder into a local git repo (the way an author
// publishes a plugin), add commits and tags, and build tarballs, including hostile ones.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execa } from 'execa';
import tar from 'tar-stream';
import { repoRoot } from '../helpers/server.js';

export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'plugins');

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Plugin Author', GIT_AUTHOR_EMAIL: 'author@example.invalid',
  GIT_COMMITTER_NAME: 'Plugin Author', GIT_COMMITTER_EMAIL: 'author@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};

export async function git(args: string[], cwd: string): Promise<string> {
  const result = await execa('git', args, { cwd, env: GIT_ENV });
  return result.stdout.trim();
}

/** Scripts are executable whatever the checkout did to modes; plugin.toml and data files are not. */
function copyFixture(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const item of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, item.name);
    const dest = path.join(to, item.name);
    if (item.isDirectory()) { copyFixture(src, dest); continue; }
    fs.copyFileSync(src, dest);
    const script = fs.readFileSync(src, 'utf8').startsWith('#!');
    fs.chmodSync(dest, script ? 0o755 : 0o644);
  }
}

/** A git repo at dir holding the fixture (or extra files), one commit on `main`. */
export async function makePluginRepo(dir: string, fixture: string | undefined, extra: Record<string, { text: string; mode?: number }> = {}): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  if (fixture) copyFixture(path.join(fixturesDir, fixture), dir);
  writeFiles(dir, extra);
  await git(['init', '--quiet', '--initial-branch=main'], dir);
  await commitAll(dir, 'first version');
  return dir;
}

export function writeFiles(dir: string, files: Record<string, { text: string; mode?: number }>): void {
  for (const [name, file] of Object.entries(files)) {
    const target = path.join(dir, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.text);
    fs.chmodSync(target, file.mode ?? 0o644);
  }
}

/** Lay a fixture's files over a repo (a new version) and commit them. */
export async function commitFixture(dir: string, fixture: string, message: string): Promise<string> {
  copyFixture(path.join(fixturesDir, fixture), dir);
  return commitAll(dir, message);
}

export async function commitAll(dir: string, message: string): Promise<string> {
  await git(['add', '--all'], dir);
  await git(['commit', '--quiet', '-m', message], dir);
  return git(['rev-parse', 'HEAD'], dir);
}

export interface TarEntry { name: string; text?: string; mode?: number; type?: 'file' | 'directory' | 'symlink'; linkname?: string }

/** Writes a .tar.gz with exactly these entries (names are not cleaned: hostile ones stay hostile). */
export async function makeTarball(file: string, entries: TarEntry[]): Promise<string> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const gzip = zlib.createGzip();
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => { gzip.on('end', resolve); gzip.on('error', reject); });
  pack.pipe(gzip);
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header = { name: entry.name, type, mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644), linkname: entry.linkname };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, entry.text ?? '', (error) => (error ? reject(error) : resolve()));
      else pack.entry(header, (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await done;
  fs.writeFileSync(file, Buffer.concat(chunks));
  return file;
}

export const HELLO_COMMANDS = `#!/usr/bin/env bash
set -eo pipefail
[[ $DOKKU_TRACE ]] && set -x
source "$PLUGIN_CORE_AVAILABLE_PATH/common/functions"
case "$1" in
  help) echo "    greet, Greets from a tarball" ;;
  greet) echo "Greetings from a tarball" ;;
  *) exit "$DOKKU_NOT_IMPLEMENTED_EXIT" ;;
esac
`;
