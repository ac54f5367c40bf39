// The tests' base image, made without a registry: a root filesystem streamed as a tar from Debian's
// busybox-static (one static binary plus a symlink per applet), imported as slipway/busybox:latest.
import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import type { DockerClient, ImageInfo, Labels } from '../../src/docker/index.js';
import { tarBytes } from './docker-tar.js';

export const BASE_IMAGE = 'slipway/busybox:latest';

const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];
const PT_INTERP = 3;

type EntryHeader = Parameters<tar.Pack['entry']>[0];

/** Why the base image cannot be made here, or undefined when it can. */
export async function busyboxProblem(): Promise<string | undefined> {
  const found = await usableBusybox();
  return 'problem' in found ? found.problem : undefined;
}

async function usableBusybox(): Promise<{ path: string } | { problem: string }> {
  const path = await findBusybox();
  if (path === undefined) return { problem: 'busybox is not installed (apt-get install -y busybox-static)' };
  if (await isDynamic(path)) return { problem: `${path} is dynamically linked; install busybox-static instead of busybox` };
  return { path };
}

async function findBusybox(): Promise<string | undefined> {
  for (const path of BUSYBOX_PATHS) {
    try {
      if ((await stat(path)).isFile()) return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return undefined;
}

/** A 64-bit ELF with a PT_INTERP program header needs a dynamic loader the image does not have. */
async function isDynamic(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    await file.read(head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false; // not ELF64: let docker say so
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    await file.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i += 1) if (table.readUInt32LE(i * phentsize) === PT_INTERP) return true;
    return false;
  } finally {
    await file.close();
  }
}

/** `bin/sh`, `usr/sbin/httpd`, …: where busybox itself says each applet lives. */
async function appletPaths(busybox: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(busybox, ['--list-full']);
  return stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '' && l !== 'bin/busybox' && !l.includes('..'));
}

export function addEntry(pack: tar.Pack, header: EntryHeader, content?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null): void => { if (error) reject(error); else resolve(); };
    if (content === undefined) pack.entry(header, done);
    else pack.entry(header, content, done);
  });
}

export async function addFile(pack: tar.Pack, name: string, source: string, mtime: Date, mode = 0o755): Promise<void> {
  const { size } = await stat(source);
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ name, size, mode, type: 'file', mtime }, (error) => (error ? reject(error) : resolve()));
    const input = createReadStream(source);
    input.on('error', (error) => { sink.destroy(error); reject(error); });
    input.pipe(sink);
  });
}

/** What an image built on the busybox root filesystem adds: users, groups, more entries. */
export interface RootfsExtras {
  passwd?: string;
  group?: string;
  /** Adds entries after the base ones (paths the base has must not be added again). */
  fill?: (pack: tar.Pack, mtime: Date) => Promise<void>;
}

/** The root filesystem as a tar stream; entries are produced while the consumer reads. */
export async function busyboxRootfs(extras: RootfsExtras = {}): Promise<AsyncIterable<Buffer>> {
  const found = await usableBusybox();
  if ('problem' in found) throw new Error(found.problem);
  const busybox = found.path;
  const applets = await appletPaths(busybox);
  const pack = tar.pack();
  const mtime = new Date(0);
  const fill = async (): Promise<void> => {
    for (const dir of ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'etc', 'root', 'proc', 'sys', 'dev', 'var', 'var/www']) {
      await addEntry(pack, { name: dir, type: 'directory', mode: 0o755, mtime });
    }
    await addEntry(pack, { name: 'tmp', type: 'directory', mode: 0o1777, mtime });
    await addFile(pack, 'bin/busybox', busybox, mtime);
    for (const applet of applets) {
      await addEntry(pack, { name: applet, type: 'symlink', linkname: '/bin/busybox', mode: 0o777, mtime });
    }
    await addEntry(pack, { name: 'etc/passwd', mode: 0o644, mtime }, `root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n${extras.passwd ?? ''}`);
    await addEntry(pack, { name: 'etc/group', mode: 0o644, mtime }, `root:x:0:\nnogroup:x:65534:\n${extras.group ?? ''}`);
    await extras.fill?.(pack, mtime);
    pack.finalize();
  };
  fill().catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  return tarBytes(pack);
}

/** Import the base image unless it is already there; what this import creates carries `labels`. */
export async function ensureBaseImage(docker: DockerClient, labels: Labels = {}): Promise<ImageInfo> {
  if (await docker.hasImage(BASE_IMAGE)) return docker.findImage(BASE_IMAGE);
  return docker.importImage(await busyboxRootfs(), BASE_IMAGE, {
    changes: ['ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["/bin/sh"]'],
    labels,
  });
}
