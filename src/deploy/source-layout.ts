// Where the build finds its sources in the extracted tree, as Dokku's post-extract steps arrange it:
// `builder:set APP build-dir SUB` makes SUB the build root (the rest of the tree goes), then
// `builder-dockerfile:set APP dockerfile-path FILE` moves FILE (relative to that root) to Dockerfile.
// Both refuse paths that leave the tree or pass through a symlink: the tree came from a push.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeployFailed } from '../errors.js';
import { isInside } from '../os/inside.js';

/** Resolves `relative` under `root` when no component is a symlink and it stays inside; else undefined. */
async function plainPath(root: string, relative: string): Promise<string | undefined> {
  const target = path.resolve(root, relative);
  if (!isInside(root, target) || target === path.resolve(root)) return undefined;
  let at = path.resolve(root);
  for (const part of path.relative(root, target).split(path.sep)) {
    at = path.join(at, part);
    const stat = await fs.lstat(at).catch(() => undefined);
    if (!stat || stat.isSymbolicLink()) return undefined;
  }
  return target;
}

/** Makes `buildDir` (relative, slashes trimmed as Dokku does) the content of `dir`. */
export async function applyBuildDir(dir: string, buildDir: string): Promise<void> {
  const sub = buildDir.replace(/^\/+|\/+$/g, '');
  if (sub === '') return;
  const source = await plainPath(dir, sub);
  const isDir = source !== undefined && (await fs.lstat(source)).isDirectory();
  if (!isDir) throw new DeployFailed(`Specified build-dir not found in sourcecode working directory: ${sub}`);
  // Moved aside first (the same file system: a rename), then the tree is emptied and refilled.
  const aside = `${dir}.build-dir`;
  await fs.rm(aside, { recursive: true, force: true });
  await fs.rename(source, aside);
  for (const entry of await fs.readdir(dir)) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
  for (const entry of await fs.readdir(aside)) await fs.rename(path.join(aside, entry), path.join(dir, entry));
  await fs.rm(aside, { recursive: true, force: true });
}

/** Moves `dockerfilePath` to `Dockerfile` at the root of `dir` (nothing to do for `Dockerfile`). */
export async function applyDockerfilePath(dir: string, dockerfilePath: string): Promise<void> {
  if (dockerfilePath === '' || dockerfilePath === 'Dockerfile') return;
  const source = await plainPath(dir, dockerfilePath);
  const isFile = source !== undefined && (await fs.lstat(source)).isFile();
  if (!isFile) throw new DeployFailed(`Invalid dockerfile-path specified: ${dockerfilePath}`);
  await fs.rename(source, path.join(dir, 'Dockerfile'));
}
