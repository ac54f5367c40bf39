// git:from-archive — Dokku's deploy from a tar, tar.gz or zip archive: read it (stdin, file:// or
// http(s)), unpack it safely, commit it onto the deploy branch as Dokku's automated commit and
// deploy that commit; the branch moves only once the deploy succeeded.
import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import type { CoreCommand } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { RunContext } from '../plugins/host.js';
import type { Services } from '../services.js';
import { existingApp, out } from '../core/shared/invocation.js';
import { requirePlatform } from '../core/shared/platform.js';
import { log } from '../log.js';
import { AccessDenied, SlipwayError, UsageError } from '../errors.js';
import { shown } from '../names.js';
import { GLOBAL } from '../store/index.js';
import { extractTarSafely, type ExtractOptions, type Refusal } from '../os/safe-extract.js';
import { extractZipSafely } from '../os/safe-unzip.js';
import { BadArchive, parseArchiveSource, readArchive } from './archive-input.js';
import { deployDirectory } from './commit-dir.js';

const USAGE = 'git:from-archive [--archive-type tar|tar.gz|zip] <app> <archive-url|--> [<git-username> <git-email>]';
const TYPES = ['tar', 'tar.gz', 'zip'];
export const DEFAULT_MAX_FILES = 10000;
export const DEFAULT_MAX_SIZE = 1073741824;

/** Dokku's own argument loop: `--archive-type VALUE` anywhere, every other word positional (`--` too). */
function parseArgs(args: readonly string[]): { type: string; positional: string[] } {
  let type = 'tar';
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--archive-type') {
      if (i + 1 >= args.length) throw new UsageError('--archive-type requires a value');
      type = args[++i];
    } else if (args[i].startsWith('--archive-type=')) type = args[i].slice('--archive-type='.length);
    else positional.push(args[i]);
  }
  return { type, positional };
}

async function limit(services: Services, property: string, fallback: number): Promise<number> {
  const value = Number((await services.store.properties.get('git', GLOBAL, property))?.trim());
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

function refused(refusal: Refusal): BadArchive {
  switch (refusal.kind) {
    case 'entries': return new BadArchive(`Archive exceeds maximum allowed number of files (${refusal.limit})`);
    case 'bytes': return new BadArchive(`Archive exceeds maximum allowed size of ${refusal.limit} bytes`);
    case 'type': return new BadArchive(`Refusing archive entry ${shown(refusal.entry)}: unsupported entry type ${refusal.type}`);
    default: return new BadArchive(`Refusing archive entry ${shown(refusal.entry)}: it would reach outside the build context (${refusal.kind})`);
  }
}

type Format = 'tar' | 'gzip' | 'zip';

/** The format by its magic bytes whatever --archive-type says (GNU tar does the same for gzip). */
async function formatOf(file: string): Promise<Format> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    // A local file header, or the end record alone (an empty zip).
    if (bytesRead === 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
    return 'tar';
  } finally {
    await handle.close();
  }
}

async function unpack(file: string, dest: string, maxFiles: number, maxBytes: number): Promise<void> {
  const options: ExtractOptions = { maxEntries: maxFiles, maxBytes, refused, allowDangling: true };
  const format = await formatOf(file);
  let source: Readable | undefined;
  try {
    if (format === 'zip') {
      await extractZipSafely(file, dest, options);
    } else {
      source = createReadStream(file);
      if (format === 'gzip') source = source.pipe(zlib.createGunzip());
      await extractTarSafely(source, dest, options);
    }
  } catch (error) {
    if (error instanceof SlipwayError) throw error;
    throw new BadArchive(`Unable to extract the archive: ${(error as Error).message}`, { cause: error });
  } finally {
    source?.destroy();
  }
}

/** Dokku drops one top-level folder that holds everything (GitHub's tarballs have one). */
async function contextRoot(dir: string, o: ReturnType<typeof out>): Promise<string> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  if (entries.length === 0) throw new BadArchive('The archive holds no files');
  if (entries.length === 1 && entries[0].isDirectory()) {
    log.verbose(o, 'Stripping top-level archive folder components');
    return path.join(dir, entries[0].name);
  }
  log.verbose(o, 'Moving unarchived files and folders into place');
  return dir;
}

async function fromArchive(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const { type, positional } = parseArgs(inv.args);
  const app = await existingApp(services, positional[0]);
  const source = parseArchiveSource(positional[1]);
  if (!TYPES.includes(type)) throw new UsageError('Invalid archive type specified, valid archive types include: tar, tar.gz, zip');
  if (positional.length > 4) throw new UsageError(`Unexpected argument '${shown(positional[4])}'. Usage: dokku ${USAGE}`);
  // A URL is fetched by the server (any file it can read, any host it can reach): admins only.
  if (source.kind !== 'stdin' && inv.identity.remote && !inv.identity.admin) throw new AccessDenied();
  const author = { name: positional[2] || 'Dokku', email: positional[3] || 'automated@dokku.sh' };
  requirePlatform(services);
  const o = out(inv);
  const maxSize = await limit(services, 'archive-max-size', DEFAULT_MAX_SIZE);
  const maxFiles = await limit(services, 'archive-max-files', DEFAULT_MAX_FILES);

  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-archive-'));
  try {
    const file = path.join(scratch, `src.${type}`);
    if (source.kind === 'stdin') log.info1(o, `Fetching ${type} file from stdin`);
    else log.info1(o, `Downloading ${type} file from ${shown(source.url, 120)}`);
    const size = await readArchive(source, inv.io.stdin, file, maxSize, inv.signal);
    log.verbose(o, `${size} bytes received`);
    log.info1(o, 'Generating build context');
    const unpacked = path.join(scratch, 'context');
    await fs.mkdir(unpacked);
    await unpack(file, unpacked, maxFiles, maxSize);
    const dir = await contextRoot(unpacked, o);

    await deployDirectory({ inv, services, ctx, app, dir, scratch, author, reason: 'git:from-archive' });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

export const fromArchiveCommand: CoreCommand = {
  name: 'git:from-archive',
  // Declared for the router, which finds the app after it; the command reads its own words
  // (Dokku's `--` for stdin must stay a word).
  options: ['--archive-type='],
  help: { usage: 'git:from-archive [--archive-type tar|tar.gz] <app> <archive-url|--> [<git-username> <git-email>]', description: 'Updates an app\'s git repository with a given archive file and deploys it' },
  run: (inv, services, ctx) => fromArchive(inv, services, ctx),
};
