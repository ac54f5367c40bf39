// The per-app deploy lock: an flock on $DOKKU_LIB_ROOT/locks/deploy-APP.lock held for a whole
// deploy, restart, scale or stop. Busy means fail fast, as Dokku does; the kernel frees it on a crash.
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { tryLock } from '../store/lock.js';
import { ConflictError } from '../errors.js';

export class DeployLocked extends ConflictError {
  constructor(app: AppName) { super('E_DEPLOY_LOCKED', `${app} currently has a deploy lock in place`); }
}

export async function withDeployLock<T>(store: Store, app: AppName, fn: () => Promise<T>): Promise<T> {
  const lock = tryLock(store.layout.deployLock(app));
  if (!lock) throw new DeployLocked(app);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
