// Dokku's `registry` properties, read where images are pushed: the server (app, then global),
// the image repository (default `dokku/APP`), push-on-release, and the credentials registry:login
// stored per server (the app's own first, then the global ones; files readable by their owner only).
import { GLOBAL, type Scope, type Store } from '../store/index.js';
import type { AppName } from '../names.js';
import type { RegistryAuth } from '../docker/index.js';

export const REGISTRY_PLUGIN = 'registry';

async function appOrGlobal(store: Store, app: AppName, key: string): Promise<string> {
  return store.properties.effective(REGISTRY_PLUGIN, app, key);
}

export function defaultImageRepo(app: AppName): string {
  return `dokku/${app}`;
}

export interface RegistrySettings {
  server: string;
  imageRepo: string;
  pushOnRelease: boolean;
}

export async function registrySettings(store: Store, app: AppName): Promise<RegistrySettings> {
  return {
    server: (await appOrGlobal(store, app, 'server')).replace(/\/+$/, ''),
    imageRepo: (await store.properties.get(REGISTRY_PLUGIN, app, 'image-repo')) || defaultImageRepo(app),
    pushOnRelease: (await appOrGlobal(store, app, 'push-on-release')) === 'true',
  };
}

/** `SERVER/REPO:TAG`; Docker Hub's names need no server part. */
export function remoteRef(settings: RegistrySettings, tag: string): string {
  const hub = settings.server === '' || settings.server === 'docker.io' || settings.server === 'hub.docker.com';
  return `${hub ? '' : `${settings.server}/`}${settings.imageRepo}:${tag}`;
}

/** The property a server's credentials live in: `login.HOST_PORT` (property names allow no `:`). */
function loginKey(server: string): string {
  return `login.${server.toLowerCase().replace(/[^a-z0-9.-]/g, '_')}`;
}

export async function saveLogin(store: Store, scope: Scope, auth: RegistryAuth): Promise<void> {
  await store.properties.set(REGISTRY_PLUGIN, scope, loginKey(auth.serveraddress), JSON.stringify({ username: auth.username, password: auth.password }), { secret: true });
}

export async function deleteLogin(store: Store, scope: Scope, server: string): Promise<boolean> {
  const had = (await store.properties.get(REGISTRY_PLUGIN, scope, loginKey(server))) !== undefined;
  await store.properties.delete(REGISTRY_PLUGIN, scope, loginKey(server));
  return had;
}

/** Credentials for a server: the app's login, else the global one, else none. */
export async function loginFor(store: Store, app: AppName, server: string): Promise<RegistryAuth | undefined> {
  for (const scope of [app, GLOBAL] as Scope[]) {
    const raw = await store.properties.get(REGISTRY_PLUGIN, scope, loginKey(server));
    if (raw === undefined) continue;
    const { username, password } = JSON.parse(raw) as { username: string; password: string };
    return { username, password, serveraddress: server };
  }
  return undefined;
}
