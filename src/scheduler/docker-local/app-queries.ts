// What the core asks of the Docker engine about one app outside a running scheduler: ps:inspect's
// container documents, an image id for plugins' get_image_id, and the leftovers of a deleted app.
import type { AppName } from '../../names.js';
import type { Settings } from '../../settings.js';
import { NotFoundError, SlipwayError } from '../../errors.js';
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
