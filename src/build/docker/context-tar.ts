// A build context as a tar stream made from the release's extracted tree, one file at a time
// while the engine reads it: nothing is copied or held in memory beyond the file being sent.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import tar from 'tar-stream';

type EntryHeader = Parameters<tar.Pack['entry']>[0];

// Fixed times and owners: the tree is a fresh extraction on every push, and its metadata must
// not look like a change to the engine's build cache.
const MTIME = new Date(0);

function addEntry(pack: tar.Pack, header: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, (error) => (error ? reject(error) : resolve()));
  });
}

function addFile(pack: tar.Pack, name: string, file: string, size: number, mode: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry({ name, size, mode, mtime: MTIME, type: 'file', uid: 0, gid: 0 }, (error) => (error ? reject(error) : resolve()));
    const input = fs.createReadStream(file);
    input.once('error', (error) => { sink.destroy(error); reject(error); });
    input.pipe(sink);
  });
}

/** Files of the tree sent with other content (`Dockerfile` → the same text with stage labels). */
export type Replacements = Readonly<Record<string, string>>;

function addText(pack: tar.Pack, name: string, text: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, mode, mtime: MTIME, type: 'file', uid: 0, gid: 0 }, text, (error) => (error ? reject(error) : resolve()));
  });
}

async function addTree(pack: tar.Pack, root: string, rel: string, replace: Replacements): Promise<void> {
  const entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const name = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const full = path.join(root, name);
    const stat = await fsp.lstat(full);
    if (stat.isDirectory()) {
      await addEntry(pack, { name, type: 'directory', mode: 0o755, mtime: MTIME, uid: 0, gid: 0 });
      await addTree(pack, root, name, replace);
    } else if (stat.isFile() && Object.hasOwn(replace, name)) {
      await addText(pack, name, replace[name] ?? '', stat.mode & 0o111 ? 0o755 : 0o644);
    } else if (stat.isFile()) {
      await addFile(pack, name, full, stat.size, stat.mode & 0o111 ? 0o755 : 0o644);
    } else if (stat.isSymbolicLink()) {
      // The extraction only let through links that stay inside the tree.
      await addEntry(pack, { name, type: 'symlink', linkname: await fsp.readlink(full), mode: 0o777, mtime: MTIME, uid: 0, gid: 0 });
    }
  }
}

async function* bytes(pack: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of pack) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('tar stream produced a chunk that is not a Buffer');
    yield chunk;
  }
}

/** The directory as a tar byte stream; aborting `signal` ends it with an error. */
export function directoryTar(root: string, signal?: AbortSignal, replace: Replacements = {}): AsyncGenerator<Buffer> {
  const pack = tar.pack();
  const onAbort = (): void => { pack.destroy(new Error('build aborted')); };
  signal?.addEventListener('abort', onAbort, { once: true });
  addTree(pack, path.resolve(root), '', replace).then(
    () => pack.finalize(),
    (error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))),
  ).finally(() => signal?.removeEventListener('abort', onAbort));
  return bytes(pack);
}
