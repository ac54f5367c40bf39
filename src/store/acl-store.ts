// Per-app access lists: the key names (not admins) allowed to run commands on an app, kept as a
// property list ($DOKKU_LIB_ROOT/config/acl/APP/allowed), so rename and destroy carry them along.
import type { Layout } from './layout.js';
import type { PropertyStore } from './properties.js';
import type { AppName } from '../names.js';
import { withLock } from './lock.js';

const PLUGIN = 'acl';
const PROPERTY = 'allowed';

function parse(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter((line) => line !== '');
}

export class AclStore {
  constructor(private readonly layout: Layout, private readonly properties: PropertyStore) {}

  async list(app: AppName): Promise<string[]> {
    return parse(await this.properties.get(PLUGIN, app, PROPERTY));
  }

  async allows(app: AppName, keyName: string): Promise<boolean> {
    return (await this.list(app)).includes(keyName);
  }

  /** Add or remove one key name under the app's lock; returns false when nothing changed. */
  async change(app: AppName, keyName: string, allowed: boolean): Promise<boolean> {
    return withLock(this.layout.appLock(app), async () => {
      const names = await this.list(app);
      const has = names.includes(keyName);
      if (has === allowed) return false;
      const next = allowed ? [...names, keyName].sort() : names.filter((n) => n !== keyName);
      if (next.length === 0) await this.properties.delete(PLUGIN, app, PROPERTY);
      else await this.properties.set(PLUGIN, app, PROPERTY, next.join('\n') + '\n');
      return true;
    });
  }
}
