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
}

function openLockFile(file: string): number {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
}

/** Take the lock now or return null: the caller decides how to tell the user it is busy. */
export function tryLock(file: string): HeldLock | null {
  const fd = openLockFile(file);
  if (tryFlock(fd)) return new HeldLock(file, fd);
  fs.closeSync(fd);
  return null;
}

/** Wait for the lock (polling, so the libuv thread pool is never blocked by a waiting flock). */
export async function acquireLock(file: string, timeoutMs = 60_000): Promise<HeldLock> {
  const fd = openLockFile(file);
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  while (!tryFlock(fd)) {
    if (Date.now() > deadline) {
      fs.closeSync(fd);
      throw new Error(`timed out waiting for lock ${file}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 50);
  }
  return new HeldLock(file, fd);
}

/** Run fn while holding the lock file, serialised with other callers in this process too. */
export async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
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
      lock.release();
    }
  } finally {
    done();
    if (queues.get(file) === tail) queues.delete(file);
  }
}
