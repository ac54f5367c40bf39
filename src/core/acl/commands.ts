// acl:* — grant, revoke and list which non-admin keys may run commands on an app (admins manage
// them; admin keys need no grant). The check itself lives in src/access/.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { NotFoundError } from '../../errors.js';
import { parseKeyName } from '../../ssh/public-key.js';
import { log } from '../../log.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';

async function appAndKey(inv: Invocation, services: Services, usage: string) {
  requireArgs(inv.args, 2, usage);
  const app = await existingApp(services, inv.args[0]);
  const key = parseKeyName(inv.args[1]);
  return { app, key };
}

export const aclCommands: CommandSet = {
  plugin: 'acl',
  summary: 'Grant non-admin keys access to apps',
  access: { who: 'admin', app: 0 },
  commands: [
    {
      name: 'acl:add',
      help: { usage: 'acl:add <app> <key-name>', description: 'Allow a key to run commands on an app and push to it' },
      async run(inv, services) {
        const { app, key } = await appAndKey(inv, services, 'acl:add <app> <key-name>');
        const stored = (await services.store.keys.list()).find((k) => k.name === key);
        if (!stored) throw new NotFoundError('E_KEY_NOT_FOUND', `No public key named ${key} (see ssh-keys:list)`);
        if (!(await services.store.acl.change(app, key, true))) {
          log.info1(out(inv), `${key} already has access to ${app}`);
          return;
        }
        log.info1(out(inv), `Granted ${key} access to ${app}`);
        if (stored.admin) log.verbose(out(inv), `${key} is an admin key: it may access every app anyway`);
      },
    },
    {
      name: 'acl:remove',
      help: { usage: 'acl:remove <app> <key-name>', description: 'Take a key\'s access to an app away' },
      async run(inv, services) {
        const { app, key } = await appAndKey(inv, services, 'acl:remove <app> <key-name>');
        if (!(await services.store.acl.change(app, key, false))) {
          throw new NotFoundError('E_ACL_NOT_FOUND', `${key} has no access to ${app}`);
        }
        log.info1(out(inv), `Removed ${key}'s access to ${app}`);
      },
    },
    {
      name: 'acl:list',
      help: { usage: 'acl:list <app>', description: 'List the keys granted access to an app' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'acl:list <app>');
        const app = await existingApp(services, inv.args[0]);
        for (const key of await services.store.acl.list(app)) inv.io.stdout.write(`${key}\n`);
      },
    },
  ],
};
