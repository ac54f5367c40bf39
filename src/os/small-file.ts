// Reads a small file the caller names on the server (certs:add CRT KEY), bounded: a path to a
// huge file, a device or a FIFO is refused instead of filling memory or hanging a command.
import fs from 'node:fs/promises';

/** The file's bytes; undefined when it is missing, unreadable or not a regular file; 'too-large' past limit. */
export async function readSmallFile(file: string, limit: number): Promise<Buffer | 'too-large' | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return undefined;
    if (stat.size > limit) return 'too-large';
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
