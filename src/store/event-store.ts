// The events log ($DOKKU_LIB_ROOT/events/events.log): one line per event, appended with a single
// O_APPEND write so the server, local CLIs and plugins can all log at once; rotated at a size cap.
import fs from 'node:fs/promises';
import type { Layout } from './layout.js';
import { withLock } from './lock.js';

export const EVENTS_SIZE_CAP = 1024 * 1024;
const TAIL_CHUNK = 64 * 1024;
const FOLLOW_POLL_MS = 200;

async function sizeOf(file: string): Promise<{ size: number; ino: number } | undefined> {
  try {
    const stat = await fs.stat(file);
    return { size: stat.size, ino: stat.ino };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readRange(file: string, start: number, end: number): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The last `count` lines of one file, reading backwards in chunks. */
async function lastLines(file: string, count: number, maxBytes: number): Promise<string[]> {
  const info = await sizeOf(file);
  if (!info || count <= 0) return [];
  let position = info.size;
  let text = '';
  while (position > 0 && info.size - position < maxBytes) {
    const start = Math.max(0, position - TAIL_CHUNK);
    text = (await readRange(file, start, position)) + text;
    position = start;
    if (text.split('\n').length > count + 1) break;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  if (position > 0) lines.shift(); // cut in the middle of a line
  return lines.slice(-count);
}

export class EventStore {
  constructor(private readonly layout: Layout, private readonly cap = EVENTS_SIZE_CAP) {}

  get file(): string { return this.layout.eventsLog(); }

  /** Append one line (no newline inside); rotates to events.log.1 past the cap. */
  async append(line: string): Promise<void> {
    if (line.includes('\n')) throw new Error('an event line cannot contain a newline');
    await fs.mkdir(this.layout.eventsDir(), { recursive: true, mode: 0o700 });
    const info = await sizeOf(this.file);
    if (info && info.size >= this.cap) {
      await withLock(this.layout.lockFile('events'), async () => {
        const again = await sizeOf(this.file);
        if (again && again.size >= this.cap) await fs.rename(this.file, `${this.file}.1`);
      });
    }
    await fs.appendFile(this.file, `${line}\n`, { mode: 0o600 });
  }

  /** The last `count` events, oldest first (reaching into the rotated file when needed). */
  async tail(count: number): Promise<string[]> {
    const recent = await lastLines(this.file, count, 4 * this.cap);
    const older = recent.length < count ? await lastLines(`${this.file}.1`, count - recent.length, 4 * this.cap) : [];
    return [...older, ...recent];
  }

  /** Where the log ends now: follow() from here sees only later events. */
  async end(): Promise<number> {
    return (await sizeOf(this.file))?.size ?? 0;
  }

  /**
   * Calls onLines with every complete line appended after `from`, until the signal aborts.
   * Polls (fs.watch misses appends from other processes on some filesystems); a rotation
   * (new inode or a shorter file) restarts at the new file's beginning.
   */
  async follow(from: number, onLines: (lines: string[]) => void, signal: AbortSignal): Promise<void> {
    let offset = from;
    let ino = (await sizeOf(this.file))?.ino;
    let partial = '';
    while (!signal.aborted) {
      const info = await sizeOf(this.file);
      if (info && (info.ino !== ino || info.size < offset)) {
        ino = info.ino;
        offset = 0;
        partial = '';
      }
      if (info && info.size > offset) {
        const text = partial + (await readRange(this.file, offset, info.size));
        offset = info.size;
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        if (lines.length) onLines(lines);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, FOLLOW_POLL_MS);
        function done() { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
