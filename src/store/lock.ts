// Cross-process locks held by a live process: flock(2) through fs-ext, so the kernel drops a
// lock when its holder dies and a stale lock never survives a crash. fs-ext is the maintained
// binding for flock; lock files alone (mkdir/pid files) need stale-lock guessing.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fsExt = require('fs-ext') as {
  flockSync(fd: number, flags: 'ex' | 'exnb' | 'sh' | 'shnb' | 'un'): void;
};

/** In-process queues: flock serialises processes, these serialise async callers in one process. */
const queues = new Map<string, Promise<unknown>>();

function tryFlock(fd: number): boolean {
  try {
    fsExt.flockSync(fd, 'exnb');
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false;
    throw error;
  }
}

export class HeldLock {
  private released = false;
  constructor(readonly file: string, private readonly fd: number) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      fsExt.flockSync(this.fd, 'un');
    } finally {
      fs.closeSync(this.fd);
    }
  }

  /**
   * Unlink the lock file, then release: only safe while held, because every locker checks
   * after flock that its fd still names the file (see lockedAndLinked) and starts over if not.
   */
  remove(): void {
    if (this.released) return;
    try {
      fs.rmSync(this.file, { force: true });
    } finally {
      this.release();
    }
  }
}

/**
 * After flock: the fd still names `file`. A holder may have removed the file (HeldLock.remove)
 * after we opened it; a lock on that unlinked inode excludes no one, so the caller retries.
 */
function stillLinked(fd: number, file: string): boolean {
  const held = fs.fstatSync(fd);
  try {
    const named = fs.statSync(file);
    return named.ino === held.ino && named.dev === held.dev;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Rounds of "locked a file that was removed meanwhile" before giving up (each needs a remover). */
const MAX_RELINKS = 100;

function openLockFile(file: string): number {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
}

/** Take the lock now or return null: the caller decides how to tell the user it is busy. */
export function tryLock(file: string): HeldLock | null {
  for (let round = 0; round < MAX_RELINKS; round++) {
    const fd = openLockFile(file);
    if (!tryFlock(fd)) {
      fs.closeSync(fd);
      return null;
    }
    if (stillLinked(fd, file)) return new HeldLock(file, fd);
    fs.closeSync(fd); // closing drops the flock on the removed inode
  }
  throw new Error(`cannot lock ${file}: it was removed ${MAX_RELINKS} times while being locked`);
}

/** Wait for the lock (polling, so the libuv thread pool is never blocked by a waiting flock). */
export async function acquireLock(file: string, timeoutMs = 60_000): Promise<HeldLock> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; round < MAX_RELINKS; round++) {
    const fd = openLockFile(file);
    let delay = 2;
    while (!tryFlock(fd)) {
      if (Date.now() > deadline) {
        fs.closeSync(fd);
        throw new Error(`timed out waiting for lock ${file}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 50);
    }
    if (stillLinked(fd, file)) return new HeldLock(file, fd);
    fs.closeSync(fd); // the holder removed the file: lock the one that now has its name
  }
  throw new Error(`cannot lock ${file}: it was removed ${MAX_RELINKS} times while being locked`);
}

export interface LockOptions {
  /**
   * Asked while still holding the lock, after fn: true removes the lock file (the thing it
   * guarded is gone, e.g. the app was destroyed or never created), so lock files stay bounded.
   */
  removeWhen?: () => Promise<boolean>;
}

/** Run fn while holding the lock file, serialised with other callers in this process too. */
export async function withLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => { done = resolve; });
  const tail = previous.then(() => mine);
  queues.set(file, tail);
  await previous;
  try {
    const lock = await acquireLock(file);
    try {
      return await fn();
    } finally {
      let remove = false;
      try {
        remove = options.removeWhen !== undefined && (await options.removeWhen());
      } finally {
        if (remove) lock.remove();
        else lock.release();
      }
    }
  } finally {
    done();
    if (queues.get(file) === tail) queues.delete(file);
  }
}
