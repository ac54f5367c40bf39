// certs:add's tar-on-stdin form (Dokku's): the archive is read whole (bounded: a pair is a few KB)
// and scanned as a stream of entries, nothing is extracted to disk; exactly one .crt and one .key
// among its regular files, hidden ones (a name part starting with a dot) ignored as Dokku's find does.
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { SlipwayError } from '../../errors.js';
import type { CertPair } from '../../store/index.js';

/** Bytes an archive and each of its files may hold; a certificate pair is far smaller. */
export const MAX_TAR_BYTES = 1 << 20;
const MAX_ENTRIES = 64;

const fail = (message: string): SlipwayError => new SlipwayError('E_CERT_INVALID', message, 1);

export async function pairFromTar(archive: Buffer): Promise<CertPair> {
  if (archive.length === 0) throw fail('Tar archive containing server.crt and server.key expected on stdin');
  const found: Record<'crt' | 'key', string[]> = { crt: [], key: [] };
  const extract = tar.extract();
  let entries = 0;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const parts = header.name.replace(/^(\.\/)+/, '').split('/').filter(Boolean);
      const kind = header.type === 'file' && !parts.some((p) => p.startsWith('.'))
        ? (/\.(crt|key)$/.exec(parts.at(-1) ?? '')?.[1] as 'crt' | 'key' | undefined) : undefined;
      if (++entries > MAX_ENTRIES) { reject(fail(`Tar archive has more than ${MAX_ENTRIES} entries`)); extract.destroy(); return; }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => { if (kind) chunks.push(chunk as Buffer); });
      stream.on('end', () => {
        if (kind) found[kind].push(Buffer.concat(chunks).toString('utf8'));
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', () => reject(fail('stdin is not a tar archive')));
  });
  Readable.from([archive]).pipe(extract);
  await done;
  for (const kind of ['crt', 'key'] as const) {
    if (found[kind].length < 1) throw fail(`Tar archive is missing .${kind} file`);
    if (found[kind].length > 1) throw fail(`Tar archive contains more than one .${kind} file`);
  }
  return { crt: found.crt[0], key: found.key[0] };
}
