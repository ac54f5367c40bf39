// The per-app deploy lock: an flock on $DOKKU_LIB_ROOT/locks/deploy-APP.lock held for a whole
// deploy, restart, scale or stop. Busy means fail fast, as Dokku does; the kernel frees it on a crash.
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { tryLock, type HeldLock } from '../store/lock.js';
import { ConflictError } from '../errors.js';

export class DeployLocked extends ConflictError {
  constructor(app: AppName) { super('E_DEPLOY_LOCKED', `${app} currently has a deploy lock in place`); }
}

export interface DeployLockOptions {
  /**
   * When fn succeeds, keep the lock until this settles: a push's deploy holds it until git has
   * moved the ref, so the next push's deploy sees the ref the served release came from.
   */
  holdUntil?: Promise<unknown>;
}

export async function withDeployLock<T>(store: Store, app: AppName, fn: () => Promise<T>, options: DeployLockOptions = {}): Promise<T> {
  const lock = tryLock(store.layout.deployLock(app));
  if (!lock) throw new DeployLocked(app);
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    await unlock(store, app, lock);
    throw error;
  }
  const { holdUntil } = options;
  if (holdUntil) {
    // Nobody awaits this: whatever fails while unlocking, the lock must still go (release is idempotent).
    const later = (): Promise<void> => unlock(store, app, lock).catch(() => lock.release());
    void holdUntil.then(later, later);
  } else {
    await unlock(store, app, lock);
  }
  return result;
}

/** Release; an app that no longer exists (destroyed, or never created) keeps no lock file. */
async function unlock(store: Store, app: AppName, lock: HeldLock): Promise<void> {
  if (await store.apps.exists(app)) lock.release();
  else lock.remove();
}
