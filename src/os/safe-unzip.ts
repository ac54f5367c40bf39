// zip archives, unpacked with the same checks as tar (safe-extract.ts): yauzl reads the central
// directory of a file already on disk (a zip cannot be read front to back) and each entry becomes
// an ArchiveEntry. Sizes the zip declares are checked before anything is inflated.
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type * as Yauzl from 'yauzl';
import { extractEntriesSafely, type ArchiveEntry, type ExtractOptions } from './safe-extract.js';

const yauzl = createRequire(import.meta.url)('yauzl') as typeof Yauzl;

/** A symlink's target is its entry's content: a path, never more than this. */
const MAX_LINK_BYTES = 4096;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
/** versionMadeBy's high byte: 3 is Unix, where the upper 16 bits of the attributes are st_mode. */
const MADE_BY_UNIX = 3;

function typeOf(entry: Yauzl.Entry): { type: string; mode?: number } {
  if (entry.isEncrypted()) return { type: 'encrypted' };
  const unix = entry.versionMadeBy >> 8 === MADE_BY_UNIX;
  const mode = unix ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
  const kind = mode & S_IFMT;
  if (entry.fileName.endsWith('/')) return { type: 'directory' };
  if (kind === S_IFLNK) return { type: 'symlink' };
  if (kind === S_IFDIR) return { type: 'directory' };
  if (kind === 0 || kind === S_IFREG) return { type: 'file', mode: unix && kind ? mode & 0o7777 : 0o644 };
  return { type: `special (mode ${kind.toString(8)})` };
}

async function readAll(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) { stream.destroy(); throw new Error('symlink target too long'); }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** yauzl's own name checks (it refuses absolute and `..` names itself) worded as our refusals. */
function asRefusal(error: Error, options: ExtractOptions): Error {
  const name = /: (.*)$/.exec(error.message)?.[1] ?? '';
  if (/^absolute path/.test(error.message)) return options.refused({ kind: 'absolute', entry: name });
  if (/^invalid relative path/.test(error.message)) return options.refused({ kind: 'dotdot', entry: name });
  return error;
}

/** Unpacks the zip `file` under `dest` (an existing empty folder); the caller removes dest on failure. */
export async function extractZipSafely(file: string, dest: string, options: ExtractOptions): Promise<void> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: true, autoClose: false });
  try {
    if (zip.entryCount > options.maxEntries) throw options.refused({ kind: 'entries', limit: options.maxEntries });
    let declared = 0;
    const entries = async function* (): AsyncGenerator<ArchiveEntry> {
      for (;;) {
        const entry = await new Promise<Yauzl.Entry | undefined>((resolve, reject) => {
          const onEntry = (e: Yauzl.Entry) => { cleanup(); resolve(e); };
          const onEnd = () => { cleanup(); resolve(undefined); };
          const onError = (error: Error) => { cleanup(); reject(asRefusal(error, options)); };
          const cleanup = () => { zip.off('entry', onEntry); zip.off('end', onEnd); zip.off('error', onError); };
          zip.on('entry', onEntry);
          zip.on('end', onEnd);
          zip.on('error', onError);
          zip.readEntry();
        });
        if (!entry) return;
        const { type, mode } = typeOf(entry);
        // A zip bomb declares its size: refused before a byte is inflated (yauzl checks the real size against it).
        if (type === 'file') {
          declared += entry.uncompressedSize;
          if (declared > options.maxBytes) throw options.refused({ kind: 'bytes', limit: options.maxBytes });
        }
        const linkname = type === 'symlink' ? await readAll(await zip.openReadStreamPromise(entry), MAX_LINK_BYTES) : undefined;
        yield {
          name: entry.fileName, type, mode, linkname,
          body: async () => (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>,
          skip: () => undefined,
        };
      }
    };
    await extractEntriesSafely(entries(), dest, options);
  } finally {
    zip.close();
  }
}
