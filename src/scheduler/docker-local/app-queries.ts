// What the core asks of the Docker engine about one app outside a running scheduler: ps:inspect's
// container documents, an image id for plugins' get_image_id, and the leftovers of a deleted app.
import type { AppName } from '../../names.js';
import type { Settings } from '../../settings.js';
import type { Store } from '../../store/index.js';
import { ConflictError, NotFoundError, SlipwayError } from '../../errors.js';
import { ContainerNotFound, ImageNotFound, LABEL, connect, type DockerClient } from '../../docker/index.js';
import { instanceId, ownLabels } from './naming.js';

/** A client that answers, or a clear error: these questions need the engine itself. */
async function engine(): Promise<DockerClient> {
  const docker = connect();
  if (!(await docker.ping())) throw new SlipwayError('E_DOCKER_UNAVAILABLE', `Docker is not reachable at ${docker.host}`, 1);
  return docker;
}

/** An engine that answers now, or undefined (no Docker here, or DOCKER_HOST does not parse). */
export async function answeringEngine(): Promise<DockerClient | undefined> {
  let docker: DockerClient;
  try {
    docker = connect();
  } catch {
    return undefined;
  }
  return (await docker.ping(2_000)) ? docker : undefined;
}

/** The inspect documents of the containers this data dir's server made for the app, by name. */
export async function inspectApp(settings: Settings, app: AppName): Promise<unknown[]> {
  const docker = await engine();
  const containers = await docker.listContainers({ ...ownLabels(instanceId(settings.home)), [LABEL.app]: app });
  const documents: unknown[] = [];
  for (const c of containers.sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      documents.push(await docker.inspectContainerRaw(c.id));
    } catch (error) {
      // Removed between the list and its inspect (an old generation retiring): no longer the app's.
      if (!(error instanceof ContainerNotFound)) throw error;
    }
  }
  return documents;
}

export async function imageId(ref: string): Promise<string> {
  const docker = await engine();
  try {
    return (await docker.findImage(ref)).id;
  } catch (error) {
    if (error instanceof ImageNotFound) {
      throw new NotFoundError('E_IMAGE_NOT_FOUND', `${ref} image not found... Did you run 'dokku plugin:install'?`);
    }
    throw error;
  }
}

/** Everything left in the engine under the app's label (images, one-off or stray containers, volumes). */
export async function removeAppLeftovers(app: AppName): Promise<string | undefined> {
  const docker = await answeringEngine();
  if (docker === undefined) return undefined;
  try {
    const removed = await docker.removeByLabels({ [LABEL.app]: app });
    if (removed.containers + removed.images + removed.volumes === 0) return undefined;
    return `Removed Docker leftovers of ${app}: ${removed.containers} container(s), ${removed.images} image(s), ${removed.volumes} volume(s)`;
  } catch (error) {
    throw new SlipwayError('E_DOCKER', `Could not remove the Docker images of ${app}: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
}

/** Docker's states of a container that no longer runs and will not restart by itself. */
const ENDED = new Set(['exited', 'dead']);

/**
 * Dokku's docker_cleanup, limited to what this installation made: its exited/dead containers that
 * are one-offs or belong to no current release of an existing app (a crashed process of the
 * serving release stays, for ps:report and logs), then the app's dangling images no container
 * uses. No engine here: nothing to do.
 */
export async function cleanupLeftovers(store: Store, only: AppName | undefined): Promise<string[]> {
  const docker = await answeringEngine();
  if (docker === undefined) return [];
  const apps = only ? [only] : await store.apps.list();
  const current = new Map<string, string>();
  for (const app of apps) current.set(app, String((await store.releases.current(app))?.version ?? ''));
  const containers = new Map<string, number>();
  const own = { ...ownLabels(instanceId(store.settings.home)), ...(only ? { [LABEL.app]: only } : {}) };
  for (const c of await docker.listContainers(own, { all: true })) {
    if (!ENDED.has(c.state)) continue;
    const app = c.labels[LABEL.app] ?? '';
    const serving = c.labels[LABEL.oneOff] !== 'true' && current.has(app) && current.get(app) === c.labels[LABEL.release];
    if (serving) continue;
    try {
      await docker.removeContainer(c.id, { force: true });
      containers.set(app, (containers.get(app) ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof ContainerNotFound)) throw error;
    }
  }
  const inUse = await docker.imagesInUse();
  const lines: string[] = [];
  for (const app of new Set([...apps, ...containers.keys()])) {
    let images = 0;
    if ((apps as readonly string[]).includes(app)) {
      for (const image of await docker.danglingImages({ [LABEL.app]: app })) {
        if (inUse.has(image.id)) continue;
        try {
          await docker.removeImage(image.id);
          images += 1;
        } catch (error) {
          // Gone with a child it parented, or a build started using it meanwhile: left for next time.
          if (!(error instanceof ImageNotFound) && !(error instanceof ConflictError)) throw error;
        }
      }
    }
    const count = containers.get(app) ?? 0;
    if (count + images > 0) lines.push(`${app || '(no app)'}: removed ${count} container(s), ${images} dangling image(s)`);
  }
  return lines;
}
