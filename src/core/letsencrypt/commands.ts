// letsencrypt:* — certificates from an ACME server (Let's Encrypt by default) with the commands,
// properties and report of dokku-letsencrypt, on a built-in client (./acme.ts) instead of its lego
// container. HTTP-01 only: tokens go to the app's acme-challenges folder (store), which the
// built-in proxy and nginx serve; the certificate is installed through certs (one owner).
import { X509Certificate } from 'node:crypto';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { RunContext } from '../../plugins/host.js';
import type { AppName } from '../../names.js';
import { GLOBAL, type IssuedRecord } from '../../store/index.js';
import { existingApp, out, requireArgs, scopeArg } from '../shared/invocation.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { installCert } from '../certs/commands.js';
import { log, type Out } from '../../log.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { requestCertificate, newAccountKey, revokeCertificate } from './acme.js';
import { AUTORENEW, PLUGIN, checkValue, computed, directoryUrlOf, get, parseProperty } from './config.js';
import { byUrgency, formatTimeDiff, isDue, renewAt, type RenewalEntry } from './renewal.js';

const configError = (message: string): SlipwayError => new SlipwayError('E_LETSENCRYPT_CONFIG', message, 1);

/** The names a certificate can cover: Dokku's `_` catch-all and wildcard routes are left out. */
async function certDomains(services: Services, app: AppName): Promise<string[]> {
  const domains = await services.store.domains.app(app);
  return domains.filter((d) => d !== '_' && !d.startsWith('.') && !d.includes('*'));
}

/** The issued record while certs still holds that very certificate (Dokku's letsencrypt:active). */
export async function activeRecord(services: Services, app: AppName): Promise<IssuedRecord | undefined> {
  const [record, pair] = await Promise.all([services.store.acme.issued(app), services.store.certs.get(app)]);
  if (!record || !pair) return undefined;
  try {
    return new X509Certificate(pair.crt).fingerprint256 === record.fingerprint256 ? record : undefined;
  } catch {
    return undefined;
  }
}

async function renewalEntry(services: Services, app: AppName): Promise<RenewalEntry | undefined> {
  const record = await activeRecord(services, app);
  if (!record) return undefined;
  return { app, notAfter: Date.parse(record.notAfter), graceSeconds: (await computed(services, app)).graceSeconds };
}

/** Every app with an active Let's Encrypt certificate, most urgent renewal first. */
export async function renewalEntries(services: Services): Promise<RenewalEntry[]> {
  const entries = await Promise.all((await services.store.apps.list()).map((app) => renewalEntry(services, app)));
  return byUrgency(entries.filter((e): e is RenewalEntry => e !== undefined));
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => [...a].sort().join(' ') === [...b].sort().join(' ');

/** dokku-letsencrypt's enable: skipped while the installed certificate still fits, unless forced. */
export async function enableApp(services: Services, ctx: RunContext, app: AppName, force: boolean, o: Out): Promise<void> {
  const domains = await certDomains(services, app);
  if (domains.length === 0) throw configError(`No domains detected for ${app}`);
  log.info2(o, `Enabling letsencrypt for ${app}`);
  const settings = await computed(services, app);
  if (!settings.email) throw configError(`Cannot request a certificate without an e-mail address: dokku letsencrypt:set ${app} email <e-mail>`);
  if (settings.dnsProvider) throw configError(`dns-provider ${settings.dnsProvider}: DNS-01 is not supported yet; dokku letsencrypt:set ${app} dns-provider none uses HTTP-01`);
  if (!(await services.store.releases.current(app))) {
    throw configError(`${app} has not been deployed: the ACME server fetches its challenge from the app's domains, so deploy it first`);
  }
  const active = await activeRecord(services, app);
  const fits = active !== undefined && sameList(active.domains, domains) && active.email === settings.email
    && active.server === settings.directoryUrl
    && !isDue({ app, notAfter: Date.parse(active.notAfter), graceSeconds: settings.graceSeconds }, Date.now());
  if (fits && !force) {
    log.info1(o, `Certificate is still valid for ${app}, skipping certificate request`);
    log.info1(o, 'Pass --force to letsencrypt:enable to request a new certificate anyway');
    return;
  }
  log.info1(o, `Getting letsencrypt certificate for ${app} via HTTP-01`);
  for (const domain of domains) log.verbose(o, ` - Domain '${domain}'`);
  const accountKey = await services.store.acme.accountKey(settings.directoryUrl, settings.email, newAccountKey);
  const pair = await requestCertificate({
    directoryUrl: settings.directoryUrl,
    email: settings.email,
    domains,
    accountKey,
    publish: (token, answer) => services.store.acme.putChallenge(app, token, answer),
    withdraw: (token) => services.store.acme.removeChallenge(app, token),
    say: (line) => log.verbose(o, line),
  });
  log.info1(o, 'Certificate retrieved successfully.');
  log.info1(o, 'Installing let\'s encrypt certificates');
  await installCert(services, ctx, app, pair);
  const cert = new X509Certificate(pair.crt);
  await services.store.acme.setIssued(app, {
    domains, email: settings.email, server: settings.directoryUrl, fingerprint256: cert.fingerprint256,
    notAfter: new Date(cert.validTo).toISOString(), issuedAt: new Date().toISOString(),
  });
  log.verbose(o, `Expires ${new Date(cert.validTo).toISOString()}; renewal due ${formatTimeDiff((Date.parse(cert.validTo) - settings.graceSeconds * 1000 - Date.now()) / 1000)} from now`);
  log.info1(o, 'Done');
}

async function autoRenew(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const o = out(inv);
  if (inv.args[0] !== undefined) {
    const app = await existingApp(services, inv.args[0]);
    const entry = await renewalEntry(services, app);
    if (!entry) {
      log.info1(o, `Letsencrypt not enabled for ${app}`);
      return;
    }
    if (isDue(entry, Date.now())) {
      log.info2(o, `Auto-renew ${app}...`);
      await enableApp(services, ctx, app, false, o);
    } else log.verbose(o, `${app} still has ${formatTimeDiff((renewAt(entry) - Date.now()) / 1000)} left before renewal`);
    return;
  }
  log.info2(o, 'Auto-renewing all apps...');
  const failed: string[] = [];
  for (const entry of await renewalEntries(services)) {
    const app = entry.app as AppName;
    if (!isDue(entry, Date.now())) {
      log.verbose(o, `${app} still has ${formatTimeDiff((renewAt(entry) - Date.now()) / 1000)} left before renewal`);
      continue;
    }
    log.info1(o, `${app} needs renewal`);
    try {
      await enableApp(services, ctx, app, false, o);
    } catch (error) {
      failed.push(app);
      log.warn(o, `${app}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  log.info2(o, 'Finished auto-renewal');
  if (failed.length) throw new SlipwayError('E_ACME_FAILED', `One or more apps failed to have their certificates renewed: ${failed.join(', ')}`, 1);
}

/** UTC `YYYY-MM-DD HH:MM:SS` (Dokku's date +"%F %T", without depending on the host's zone). */
const shownDate = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

async function list(inv: Invocation, services: Services): Promise<void> {
  const row = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(25))).join(' ');
  if (!inv.flags.quiet) inv.io.stdout.write(`-----> ${row(['App name', 'Certificate Expiry', 'Time before expiry', 'Time before renewal'])}\n`);
  const now = Date.now();
  const entries = [...await renewalEntries(services)].sort((a, b) => a.notAfter - b.notAfter);
  for (const e of entries) {
    inv.io.stdout.write(`       ${row([e.app, shownDate(e.notAfter), formatTimeDiff((e.notAfter - now) / 1000), formatTimeDiff((renewAt(e) - now) / 1000)])}\n`);
  }
}

async function cronJob(inv: Invocation, services: Services): Promise<void> {
  const o = out(inv);
  const flag = inv.args[0];
  if (flag === '--add') {
    await services.store.properties.set(PLUGIN, GLOBAL, AUTORENEW, 'true');
    log.info1(o, 'Auto-renew enabled: the running server checks the certificates at least hourly');
    log.verbose(o, 'and runs letsencrypt:auto-renew when one is within its grace period (no crontab entry is written)');
  } else if (flag === '--remove') {
    await services.store.properties.delete(PLUGIN, GLOBAL, AUTORENEW);
    log.info1(o, 'Auto-renew disabled');
  } else if (flag === undefined) {
    if ((await get(services, GLOBAL, AUTORENEW)) === 'true') {
      log.info2(o, 'Auto-renew cron job is enabled');
      log.verbose(o, 'Run \'dokku letsencrypt:cron-job --remove\' to disable.');
    } else {
      log.info2(o, 'Auto-renew cron job is not enabled');
      log.verbose(o, 'Run \'dokku letsencrypt:cron-job --add\' to enable.');
    }
  } else throw new UsageError(`Invalid flag '${flag}', specify --add, --remove, or no flag to display status.`);
}

async function set(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 2, 'letsencrypt:set <app>|--global <property> [<value>]');
  const scope = await scopeArg(services, inv.args[0]);
  const property = parseProperty(inv.args[1]);
  const value = inv.args[2] ?? '';
  checkValue(property, value);
  const o = out(inv);
  if (value === '') {
    log.info1(o, `Unsetting ${property}`);
    await services.store.properties.delete(PLUGIN, scope, property);
  } else {
    log.info1(o, `Setting ${property} to ${value}`);
    await services.store.properties.set(PLUGIN, scope, property, value);
  }
}

async function globalRows(services: Services): Promise<ReportRows> {
  return [
    ['--letsencrypt-autorenew', String((await get(services, GLOBAL, AUTORENEW)) === 'true')],
    ['--letsencrypt-global-dns-provider', await get(services, GLOBAL, 'dns-provider')],
    ['--letsencrypt-global-email', await get(services, GLOBAL, 'email')],
    ['--letsencrypt-global-graceperiod', await get(services, GLOBAL, 'graceperiod')],
    ['--letsencrypt-global-server', await get(services, GLOBAL, 'server')],
  ];
}

async function appRows(services: Services, app: AppName): Promise<ReportRows> {
  const c = await computed(services, app);
  const record = await activeRecord(services, app);
  const computedServer = (await get(services, app, 'server')) || (await get(services, GLOBAL, 'server'));
  return [
    ...await globalRows(services),
    ['--letsencrypt-active', String(record !== undefined)],
    ['--letsencrypt-computed-dns-provider', c.dnsProvider],
    ['--letsencrypt-dns-provider', await get(services, app, 'dns-provider')],
    ['--letsencrypt-computed-email', c.email],
    ['--letsencrypt-email', await get(services, app, 'email')],
    ['--letsencrypt-expiration', record ? String(Math.floor(Date.parse(record.notAfter) / 1000)) : ''],
    ['--letsencrypt-computed-graceperiod', String(c.graceSeconds)],
    ['--letsencrypt-graceperiod', await get(services, app, 'graceperiod')],
    ['--letsencrypt-computed-server', directoryUrlOf(computedServer)],
    ['--letsencrypt-server', await get(services, app, 'server')],
  ];
}

export const letsencryptCommands: CommandSet = {
  plugin: 'letsencrypt',
  summary: 'Certificates from Let\'s Encrypt (or another ACME server), renewed automatically',
  access: { who: 'app' },
  commands: [
    {
      name: 'letsencrypt:enable',
      options: ['--force', '-f', '--all'],
      help: { usage: 'letsencrypt:enable [--force] <app>|--all', description: 'Enable or renew letsencrypt for an app (skipped while its certificate is valid, unless --force)' },
      async run(inv, services, ctx) {
        const { set: flags, positional } = inv.options;
        const force = flags.has('--force') || flags.has('-f');
        if (!flags.has('--all')) {
          await enableApp(services, ctx, await existingApp(services, positional[0]), force, out(inv));
          return;
        }
        const failed: string[] = [];
        for (const app of await services.store.apps.list()) {
          try {
            await enableApp(services, ctx, app, force, out(inv));
          } catch (error) {
            failed.push(app);
            log.warn(out(inv), `${app}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        if (failed.length) throw new SlipwayError('E_ACME_FAILED', `letsencrypt:enable failed for: ${failed.join(', ')}`, 1);
      },
    },
    {
      name: 'letsencrypt:disable',
      help: { usage: 'letsencrypt:disable <app>', description: 'Disable letsencrypt for an app (removes its certificate; it stays on HTTP)' },
      async run(inv, services, ctx) {
        requireArgs(inv.args, 1, 'letsencrypt:disable <app>');
        const app = await existingApp(services, inv.args[0]);
        const o = out(inv);
        log.info1(o, 'Disabling letsencrypt for app');
        log.verbose(o, `Removing letsencrypt files for ${app}`);
        await services.store.acme.clear(app);
        log.verbose(o, `Removing SSL endpoint from ${app}`);
        if (await services.store.certs.remove(app)) {
          await services.platform?.routesChanged(app);
          await services.plugins.fire('post-certs-remove', { APP: app }, ctx);
        }
        log.info1(o, 'Done');
      },
    },
    {
      name: 'letsencrypt:revoke',
      help: { usage: 'letsencrypt:revoke <app>', description: 'Revoke the app\'s letsencrypt certificate at the ACME server (it stays installed until replaced)' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'letsencrypt:revoke <app>');
        const app = await existingApp(services, inv.args[0]);
        const record = await activeRecord(services, app);
        const pair = await services.store.certs.get(app);
        if (!record || !pair) throw configError(`${app} has no certificate from letsencrypt:enable to revoke`);
        const o = out(inv);
        log.info2(o, `Revoking letsencrypt certificate for ${app}`);
        const accountKey = await services.store.acme.accountKey(record.server, record.email, newAccountKey);
        await revokeCertificate({ directoryUrl: record.server, accountKey, crt: pair.crt });
        // The files stay (as dokku-letsencrypt's), but the next enable requests a new certificate.
        await services.store.acme.clear(app);
        log.info1(o, 'Certificate revoked; run letsencrypt:enable for a new one');
      },
    },
    {
      name: 'letsencrypt:active',
      help: { usage: 'letsencrypt:active <app>', description: 'Print true if the app\'s certificate was issued by letsencrypt:enable, false otherwise' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        inv.io.stdout.write(`${(await activeRecord(services, app)) !== undefined}\n`);
      },
    },
    {
      name: 'letsencrypt:auto-renew',
      help: { usage: 'letsencrypt:auto-renew [<app>]', description: 'Renew the certificates within their grace period (one app, or all, most urgent first)' },
      access: { who: 'app', app: 0 },
      run: (inv, services, ctx) => autoRenew(inv, services, ctx),
    },
    {
      name: 'letsencrypt:list',
      access: { who: 'admin' },
      help: { usage: 'letsencrypt:list', description: 'List the apps with a letsencrypt certificate, its expiry and the time before renewal' },
      run: (inv, services) => list(inv, services),
    },
    {
      name: 'letsencrypt:cron-job',
      access: { who: 'admin' },
      help: { usage: 'letsencrypt:cron-job [--add|--remove]', description: 'Turn the server\'s own auto-renew job on or off, or show whether it is on' },
      run: (inv, services) => cronJob(inv, services),
    },
    {
      name: 'letsencrypt:set',
      help: { usage: 'letsencrypt:set <app>|--global <property> [<value>]', description: 'Set or clear a letsencrypt property (email, server, graceperiod, dns-provider)' },
      run: (inv, services) => set(inv, services),
    },
    {
      name: 'letsencrypt:report',
      help: { usage: 'letsencrypt:report [<app>|--global] [<flag>]', description: 'Display the letsencrypt properties and state of an app (or every app)' },
      run: (inv, services) => runReport(inv, services, { type: 'letsencrypt', app: (app) => appRows(services, app), global: () => globalRows(services) }),
    },
  ],
};
