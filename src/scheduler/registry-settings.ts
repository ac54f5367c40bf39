// Dokku's `registry` properties, read where images are pushed: the server (app, then global),
// the image repository (default `dokku/APP`), push-on-release and push-extra-tags (app, then
// global), and the credentials registry:login stored per server (the app's own first, then the
// global ones; files readable by their owner only).
import { GLOBAL, type Scope, type Store } from '../store/index.js';
import type { AppName } from '../names.js';
import type { RegistryAuth } from '../docker/index.js';
import type { PublishReport, ReleaseArtifact } from './types.js';

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
  /** push-extra-tags: tags pushed beside the release's own on each push-on-release push. */
  pushExtraTags: string[];
}

/** A Docker image tag (Docker's own rule). */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** push-extra-tags' comma list as tags; undefined when an entry is not a tag. */
export function parseExtraTags(value: string): string[] | undefined {
  if (value.trim() === '') return [];
  const tags = value.split(',').map((t) => t.trim());
  return tags.every((t) => IMAGE_TAG.test(t)) ? tags : undefined;
}

export async function registrySettings(store: Store, app: AppName): Promise<RegistrySettings> {
  return {
    server: (await appOrGlobal(store, app, 'server')).replace(/\/+$/, ''),
    imageRepo: (await store.properties.get(REGISTRY_PLUGIN, app, 'image-repo')) || defaultImageRepo(app),
    pushOnRelease: (await appOrGlobal(store, app, 'push-on-release')) === 'true',
    pushExtraTags: parseExtraTags(await appOrGlobal(store, app, 'push-extra-tags')) ?? [],
  };
}

/** Docker Hub: no server set, or one of its names (its references carry no server part). */
export function isDockerHub(server: string): boolean {
  return server === '' || server === 'docker.io' || server === 'hub.docker.com';
}

/** `SERVER/REPO:TAG`; Docker Hub's names need no server part. */
export function remoteRef(settings: RegistrySettings, tag: string): string {
  return `${isDockerHub(settings.server) ? '' : `${settings.server}/`}${settings.imageRepo}:${tag}`;
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

/** Credentials for a server: the app's login, else the global one, else none (Docker Hub: a login to any of its names). */
export async function loginFor(store: Store, app: AppName, server: string): Promise<RegistryAuth | undefined> {
  const names = isDockerHub(server) ? ['docker.io', 'hub.docker.com', 'index.docker.io'] : [server];
  for (const scope of [app, GLOBAL] as Scope[]) {
    for (const name of names) {
      const raw = await store.properties.get(REGISTRY_PLUGIN, scope, loginKey(name));
      if (raw === undefined) continue;
      const { username, password } = JSON.parse(raw) as { username: string; password: string };
      return { username, password, serveraddress: name };
    }
  }
  return undefined;
}

/** What the pusher is told when push-on-release is set for a release that is not an image. */
export function noImageLine(release: ReleaseArtifact): string {
  return `push-on-release is true for ${release.app}, but v${release.version} was not built as an image (the process scheduler runs it from its build directory): nothing was pushed to a registry`;
}

/** The process engine's answer to push-on-release: one warning, nothing pushed. */
export async function warnNoImage(store: Store, release: ReleaseArtifact, report: PublishReport): Promise<void> {
  if ((await registrySettings(store, release.app)).pushOnRelease) report.warn(noImageLine(release));
}
