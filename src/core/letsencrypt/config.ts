// letsencrypt's properties (dokku-letsencrypt's names, at $DOKKU_LIB_ROOT/config/letsencrypt/…):
// each read for the app, then --global, then the default; and the checks letsencrypt:set makes.
import type { Services } from '../../services.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import type { AppName } from '../../names.js';
import { UsageError } from '../../errors.js';
import { shown } from '../../names.js';
import { NAMED_SERVERS } from './acme.js';

export const PLUGIN = 'letsencrypt';
/** The server's renewal job is on (letsencrypt:cron-job --add); a global property. */
export const AUTORENEW = 'autorenew';
/** dokku-letsencrypt's default graceperiod: 30 days. */
export const DEFAULT_GRACE_SECONDS = 2_592_000;

export const PROPERTIES = ['dns-provider', 'email', 'graceperiod', 'server'] as const;
export type Property = (typeof PROPERTIES)[number];
/** dokku-letsencrypt's properties for its lego container: nothing to pass them to here. */
const LEGO_ONLY = new Set(['lego-args', 'lego-docker-options']);

export function parseProperty(key: string | undefined): Property {
  if (key !== undefined && (PROPERTIES as readonly string[]).includes(key)) return key as Property;
  if (key !== undefined && LEGO_ONLY.has(key)) throw new UsageError(`${key} configures dokku-letsencrypt's lego container; Slipway's built-in ACME client has none`);
  if (key?.startsWith('dns-provider-')) throw new UsageError('DNS-01 is not supported yet (HTTP-01 only), so dns-provider-* credentials are not used');
  throw new UsageError(`Invalid property '${shown(key ?? '')}'. Valid properties: ${PROPERTIES.join(', ')}`);
}

/** Refuses a value the ACME client could not use; '' always clears. */
export function checkValue(property: Property, value: string): void {
  if (value === '') return;
  const ok = {
    email: /^[^\s@]+@[^\s@]+$/.test(value),
    server: value in NAMED_SERVERS || /^https?:\/\/[^\s]+$/.test(value),
    graceperiod: /^\d{1,10}$/.test(value),
    'dns-provider': /^[a-z0-9][a-z0-9_.-]*$/.test(value),
  }[property];
  if (!ok) {
    const want = {
      email: 'an e-mail address', server: 'default, staging or an ACME directory URL',
      graceperiod: 'a number of seconds', 'dns-provider': 'a provider name, or none',
    }[property];
    throw new UsageError(`Invalid value for ${property}: expected ${want}`);
  }
}

export function get(services: Services, scope: Scope, property: Property | typeof AUTORENEW): Promise<string> {
  return services.store.properties.get(PLUGIN, scope, property).then((v) => v ?? '');
}

export interface Computed {
  email: string;
  /** The directory URL: `default` and `staging` resolved (Dokku's computed-server). */
  directoryUrl: string;
  graceSeconds: number;
  /** '' or `none`: HTTP-01. */
  dnsProvider: string;
}

export function directoryUrlOf(server: string): string {
  return NAMED_SERVERS[server || 'default'] ?? server;
}

export async function computed(services: Services, app: AppName): Promise<Computed> {
  const value = async (property: Property) => (await get(services, app, property)) || get(services, GLOBAL, property);
  const [email, server, grace, dnsProvider] = await Promise.all([value('email'), value('server'), value('graceperiod'), value('dns-provider')]);
  return {
    email,
    directoryUrl: directoryUrlOf(server),
    graceSeconds: grace === '' ? DEFAULT_GRACE_SECONDS : Number(grace),
    dnsProvider: dnsProvider === 'none' ? '' : dnsProvider,
  };
}
