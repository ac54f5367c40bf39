// Whether a key may use one app (acl grants, then the user-auth-app trigger), and which apps a key
// sees in apps:list. Both the router and the git layer ask here.
import { Writable } from 'node:stream';
import type { Services } from '../services.js';
import type { CommandIO, Identity } from '../commands/types.js';
import { TriggerFailed, requestRun } from '../plugins/host.js';
import { isValidAppName, type AppName } from '../names.js';
import { isAdmin } from './rules.js';

export interface AccessOptions {
  /** Where a user-auth-app plugin's stderr goes (the pusher's stderr, say); dropped when absent. */
  io?: Pick<CommandIO, 'stdout' | 'stderr'>;
  signal?: AbortSignal;
}

/** Where a check's trigger output goes when the caller gave no streams: nowhere. */
function discard(): Pick<CommandIO, 'stdout' | 'stderr'> {
  const sink = () => new Writable({ write(_chunk, _encoding, callback) { callback(); } });
  return { stdout: sink(), stderr: sink() };
}

/**
 * May this identity touch this app? Local callers (the host's operator) always may. A remote
 * non-admin key needs an acl:add grant on an existing app. Then every remote caller goes through
 * the `user-auth-app` trigger (SSH_USER SSH_NAME APP): a plugin exiting non-zero says no.
 */
export async function mayAccessApp(services: Services, identity: Identity, app: string, options: AccessOptions = {}): Promise<boolean> {
  if (!isValidAppName(app)) return false;
  if (!identity.remote) return true;
  if (!isAdmin(identity)) {
    if (!(await services.store.apps.exists(app))) return false;
    if (!(await services.store.acl.allows(app, identity.keyName))) return false;
  }
  const io = options.io ?? discard();
  // Without a caller's signal (a direct check), nothing can cancel the check: it runs to its answer.
  const ctx = requestRun({ identity, signal: options.signal ?? new AbortController().signal }, io);
  try {
    await services.plugins.fire('user-auth-app', { SSH_USER: identity.user, SSH_NAME: identity.keyName, APPS: [app] }, ctx, { capture: true });
  } catch (error) {
    if (error instanceof TriggerFailed) return false;
    throw error;
  }
  return true;
}

/** The apps apps:list shows this identity: every app for admins and local callers, else its grants. */
export async function visibleApps(services: Services, identity: Identity): Promise<AppName[]> {
  const apps = await services.store.apps.list();
  if (!identity.remote || isAdmin(identity)) return apps;
  const granted: AppName[] = [];
  for (const app of apps) if (await services.store.acl.allows(app, identity.keyName)) granted.push(app);
  return granted;
}
