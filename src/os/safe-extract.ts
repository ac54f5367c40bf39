// The one way an archive is unpacked (pushed trees, plugin archives, git:from-archive's tar and
// zip): into an empty folder, streaming, refusing anything that could reach outside it or grow without bound.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { isInside } from './inside.js';
import { isMissing } from './missing.js';

/** Why an archive was refused; each caller words it for its own users (see ExtractOptions.refused). */
export type Refusal =
  | { kind: 'nul' | 'absolute' | 'dotdot' | 'through-symlink' | 'through-file' | 'duplicate' | 'link-absolute' | 'link-leaves'; entry: string }
  | { kind: 'type'; entry: string; type: string }
  | { kind: 'entries' | 'bytes'; limit: number }
  /** Found by the check of the finished tree: a link that leaves through other links, or leads nowhere. */
  | { kind: 'tree-link-leaves' | 'tree-link-dangling'; entry: string };

export interface LinkCheckOptions {
  /** Builds the error thrown for a refusal. */
  refused: (refusal: Refusal) => Error;
  /** A link to nothing (that stays inside) is accepted: a pushed tree may hold one. Default: refused. */
  allowDangling?: boolean;
  /** Top-level names the check does not enter (a clone's `.git`). */
  skipTop?: string[];
}

export interface ExtractOptions extends LinkCheckOptions {
  maxEntries: number;
  /** Total bytes of all files. */
  maxBytes: number;
  /** Permission bits of a new file, from the header's mode (default: the mode without group/other write). */
  fileMode?: (mode: number) => number;
}

/** Links followed while resolving one symlink before it counts as a loop (the kernel's own limit). */
const MAX_HOPS = 40;

/**
 * One entry of an archive, whatever its format: tar (below) and zip (safe-unzip.ts) both become a
 * stream of these, so both pass the same checks. `body` is read only for files; `skip` drains it.
 */
export interface ArchiveEntry {
  name: string;
  /** 'file', 'directory', 'symlink', or the format's name for anything else (refused). */
  type: string;
  mode?: number;
  linkname?: string;
  body(): AsyncIterable<Buffer> | Promise<AsyncIterable<Buffer>>;
  skip(): void;
}

/**
 * Unpacks every entry of `source` (plain tar bytes) under `dest`, an existing empty folder, with
 * the checks of extractEntriesSafely. Other failures (ENOSPC, a broken stream) are thrown as they
 * are. On any failure the caller removes dest: what was written so far stays inside it.
 */
export async function extractTarSafely(source: Readable, dest: string, options: ExtractOptions): Promise<void> {
  const extract = tar.extract();
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract);
  async function* entries(): AsyncGenerator<ArchiveEntry> {
    for await (const entry of extract) {
      const { header } = entry;
      const type = header.type === 'contiguous-file' ? 'file' : header.type ?? 'file';
      yield { name: header.name, type, mode: header.mode, linkname: header.linkname ?? undefined, body: () => entry as AsyncIterable<Buffer>, skip: () => entry.resume() };
    }
  }
  try {
    await extractEntriesSafely(entries(), dest, options);
  } catch (error) {
    extract.destroy();
    source.destroy();
    throw error;
  }
}

/**
 * Writes `entries` under `dest`, an existing empty folder. Refused, before anything is written
 * for the entry: a NUL byte in a name or link target, an absolute path, a `..` component, a path
 * through a symlink or a file, a name seen before, a symlink to an absolute path or one that
 * leaves dest, any type but file, directory and symlink, more than maxEntries entries or maxBytes
 * bytes. Once unpacked, every symlink is resolved through the tree, so a chain of links that
 * together leave dest is refused too.
 */
export async function extractEntriesSafely(entries: AsyncIterable<ArchiveEntry>, dest: string, options: ExtractOptions): Promise<void> {
  const root = path.resolve(dest);
  const refuse = options.refused;
  const fileMode = options.fileMode ?? ((mode: number) => mode & 0o755);
  let bytes = 0;
  let count = 0;
  for await (const entry of entries) {
    if (++count > options.maxEntries) throw refuse({ kind: 'entries', limit: options.maxEntries });
    const name = entry.name;
    const parts = entryParts(name, refuse);
    if (parts.length === 0) { entry.skip(); continue; }
    const target = path.join(root, ...parts);
    await ensureDir(root, parts.slice(0, -1), name, refuse);
    if (entry.type === 'directory') {
      await ensureDir(root, parts, name, refuse);
      entry.skip();
    } else if (entry.type === 'file') {
      // 'wx': a new file only; never through a symlink left at that name.
      const handle = await fs.open(target, 'wx', fileMode(entry.mode ?? 0o644)).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST' ? refuse({ kind: 'duplicate', entry: name }) : error;
      });
      try {
        for await (const chunk of await entry.body()) {
          bytes += chunk.length;
          if (bytes > options.maxBytes) throw refuse({ kind: 'bytes', limit: options.maxBytes });
          await handle.write(chunk);
        }
      } finally {
        await handle.close();
      }
    } else if (entry.type === 'symlink') {
      const link = entry.linkname ?? '';
      if (link.includes('\0')) throw refuse({ kind: 'nul', entry: name });
      if (!link || path.isAbsolute(link)) throw refuse({ kind: 'link-absolute', entry: name });
      if (!isInside(root, path.resolve(path.dirname(target), link))) throw refuse({ kind: 'link-leaves', entry: name });
      await fs.symlink(link, target).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST' ? refuse({ kind: 'duplicate', entry: name }) : error;
      });
      entry.skip();
    } else {
      throw refuse({ kind: 'type', entry: name, type: entry.type });
    }
  }
  await checkLinks(root, options);
}

/** The entry's path as safe components (empty for the archive's root itself), or a refusal. */
function entryParts(name: string, refuse: (refusal: Refusal) => Error): string[] {
  if (name.includes('\0')) throw refuse({ kind: 'nul', entry: name });
  if (name.startsWith('/') || path.isAbsolute(name) || /^[A-Za-z]:[\\/]/.test(name)) throw refuse({ kind: 'absolute', entry: name });
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refuse({ kind: 'dotdot', entry: name });
  return parts;
}

/** mkdir -p under root that refuses to pass through (or replace) a symlink or a file. */
async function ensureDir(root: string, parts: string[], name: string, refuse: (refusal: Refusal) => Error): Promise<void> {
  let dir = root;
  for (const part of parts) {
    dir = path.join(dir, part);
    const stat = await fs.lstat(dir).catch((error: unknown) => { if (isMissing(error)) return undefined; throw error; });
    if (!stat) await fs.mkdir(dir, { mode: 0o755 });
    else if (stat.isSymbolicLink()) throw refuse({ kind: 'through-symlink', entry: name });
    else if (!stat.isDirectory()) throw refuse({ kind: 'through-file', entry: name });
  }
}

/**
 * Every symlink under root must lead inside root when followed the way the kernel follows it, link
 * after link: a chain can leave a folder even when each link alone looks harmless (`s -> .` and
 * `up -> s/..`). Refuses the first that leaves (or that leads nowhere, unless allowDangling).
 */
export async function checkLinks(root: string, options: LinkCheckOptions): Promise<void> {
  const realRoot = await fs.realpath(root);
  const skip = new Set(options.skipTop ?? []);
  const walk = async (dir: string): Promise<void> => {
    // Sorted: the same tree always gets the same refusal.
    const items = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const item of items) {
      if (dir === realRoot && skip.has(item.name)) continue;
      const full = path.join(dir, item.name);
      if (item.isSymbolicLink()) {
        const where = await destination(realRoot, full);
        const entry = path.relative(realRoot, full);
        if (where === 'outside') throw options.refused({ kind: 'tree-link-leaves', entry });
        if (where === 'nowhere' && !options.allowDangling) throw options.refused({ kind: 'tree-link-dangling', entry });
      } else if (item.isDirectory()) {
        await walk(full);
      }
    }
  };
  await walk(realRoot);
}

/**
 * Where the symlink at `link` (inside root, in a folder that is no link) leads: its target is
 * followed one component at a time; `..` and every link met on the way are applied as the kernel
 * applies them, and the answer is 'outside' as soon as a step leaves root. A missing component
 * ends the walk ('nowhere', unless the rest, read as plain names, already leaves root).
 */
async function destination(root: string, link: string): Promise<'inside' | 'outside' | 'nowhere'> {
  let dir = path.dirname(link);
  const first = await fs.readlink(link);
  if (path.isAbsolute(first)) return 'outside';
  const pending = first.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      dir = path.dirname(dir);
      if (!isInside(root, dir)) return 'outside';
      continue;
    }
    const next = path.join(dir, part);
    const stat = await fs.lstat(next).catch((error: unknown) => { if (isMissing(error)) return undefined; throw error; });
    if (!stat) return isInside(root, path.resolve(next, ...pending)) ? 'nowhere' : 'outside';
    if (stat.isSymbolicLink()) {
      if (++hops > MAX_HOPS) return 'nowhere'; // a loop (ELOOP): leads nowhere
      const target = await fs.readlink(next);
      if (path.isAbsolute(target)) return 'outside';
      // Resolved from the folder holding that link: dir stays.
      pending.unshift(...target.split('/'));
      continue;
    }
    if (!stat.isDirectory() && pending.some((p) => p !== '' && p !== '.')) return 'nowhere'; // ENOTDIR
    dir = next;
  }
  return 'inside';
}
