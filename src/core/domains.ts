// domains:* — the hostnames the proxy routes to an app (Dokku's VHOST files): add, remove, set,
// clear, report, and the global domain (default `localhost`, so apps answer on APP.localhost).
import type { CommandSet } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import type { RunContext } from '../plugins/host.js';
import type { AppName } from '../names.js';
import { existingApp, out, requireArgs, columns } from './common.js';
import { log } from '../log.js';
import { shown } from '../names.js';
import { ConflictError, UsageError } from '../errors.js';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function parseDomain(value: string): string {
  const domain = value.trim().toLowerCase().replace(/\.$/, '');
  const rest = domain.startsWith('*.') ? domain.slice(2) : domain;
  if (!rest || rest.length > 253 || !rest.split('.').every((l) => LABEL.test(l))) {
    throw new UsageError(`Invalid domain '${shown(value)}': use letters, digits, '-' and dots (a leading '*.' for a wildcard)`);
  }
  return domain;
}

/** A hostname routes to one app only. */
async function ensureFree(services: Services, app: AppName, domains: string[]): Promise<void> {
  for (const other of await services.store.apps.list()) {
    if (other === app) continue;
    const taken = (await services.store.domains.app(other)).find((d) => domains.includes(d));
    if (taken) throw new ConflictError('E_DOMAIN_IN_USE', `${taken} is already used by app ${other}`);
  }
}

const ACTIONS: Record<string, string> = { Added: 'add', Removed: 'remove', Set: 'set', Cleared: 'clear' };

async function change(inv: Invocation, services: Services, ctx: RunContext, usage: string, apply: (current: string[], given: string[]) => string[], verb: string): Promise<void> {
  requireArgs(inv.args, verb === 'Cleared' ? 1 : 2, usage);
  const app = await existingApp(services, inv.args[0]);
  const given = inv.args.slice(1).map(parseDomain);
  await ensureFree(services, app, given);
  await services.store.domains.updateApp(app, (current) => apply(current, given));
  log.info1(out(inv), verb === 'Cleared' ? `Cleared domains in ${app}` : `${verb} ${given.join(' ')} ${verb === 'Removed' ? 'from' : 'to'} ${app}`);
  await services.platform?.routesChanged(app);
  // Dokku's post-domains-update: APP ACTION DOMAINS… (action add, remove, set or clear).
  await services.plugins.trigger('post-domains-update', [app, ACTIONS[verb], ...given], ctx);
}

export const domainsCommands: CommandSet = {
  plugin: 'domains',
  summary: 'Manage the hostnames of apps',
  commands: [
    {
      name: 'domains:add',
      help: { usage: 'domains:add <app> <domain> [<domain> ...]', description: 'Add domains to an app' },
      run: (inv, services, ctx) => change(inv, services, ctx, 'domains:add <app> <domain> [<domain> ...]', (c, g) => [...c, ...g], 'Added'),
    },
    {
      name: 'domains:remove',
      help: { usage: 'domains:remove <app> <domain> [<domain> ...]', description: 'Remove domains from an app' },
      run: (inv, services, ctx) => change(inv, services, ctx, 'domains:remove <app> <domain> [<domain> ...]', (c, g) => c.filter((d) => !g.includes(d)), 'Removed'),
    },
    {
      name: 'domains:set',
      help: { usage: 'domains:set <app> <domain> [<domain> ...]', description: 'Replace the domains of an app' },
      run: (inv, services, ctx) => change(inv, services, ctx, 'domains:set <app> <domain> [<domain> ...]', (_c, g) => g, 'Set'),
    },
    {
      name: 'domains:clear',
      help: { usage: 'domains:clear <app>', description: 'Remove every domain of an app' },
      run: (inv, services, ctx) => change(inv, services, ctx, 'domains:clear <app>', () => [], 'Cleared'),
    },
    {
      name: 'domains:set-global',
      help: { usage: 'domains:set-global <domain> [<domain> ...]', description: 'Set the global domains (apps default to APP.DOMAIN)' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'domains:set-global <domain> [<domain> ...]');
        const domains = inv.args.map(parseDomain);
        await services.store.domains.setGlobal(domains);
        log.info1(out(inv), `Set global domain to ${domains.join(' ')}`);
        for (const app of await services.store.apps.list()) await services.platform?.routesChanged(app);
      },
    },
    {
      name: 'domains:report',
      help: { usage: 'domains:report [<app>]', description: 'Display the domains of an app (or every app)' },
      async run(inv, services) {
        const apps = inv.args[0] ? [await existingApp(services, inv.args[0])] : await services.store.apps.list();
        const global = await services.store.domains.global();
        for (const app of apps) {
          const vhosts = await services.store.domains.app(app);
          inv.io.stdout.write(`=====> ${app} domains information\n`);
          inv.io.stdout.write(columns([
            ['Domains app enabled', String(vhosts.length > 0)],
            ['Domains app vhosts', vhosts.join(' ')],
            ['Domains global enabled', String(global.length > 0)],
            ['Domains global vhosts', global.join(' ')],
          ]));
        }
      },
    },
  ],
};
