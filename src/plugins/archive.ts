// Unpacks a plugin tarball (plain or gzip) into an empty folder through the one safe extraction
// path (src/os/safe-extract.ts), and words its refusals for plugin:install.
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { shown } from '../names.js';
import { checkLinks, extractTarSafely, type Refusal } from '../os/safe-extract.js';

export const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
export const MAX_ARCHIVE_ENTRIES = 20_000;

export class ArchiveRefused extends SlipwayError {
  constructor(message: string) { super('E_BAD_ARCHIVE', message, 1); }
}

function refused(refusal: Refusal): ArchiveRefused {
  const entry = 'entry' in refusal ? `Archive entry ${shown(refusal.entry)}` : '';
  switch (refusal.kind) {
    case 'nul': return new ArchiveRefused(`${entry} has a NUL byte in its name or link target`);
    case 'absolute': return new ArchiveRefused(`${entry} has an absolute path`);
    case 'dotdot': return new ArchiveRefused(`${entry} leaves the plugin folder (..)`);
    case 'through-symlink': return new ArchiveRefused(`${entry} goes through a symlink`);
    case 'through-file': return new ArchiveRefused(`${entry} goes through a file`);
    case 'duplicate': return new ArchiveRefused(`${entry} appears twice`);
    case 'link-absolute':
    case 'link-leaves': return new ArchiveRefused(`${entry} is a symlink that leaves the plugin folder`);
    case 'type': return new ArchiveRefused(`${entry} is a ${refusal.type}, which plugins may not contain`);
    case 'entries': return new ArchiveRefused(`The archive has more than ${refusal.limit} entries`);
    case 'bytes': return new ArchiveRefused(`The archive unpacks to more than ${refusal.limit / 1024 / 1024} MiB`);
    case 'tree-link-leaves': return new ArchiveRefused(`Plugin file ${shown(refusal.entry)} is a symlink that leaves the plugin folder`);
    case 'tree-link-dangling': return new ArchiveRefused(`Plugin file ${shown(refusal.entry)} is a symlink to nothing`);
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
 * Extract every entry under `dest` (an existing empty folder); every symlink must lead inside it,
 * also through other links. On refusal the caller removes dest: what was written so far stays inside it.
 */
export async function extractTar(input: Readable, dest: string): Promise<void> {
  const source = await tarBytes(input);
  try {
    await extractTarSafely(source, dest, { maxEntries: MAX_ARCHIVE_ENTRIES, maxBytes: MAX_ARCHIVE_BYTES, refused });
  } catch (error) {
    if (error instanceof SlipwayError) throw error;
    throw new ArchiveRefused(`Cannot unpack the archive: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Every symlink under root (except inside .git) must lead to something inside root. */
export async function checkTree(root: string): Promise<void> {
  await checkLinks(root, { refused, skipTop: ['.git'] });
}

/** A tarball often holds one top folder (`name-1.0/`): the plugin is that folder. */
export async function pluginRoot(unpacked: string): Promise<string> {
  const items = await fs.readdir(unpacked, { withFileTypes: true });
  if (items.length === 1 && items[0].isDirectory()) return path.join(unpacked, items[0].name);
  return unpacked;
}
