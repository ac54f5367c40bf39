// Where git:from-archive reads its archive: the client's stdin (`-` or `--`), a file:// URL or an
// http(s) URL, written to a temp file with a byte limit. Any other scheme is refused up front.
import fs from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SlipwayError, UsageError } from '../errors.js';
import { shown } from '../names.js';

export type ArchiveSource = { kind: 'stdin' } | { kind: 'file'; path: string; url: string } | { kind: 'http'; url: string };

export class BadArchive extends SlipwayError {
  constructor(message: string, options?: { cause?: unknown }) { super('E_BAD_ARCHIVE', message, 1, options); }
}

export function parseArchiveSource(raw: string | undefined): ArchiveSource {
  if (raw === undefined || raw === '') throw new UsageError('Please specify an archive url or -- to fetch the archive from stdin');
  if (raw === '-' || raw === '--') return { kind: 'stdin' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`Invalid archive url ${shown(raw, 120)}: use an http(s):// or file:// URL, or -- for stdin`);
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'http', url: url.href };
  if (url.protocol === 'file:') return { kind: 'file', path: fileURLToPath(url), url: url.href };
  throw new UsageError(`Unsupported archive url scheme ${shown(url.protocol.replace(/:$/, ''))}: use http, https or file, or -- for stdin`);
}

function tooLarge(limit: number): BadArchive {
  return new BadArchive(`Archive exceeds maximum allowed size of ${limit} bytes`);
}

/**
 * Copies source into file (created new), failing once more than limit bytes came. Listens with
 * events and never destroys source: an SSH channel's stdin must outlive this read.
 */
function copyBounded(source: Readable, file: string, limit: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const sink: Writable = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
    let size = 0;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', finish);
      signal.removeEventListener('abort', onAbort);
      if (error) {
        source.pause();
        sink.destroy();
        reject(error);
      } else sink.end(() => resolve(size));
    };
    const onData = (chunk: Buffer | string) => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buf.length;
      if (size > limit) { finish(tooLarge(limit)); return; }
      if (!sink.write(buf)) {
        source.pause();
        sink.once('drain', () => { if (!settled) source.resume(); });
      }
    };
    const onEnd = () => finish();
    const onAbort = () => finish(new BadArchive('The client went away before the archive was read'));
    sink.once('error', (error) => finish(error));
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', finish);
    signal.addEventListener('abort', onAbort, { once: true });
    source.resume();
  });
}

/** Writes the archive to `file`; returns its size. */
export async function readArchive(source: ArchiveSource, stdin: Readable, file: string, limit: number, signal: AbortSignal): Promise<number> {
  if (source.kind === 'stdin') return copyBounded(stdin, file, limit, signal);
  if (source.kind === 'file') {
    const stream = fs.createReadStream(source.path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error: NodeJS.ErrnoException) => reject(new BadArchive(`Cannot read ${shown(source.url, 120)}: ${error.code ?? error.message}`)));
    });
    try {
      return await copyBounded(stream, file, limit, signal);
    } finally {
      stream.destroy();
    }
  }
  let response: Response;
  try {
    response = await fetch(source.url, { signal, redirect: 'follow' });
  } catch (error) {
    throw new BadArchive(`Cannot download ${shown(source.url, 120)}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok || !response.body) throw new BadArchive(`Cannot download ${shown(source.url, 120)}: HTTP ${response.status}`);
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  try {
    return await copyBounded(body, file, limit, signal);
  } finally {
    body.destroy();
  }
}
