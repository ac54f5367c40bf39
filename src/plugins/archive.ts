// Unpacks a plugin tarball (plain or gzip) into an empty folder, streaming, and refuses anything
// that could write outside it: absolute paths, `..`, writes through symlinks, links that leave it.
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { SlipwayError } from '../errors.js';
import { shown } from '../names.js';

export const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
export const MAX_ARCHIVE_ENTRIES = 20_000;

export class ArchiveRefused extends SlipwayError {
  constructor(message: string) { super('E_BAD_ARCHIVE', message, 1); }
}

function inside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The entry's path as safe components, or a refusal naming the entry. */
function entryParts(name: string): string[] {
  if (name.includes('\0')) throw new ArchiveRefused(`Archive entry ${shown(name)} has a NUL byte in its name`);
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) {
    throw new ArchiveRefused(`Archive entry ${shown(name)} has an absolute path`);
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ArchiveRefused(`Archive entry ${shown(name)} leaves the plugin folder (..)`);
  return parts;
}

/** mkdir -p that refuses to pass through (or replace) a symlink. */
async function ensureDir(root: string, parts: string[], name: string): Promise<void> {
  let dir = root;
  for (const part of parts) {
    dir = path.join(dir, part);
    const stat = await fs.lstat(dir).catch(() => undefined);
    if (!stat) {
      await fs.mkdir(dir, { mode: 0o755 });
    } else if (stat.isSymbolicLink()) {
      throw new ArchiveRefused(`Archive entry ${shown(name)} goes through a symlink`);
    } else if (!stat.isDirectory()) {
      throw new ArchiveRefused(`Archive entry ${shown(name)} goes through a file`);
    }
  }
}

function looksGzipped(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Reads the first bytes to pick plain tar or gzip, then hands back one stream of tar bytes. */
async function tarBytes(input: Readable): Promise<Readable> {
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    const onReadable = () => { cleanup(); resolve(input.read() as Buffer | null); };
    const onEnd = () => { cleanup(); resolve(null); };
    const onError = (error: Error) => { cleanup(); reject(error); };
    const cleanup = () => { input.off('readable', onReadable); input.off('end', onEnd); input.off('error', onError); };
    input.once('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', onError);
  });
  if (first === null) throw new ArchiveRefused('The archive is empty');
  input.unshift(first);
  if (!looksGzipped(first)) return input;
  const gunzip = zlib.createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  return input.pipe(gunzip);
}

/**
 * Extract every entry under `dest` (an existing empty folder). Symlinks must point inside dest;
 * nothing is written through a symlink; files are created exclusively (a duplicate is refused).
 * On refusal the caller removes dest: what was written so far stays inside it.
 */
export async function extractTar(input: Readable, dest: string): Promise<void> {
  const source = await tarBytes(input);
  const extract = tar.extract();
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract);
  let bytes = 0;
  let count = 0;
  try {
    for await (const entry of extract) {
      const { header } = entry;
      if (++count > MAX_ARCHIVE_ENTRIES) throw new ArchiveRefused(`The archive has more than ${MAX_ARCHIVE_ENTRIES} entries`);
      const parts = entryParts(header.name);
      if (parts.length === 0) { entry.resume(); continue; }
      const target = path.join(dest, ...parts);
      await ensureDir(dest, parts.slice(0, -1), header.name);
      const type = header.type ?? 'file';
      if (type === 'directory') {
        await ensureDir(dest, parts, header.name);
        entry.resume();
      } else if (type === 'file' || type === 'contiguous-file') {
        const handle = await fs.open(target, 'wx', (header.mode ?? 0o644) & 0o755).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EEXIST') throw new ArchiveRefused(`Archive entry ${shown(header.name)} appears twice`);
          throw error;
        });
        try {
          for await (const chunk of entry) {
            bytes += (chunk as Buffer).length;
            if (bytes > MAX_ARCHIVE_BYTES) throw new ArchiveRefused(`The archive unpacks to more than ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB`);
            await handle.write(chunk as Buffer);
          }
        } finally {
          await handle.close();
        }
      } else if (type === 'symlink') {
        const link = header.linkname ?? '';
        if (!link || path.isAbsolute(link) || !inside(dest, path.resolve(path.dirname(target), link))) {
          throw new ArchiveRefused(`Archive entry ${shown(header.name)} is a symlink that leaves the plugin folder`);
        }
        await fs.symlink(link, target);
        entry.resume();
      } else {
        throw new ArchiveRefused(`Archive entry ${shown(header.name)} is a ${type}, which plugins may not contain`);
      }
    }
  } catch (error) {
    extract.destroy();
    source.destroy();
    if (error instanceof SlipwayError) throw error;
    throw new ArchiveRefused(`Cannot unpack the archive: ${(error as Error).message.split('\n')[0]}`);
  }
  await checkTree(dest);
}

/**
 * Every symlink under root (except inside .git) must resolve to something inside root: a chain
 * of links can leave a folder even when each link alone looks harmless.
 */
export async function checkTree(root: string): Promise<void> {
  const realRoot = await fs.realpath(root);
  const walk = async (dir: string): Promise<void> => {
    for (const item of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, item.name);
      if (item.isSymbolicLink()) {
        const real = await fs.realpath(full).catch(() => undefined);
        const rel = path.relative(root, full);
        if (!real) throw new ArchiveRefused(`Plugin file ${shown(rel)} is a symlink to nothing`);
        if (!inside(realRoot, real)) throw new ArchiveRefused(`Plugin file ${shown(rel)} is a symlink that leaves the plugin folder`);
      } else if (item.isDirectory() && !(dir === root && item.name === '.git')) {
        await walk(full);
      }
    }
  };
  await walk(root);
}

/** A tarball often holds one top folder (`name-1.0/`): the plugin is that folder. */
export async function pluginRoot(unpacked: string): Promise<string> {
  const items = await fs.readdir(unpacked, { withFileTypes: true });
  if (items.length === 1 && items[0].isDirectory()) return path.join(unpacked, items[0].name);
  return unpacked;
}
