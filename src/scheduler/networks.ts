// Dokku's network properties (network:set), read as the schedulers and the proxy use them: the
// network a container is created on, those it joins after create and after deploy, the tld of its
// aliases, whether its web port is published on every interface, and a static web listener.
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { GLOBAL, type Scope } from '../store/index.js';

export const NETWORK_PLUGIN = 'network';

/** Every property network:set takes, and those `--global` may set (static-web-listener is per app). */
export const NETWORK_PROPERTIES = ['attach-post-create', 'attach-post-deploy', 'bind-all-interfaces', 'initial-network', 'static-web-listener', 'tld'] as const;
export const GLOBAL_NETWORK_PROPERTIES = ['attach-post-create', 'attach-post-deploy', 'bind-all-interfaces', 'initial-network', 'tld'] as const;
export type NetworkProperty = typeof NETWORK_PROPERTIES[number];

/** A property's value for one scope, '' when unset. */
export async function ownNetworkProperty(store: Store, scope: Scope, property: NetworkProperty): Promise<string> {
  return (await store.properties.get(NETWORK_PLUGIN, scope, property))?.trim() ?? '';
}

/** Dokku's computed value: the app's, else the global one, else the default (`false` for bind-all-interfaces). */
export async function computedNetworkProperty(store: Store, scope: Scope, property: NetworkProperty): Promise<string> {
  // static-web-listener has no global value in Dokku.
  if (property === 'static-web-listener') return scope === GLOBAL ? '' : ownNetworkProperty(store, scope, property);
  return (await store.properties.effective(NETWORK_PLUGIN, scope, property)) || (property === 'bind-all-interfaces' ? 'false' : '');
}

export interface AppNetworks {
  /** The network containers are created on ('' : the scheduler's own choice). */
  initial: string;
  attachPostCreate: string[];
  attachPostDeploy: string[];
  bindAllInterfaces: boolean;
  tld: string;
}

const list = (value: string): string[] => value.split(',').map((n) => n.trim()).filter((n) => n !== '');

export async function appNetworks(store: Store, app: AppName): Promise<AppNetworks> {
  const value = (property: NetworkProperty) => computedNetworkProperty(store, app, property);
  return {
    initial: await value('initial-network'),
    attachPostCreate: list(await value('attach-post-create')),
    attachPostDeploy: list(await value('attach-post-deploy')),
    bindAllInterfaces: (await value('bind-all-interfaces')) === 'true',
    tld: await value('tld'),
  };
}

/** Dokku's alias of an app's process type on every network it joins: `APP.TYPE`, then `.TLD` when set. */
export function networkAlias(app: string, type: string, tld: string): string {
  return tld === '' ? `${app}.${type}` : `${app}.${type}.${tld}`;
}

/** A static web listener `HOST:PORT` as the proxy targets it, or undefined when none is set. */
export function parseListener(value: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** The app's static web listener, when set and well-formed: the proxy sends web traffic there. */
export async function staticWebListener(store: Store, app: AppName): Promise<{ host: string; port: number } | undefined> {
  return parseListener(await ownNetworkProperty(store, app, 'static-web-listener'));
}
