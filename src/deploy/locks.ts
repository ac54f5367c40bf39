// The per-app deploy lock: an flock on $DOKKU_LIB_ROOT/locks/deploy-APP.lock held for a whole
// deploy, restart, scale or stop. Busy means fail fast, as Dokku does; the kernel frees it on a crash.
// A deploy also checks apps:lock's marker under it, so a lock taken mid-deploy stops the next one.
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { tryLock, type HeldLock } from '../store/lock.js';
import { ConflictError } from '../errors.js';

/**
 * Dokku's words when the app's deploy lock is busy (acquire_app_deploy_lock, exclusive): a warning
 * line naming the app, then the way out as the failure line, exit 1. Dokku keeps apps:lock and a
 * running deploy in the same lock file, so both cases print the same two lines.
 */
export class DeployLocked extends ConflictError {
  override readonly hint = 'Run \'apps:unlock\' to release the existing deploy lock';
  constructor(app: AppName) { super('E_DEPLOY_LOCKED', `${app} currently has a deploy lock in place. Exiting...`); }
}

/** apps:lock is in place: the same two lines as a busy deploy lock (Dokku cannot tell them apart). */
export class DeploysLocked extends DeployLocked {}

export interface DeployLockOptions {
  /** A deploy (push, rebuild, rollback): refused while apps:lock's marker is in place. */
  deploy?: boolean;
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
    if (options.deploy && await store.apps.deploysLocked(app)) throw new DeploysLocked(app);
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
