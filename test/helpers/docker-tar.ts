// Small tar streams for the Docker tests (build contexts), made with tar-stream in memory as they
// are read, and typed as the byte stream src/docker accepts.
import tar from 'tar-stream';

export interface TarFile { content: string; mode?: number }

/** tar-stream's streamx pack yields `unknown`; check each chunk is bytes rather than cast. */
export async function* tarBytes(pack: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of pack) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('tar stream produced a chunk that is not a Buffer');
    yield chunk;
  }
}

/** A tar of the given files (`path → content`); directories are implied by the paths. */
export function contextTar(files: Readonly<Record<string, string | TarFile>>): AsyncGenerator<Buffer> {
  const pack = tar.pack();
  for (const [name, file] of Object.entries(files)) {
    const { content, mode } = typeof file === 'string' ? { content: file, mode: 0o644 } : file;
    pack.entry({ name, mode: mode ?? 0o644, mtime: new Date(0) }, content);
  }
  pack.finalize();
  return tarBytes(pack);
}
