// apps:set — app and global properties of the apps plugin (Dokku's property layout):
// `--global disable-autocreation true|false` stops a push from creating an unknown app.
import type { CommandSet } from '../../commands/registry.js';
import { out, requireArgs, scopeArg } from '../shared/invocation.js';
import { log } from '../../log.js';
import { UsageError } from '../../errors.js';
import { GLOBAL } from '../../store/index.js';
import { shown } from '../../names.js';

const USAGE = 'apps:set (<app>|--global) <key> [<value>]';
const GLOBAL_KEYS: Record<string, (value: string) => boolean> = {
  'disable-autocreation': (v) => v === 'true' || v === 'false',
};
const APP_KEYS: Record<string, (value: string) => boolean> = {
  'deploy-source': (v) => /^[A-Za-z0-9._:/@+-]{1,200}$/.test(v),
  'deploy-source-metadata': (v) => /^[\x20-\x7e]{1,1000}$/.test(v),
};

export const appsSetCommands: CommandSet = {
  plugin: 'apps',
  // No summary: the `apps` line of `help` comes from the main apps set.
  summary: '',
  access: { who: 'app' },
  commands: [
    {
      name: 'apps:set',
      help: { usage: USAGE, description: 'Set or clear an app property (--global: disable-autocreation)' },
      async run(inv, services) {
        requireArgs(inv.args, 1, USAGE);
        const scope = await scopeArg(services, inv.args[0]);
        const key = inv.args[1] ?? '';
        // Dokku's checks, in Dokku's order and words (common.CommandPropertySet).
        if (scope === GLOBAL && !Object.hasOwn(GLOBAL_KEYS, key)) throw new UsageError('Property cannot be specified globally');
        if (scope !== GLOBAL && Object.hasOwn(GLOBAL_KEYS, key)) throw new UsageError('Property can only be specified globally');
        if (key === '') throw new UsageError('No property specified');
        const valid = scope === GLOBAL ? GLOBAL_KEYS[key] : Object.hasOwn(APP_KEYS, key) ? APP_KEYS[key] : undefined;
        if (!valid) {
          const all = [...Object.keys(APP_KEYS), ...Object.keys(GLOBAL_KEYS)].sort();
          throw new UsageError(`Invalid property specified, valid properties include: ${all.join(', ')}`);
        }
        const value = inv.args[2] ?? '';
        if (value === '') {
          log.info2(out(inv), `Unsetting ${key}`);
          await services.store.properties.delete('apps', scope, key);
          return;
        }
        if (!valid(value)) throw new UsageError(`Invalid value for ${key}: ${shown(value)}`);
        log.info2(out(inv), `Setting ${key} to ${value}`);
        await services.store.properties.set('apps', scope, key, value);
      },
    },
  ],
};
