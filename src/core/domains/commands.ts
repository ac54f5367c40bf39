// domains:* — the hostnames the proxy routes to an app (Dokku's VHOST files): add, remove, set,
// clear, reset, report, and the global domains (default `localhost`, so apps answer on APP.localhost):
// add-, remove-, set- and clear-global, kept in Dokku's $DOKKU_ROOT/VHOST. domains:disable|enable
// turn an app's hostnames off and on (NO_VHOST): without them it is served on its mappings' ports.
import type { CommandSet, CoreCommand } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { RunContext } from '../../plugins/host.js';
import type { AppName } from '../../names.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { log } from '../../log.js';
import { shown } from '../../names.js';
import { ConflictError, UsageError } from '../../errors.js';
import { TriggerFailed, type CoreTrigger } from '../../plugins/host.js';
import { isValidAppName } from '../../names.js';
import { assignProxyPorts } from '../../deploy/routes.js';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * A hostname, `*.example.com` (names under it) or `.example.com` (Dokku's and nginx's form: the name
 * and every name under it). Refused with Dokku's words, though the rule is stricter than Dokku's.
 */
export function parseDomain(value: string): string {
  const domain = value.trim().toLowerCase().replace(/\.$/, '');
  const rest = domain.startsWith('*.') ? domain.slice(2) : domain.startsWith('.') ? domain.slice(1) : domain;
  if (!rest || rest.length > 253 || !rest.split('.').every((l) => LABEL.test(l))) {
    throw new UsageError(`${shown(value)} is invalid. exiting...`);
  }
  return domain;
}

/** The route names a domain stands for: `.example.com` is example.com and *.example.com. */
const routeNames = (domain: string): string[] => (domain.startsWith('.') ? [domain.slice(1), `*${domain}`] : [domain]);

/** A hostname routes to one app only. */
export async function ensureFree(services: Services, app: AppName, domains: string[]): Promise<void> {
  const wanted = new Set(domains.flatMap(routeNames));
  for (const other of await services.store.apps.list()) {
    if (other === app) continue;
    const taken = (await services.store.domains.app(other)).find((d) => routeNames(d).some((n) => wanted.has(n)));
    if (taken) throw new ConflictError('E_DOMAIN_IN_USE', `${taken} is already used by app ${other}`);
  }
}

const ACTIONS: Record<string, string> = { Added: 'add', Removed: 'remove', Set: 'set', Cleared: 'clear' };

/**
 * Vhosts on again (domains:enable, or an add/set on an app without them, as Dokku's domains_enable
 * --no-restart): pre-enable-vhost, NO_VHOST=0, the app's proxy-port and proxy-ssl-port forgotten
 * (Dokku's nginx pre-enable-vhost drops them), post-domains-update APP enable. The caller republishes.
 */
async function enableVhosts(services: Services, ctx: RunContext, app: AppName): Promise<void> {
  await services.plugins.fire('pre-enable-vhost', { APP: app }, ctx);
  await services.store.domains.setVhostEnabled(app, true);
  await services.store.ports.setProxyPort(app, undefined);
  await services.store.ports.setProxySslPort(app, undefined);
  await services.plugins.fire('post-domains-update', { APP: app, ACTION: 'enable', DOMAINS: [] }, ctx);
}

/**
 * Vhosts off: pre-disable-vhost (with Dokku's nginx step: an app proxy-port of 80 or proxy-ssl-port
 * of 443 is dropped, the shared ports), the VHOST file gone, NO_VHOST=1, post-domains-update APP disable.
 */
async function disableVhosts(inv: Invocation, services: Services, ctx: RunContext, app: AppName): Promise<void> {
  await services.plugins.fire('pre-disable-vhost', { APP: app }, ctx);
  const own = async (property: string) => (await services.store.properties.get('proxy', app, property))?.trim();
  if (await own('proxy-port') === '80') await services.store.ports.setProxyPort(app, undefined);
  if (await own('proxy-ssl-port') === '443') await services.store.ports.setProxySslPort(app, undefined);
  log.info1(out(inv), 'App virtual host support disabled');
  await services.store.domains.setVhostEnabled(app, false);
  await services.plugins.fire('post-domains-update', { APP: app, ACTION: 'disable', DOMAINS: [] }, ctx);
  // Dokku picks the port when it next configures the proxy; the route is built now, so now.
  const platform = services.platform;
  if (platform) {
    const shared = { http: platform.httpPort, https: platform.httpsPort };
    await assignProxyPorts(services.store, app, services.settings.httpListen.host, shared, (line) => log.info1(out(inv), line));
  }
}

/** `APP|--all`: the one app (which must exist), or every app in turn as Dokku's loop does. */
async function eachApp(inv: Invocation, services: Services, usage: string, command: (app: AppName) => Promise<void>): Promise<void> {
  requireArgs(inv.args, 1, usage);
  if (inv.args[0] !== '--all') return command(await existingApp(services, inv.args[0]));
  for (const app of await services.store.apps.list()) await command(app);
}

async function setVhosts(inv: Invocation, services: Services, ctx: RunContext, enabled: boolean): Promise<void> {
  await eachApp(inv, services, `domains:${enabled ? 'enable' : 'disable'} <app>`, async (app) => {
    if (await services.store.domains.vhostEnabled(app) === enabled) {
      log.info1(out(inv), `Domains (VHOST) support is already ${enabled ? 'enabled' : 'disabled'} for app (${app})`);
      return;
    }
    // Enabling brings the app's default names back: another app may have taken one meanwhile.
    if (enabled) await ensureFree(services, app, (await services.store.domains.defaults(app)).flatMap(routeNames));
    if (enabled) await enableVhosts(services, ctx, app);
    else await disableVhosts(inv, services, ctx, app);
    await services.platform?.routesChanged(app);
  });
}

async function change(inv: Invocation, services: Services, ctx: RunContext, usage: string, apply: (current: string[], given: string[]) => string[], verb: string): Promise<void> {
  // Dokku asks for the domain before it looks at the app.
  if (verb !== 'Cleared' && inv.args.length < 2) throw new UsageError(`Please specify a domain name. Usage: dokku ${usage}`);
  requireArgs(inv.args, 1, usage);
  const app = await existingApp(services, inv.args[0]);
  const given = inv.args.slice(1).map(parseDomain);
  await ensureFree(services, app, given);
  await services.store.domains.updateApp(app, (current) => apply(current, given));
  log.info1(out(inv), verb === 'Cleared' ? `Cleared domains in ${app}` : `${verb} ${given.join(' ')} ${verb === 'Removed' ? 'from' : 'to'} ${app}`);
  // As Dokku: adding or setting names on an app without vhosts turns them on (with those names only).
  if ((verb === 'Added' || verb === 'Set') && !await services.store.domains.vhostEnabled(app)) await enableVhosts(services, ctx, app);
  await services.platform?.routesChanged(app);
  // Dokku's post-domains-update: APP ACTION DOMAINS… (action add, remove, set or clear).
  await services.plugins.fire('post-domains-update', { APP: app, ACTION: ACTIONS[verb], DOMAINS: given }, ctx);
}

/** Apps without their own hostnames answer on APP.GLOBAL: every app's routes follow a global change. */
async function globalsChanged(services: Services): Promise<void> {
  for (const app of await services.store.apps.list()) await services.platform?.routesChanged(app);
}

/** An admin-only `domains:*-global <domain> [<domain> ...]`: Dokku asks for a domain first. */
function globalCommand(name: string, description: string, apply: (inv: Invocation, services: Services, given: string[]) => Promise<void>): CoreCommand {
  const usage = `${name} <domain> [<domain> ...]`;
  return {
    name,
    access: { who: 'admin' },
    help: { usage, description },
    async run(inv, services) {
      if (inv.args.length === 0) throw new UsageError(`Please specify a domain name. Usage: dokku ${usage}`);
      await apply(inv, services, inv.args);
      await globalsChanged(services);
    },
  };
}

export const domainsCommands: CommandSet = {
  plugin: 'domains',
  summary: 'Manage the hostnames of apps',
  access: { who: 'app' },
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
      name: 'domains:reset',
      help: { usage: 'domains:reset <app>', description: 'Reset app domains to global-configured domains' },
      async run(inv, services, ctx) {
        requireArgs(inv.args, 1, 'domains:reset <app>');
        const app = await existingApp(services, inv.args[0]);
        const defaults = new Set((await services.store.domains.defaults(app)).flatMap(routeNames));
        // Another app may have claimed one of this app's default names meanwhile.
        await ensureFree(services, app, [...defaults]);
        await services.store.domains.resetApp(app);
        await services.platform?.routesChanged(app);
        await services.plugins.fire('post-domains-update', { APP: app, ACTION: 'reset', DOMAINS: [] }, ctx);
        log.info1(out(inv), `Reset domains for ${app}`);
      },
    },
    globalCommand('domains:add-global', 'Add global domain names', async (inv, services, given) => {
      const domains = given.map(parseDomain);
      await services.store.domains.updateGlobal((current) => {
        for (const domain of domains) {
          log.info1(out(inv), current.includes(domain) ? `Skipping ${domain}: already added` : `Added ${domain}`);
          if (!current.includes(domain)) current = [...current, domain];
        }
        return current;
      });
    }),
    globalCommand('domains:remove-global', 'Remove global domain names', async (inv, services, given) => {
      // Dokku removes whatever is named, valid or not, and names each.
      const domains = given.map((d) => d.trim().toLowerCase().replace(/\.$/, ''));
      await services.store.domains.updateGlobal((current) => current.filter((d) => !domains.includes(d)));
      for (const domain of domains) log.info1(out(inv), `Removed ${domain}`);
    }),
    globalCommand('domains:set-global', 'Set global domain names', async (inv, services, given) => {
      const domains = given.map(parseDomain);
      await services.store.domains.setGlobal(domains);
      log.info1(out(inv), `Set ${domains.join(' ')}`);
    }),
    {
      name: 'domains:clear-global',
      access: { who: 'admin' },
      help: { usage: 'domains:clear-global', description: 'Clear global domain names' },
      async run(inv, services) {
        log.info1(out(inv), 'Clearing global domains');
        await services.store.domains.setGlobal([]);
        await globalsChanged(services);
      },
    },
    {
      name: 'domains:disable',
      help: { usage: 'domains:disable <app>', description: 'Disable VHOST support' },
      run: (inv, services, ctx) => setVhosts(inv, services, ctx, false),
    },
    {
      name: 'domains:enable',
      help: { usage: 'domains:enable <app>', description: 'Enable VHOST support' },
      run: (inv, services, ctx) => setVhosts(inv, services, ctx, true),
    },
    {
      // Dokku's internal step (post-create runs it there): an app without a VHOST file gets the
      // default names written into one, or, with no global domain, has its vhosts disabled.
      name: 'domains:setup',
      async run(inv, services, ctx) {
        requireArgs(inv.args, 1, 'domains:setup <app>');
        const app = await existingApp(services, inv.args[0]);
        if (!await services.store.domains.hasOwnFile(app)) {
          const defaults = await services.store.domains.defaults(app);
          if (defaults.length) {
            log.info1(out(inv), 'Creating new app virtual host file...');
            await ensureFree(services, app, defaults.flatMap(routeNames));
            await services.store.domains.updateApp(app, () => defaults);
          } else if (await services.store.domains.vhostEnabled(app)) {
            log.info1(out(inv), 'Global server virtual host not set, disabling app vhost...');
            await disableVhosts(inv, services, ctx, app);
          }
        }
        await services.platform?.routesChanged(app);
        await services.plugins.fire('post-domains-update', { APP: app, ACTION: 'reset', DOMAINS: [] }, ctx);
        log.info1(out(inv), `Setup domains for ${app}`);
      },
    },
    {
      name: 'domains:report',
      help: { usage: 'domains:report [<app>|--global] [<flag>]', description: 'Display the domains of an app (or every app)' },
      run(inv, services) {
        const globalRows = async (): Promise<ReportRows> => {
          const global = await services.store.domains.global();
          return [['--domains-global-enabled', String(global.length > 0)], ['--domains-global-vhosts', global.join(' ')]];
        };
        return runReport(inv, services, {
          type: 'domains',
          async app(app) {
            const vhosts = await services.store.domains.app(app);
            // Dokku's: true unless NO_VHOST=1, whatever the names.
            const enabled = await services.store.domains.vhostEnabled(app);
            return [['--domains-app-enabled', String(enabled)], ['--domains-app-vhosts', vhosts.join(' ')], ...await globalRows()];
          },
          global: globalRows,
        });
      },
    },
  ],
};

/** `plugn trigger domains-vhost-enabled APP`: Dokku's answer is the exit status (1 without vhosts). */
export function domainsTriggers(services: Services): Record<string, CoreTrigger> {
  return {
    'domains-vhost-enabled': async ([app]) => {
      if (app && isValidAppName(app) && await services.store.domains.vhostEnabled(app as AppName)) return '';
      throw new TriggerFailed('domains-vhost-enabled', 'domains', 1);
    },
  };
}
