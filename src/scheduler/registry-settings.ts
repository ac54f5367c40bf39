// Dokku's `registry` properties, read where images are pushed: the server (app, then global),
// the image repository (default `dokku/APP`), push-on-release and push-extra-tags (app, then
// global), and the credentials registry:login stored per server (the app's own first, then the
// global ones; files readable by their owner only). image-repo-template (app, then global) is a Go
// template rendered with .AppName, as Dokku's text/template does, by Slipway's sigil engine.
import { render, checkTemplate, isSigilError } from '../sigil/index.js';
import { DeployFailed } from '../errors.js';
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

/** Parse-checks an image-repo-template; throws SigilError with one line when it is not a template. */
export function checkImageRepoTemplate(template: string): void {
  checkTemplate(template, 'image-repo-template');
}

/** image-repo-template rendered for app ('' when neither the app nor --global sets one). */
export async function templateImageRepo(store: Store, app: AppName): Promise<string> {
  const template = (await store.properties.get(REGISTRY_PLUGIN, app, 'image-repo-template'))?.trim()
    || (await store.properties.get(REGISTRY_PLUGIN, GLOBAL, 'image-repo-template')) || '';
  if (template === '') return '';
  try {
    // No environment: only .AppName, as Dokku's template data holds.
    return render(template, { AppName: app }, { name: 'image-repo-template', env: {} }).trim();
  } catch (error) {
    if (isSigilError(error)) throw new DeployFailed(`Unable to execute image-repo-template: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * image-repo, else the rendered image-repo-template, else dokku/APP (Dokku's computed image repo).
 * A template that fails to render throws, or with `fallback` (reports) counts as none, as Dokku's report does.
 */
export async function computedImageRepo(store: Store, app: AppName, options: { fallback?: boolean } = {}): Promise<string> {
  const rendered = options.fallback ? () => templateImageRepo(store, app).catch(() => '') : () => templateImageRepo(store, app);
  return (await store.properties.get(REGISTRY_PLUGIN, app, 'image-repo'))?.trim() || (await rendered()) || defaultImageRepo(app);
}

export async function registrySettings(store: Store, app: AppName, options: { fallback?: boolean } = {}): Promise<RegistrySettings> {
  return {
    server: (await appOrGlobal(store, app, 'server')).replace(/\/+$/, ''),
    imageRepo: await computedImageRepo(store, app, options),
    pushOnRelease: (await appOrGlobal(store, app, 'push-on-release')) === 'true',
    pushExtraTags: parseExtraTags(await appOrGlobal(store, app, 'push-extra-tags')) ?? [],
  };
}

/** Docker Hub: no server set, or one of its names (its references carry no server part). */
export function isDockerHub(server: string): boolean {
  return server === '' || server === 'docker.io' || server === 'hub.docker.com';
}

/** Dokku's computed server: `SERVER/`, or '' for Docker Hub (deployed-app-repository's answer). */
export function serverPrefix(server: string): string {
  return isDockerHub(server) ? '' : `${server}/`;
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

/** Whether registry:login stored any server's credentials for scope. */
export async function hasLogins(store: Store, scope: Scope): Promise<boolean> {
  return [...(await store.properties.list(REGISTRY_PLUGIN, scope)).keys()].some((key) => key.startsWith('login.'));
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
