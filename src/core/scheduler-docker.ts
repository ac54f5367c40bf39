// The Docker side of the core: `ps:inspect APP` (the engine's inspect of the app's containers),
// the hidden `docker:image-id REF` that plugins' `get_image_id` calls, the `post-delete` answer
// that removes what Slipway created for a destroyed app (containers, images, volumes), and the
// `post-deploy` one that drops the images of releases whose builds were pruned.
import type { CommandSet } from '../commands/registry.js';
import type { Services } from '../services.js';
import type { CoreTrigger } from '../plugins/host.js';
import { existingApp, requireArgs } from './common.js';
import { prefix } from '../log.js';
import { NotFoundError, SlipwayError } from '../errors.js';
import { isValidAppName, type AppName } from '../names.js';
import { ImageNotFound, LABEL, connect, type DockerClient } from '../docker/index.js';
import { instanceId, ownLabels } from '../scheduler/docker-local/naming.js';
import { BUILDER_LABEL, DOCKERFILE_BUILDER } from '../build/dockerfile.js';

/** A client that answers, or a clear error: these commands need the engine itself. */
async function engine(): Promise<DockerClient> {
  const docker = connect();
  if (!(await docker.ping())) throw new SlipwayError('E_DOCKER_UNAVAILABLE', `Docker is not reachable at ${docker.host}`, 1);
  return docker;
}

export const dockerCommands: CommandSet = {
  plugin: 'ps',
  // No summary: `ps` is listed by the main ps set.
  summary: '',
  commands: [
    {
      name: 'ps:inspect',
      help: { usage: 'ps:inspect <app>', description: 'Show the container inspect output of the app\'s containers (docker-local)' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'ps:inspect <app>');
        const app = await existingApp(services, inv.args[0]);
        const docker = await engine();
        const containers = await docker.listContainers({ ...ownLabels(instanceId(services.settings.home)), [LABEL.app]: app });
        if (containers.length === 0) throw new NotFoundError('E_NO_CONTAINERS', `App ${app} has no containers (it does not run on the docker-local scheduler)`);
        const documents: unknown[] = [];
        for (const c of containers.sort((a, b) => a.name.localeCompare(b.name))) documents.push(await docker.inspectContainerRaw(c.id));
        inv.io.stdout.write(`${JSON.stringify(documents, null, 4)}\n`);
      },
    },
    {
      // Hidden: the bash helper get_image_id is its interface.
      name: 'docker:image-id',
      async run(inv) {
        requireArgs(inv.args, 1, 'docker:image-id <image-ref>');
        const ref = inv.args[0];
        const docker = await engine();
        try {
          inv.io.stdout.write(`${(await docker.findImage(ref)).id}\n`);
        } catch (error) {
          if (error instanceof ImageNotFound) {
            throw new NotFoundError('E_IMAGE_NOT_FOUND', `${ref} image not found... Did you run 'dokku plugin:install'?`);
          }
          throw error;
        }
      },
    },
  ],
};

/** An engine that answers now, or undefined (no Docker here, or DOCKER_HOST does not parse). */
async function answering(): Promise<DockerClient | undefined> {
  let docker: DockerClient;
  try {
    docker = connect();
  } catch {
    return undefined;
  }
  return (await docker.ping(2_000)) ? docker : undefined;
}

/** Untag (and so delete) the dockerfile images of releases whose build directory was pruned. */
async function pruneImages(services: Services, docker: DockerClient, app: AppName): Promise<void> {
  const images = await docker.listImages({ [LABEL.app]: app, [BUILDER_LABEL]: DOCKERFILE_BUILDER });
  for (const image of images) {
    const build = Number(image.labels[LABEL.release]);
    if (!Number.isInteger(build) || (await services.store.releases.hasBuild(app, { build }))) continue;
    for (const tag of image.tags) await docker.removeImage(tag);
  }
}

export function dockerTriggers(services: Services): Record<string, CoreTrigger> {
  return {
    // After a deploy switched traffic. Never fails the deploy: a leftover image is only disk space.
    'post-deploy': async ([app], ctx) => {
      if (!app || !isValidAppName(app)) return '';
      const docker = await answering();
      if (docker === undefined) return '';
      await pruneImages(services, docker, app).catch((error: unknown) => {
        ctx.io.stderr.write(`${prefix.warn}Could not remove old images of ${app}: ${error instanceof Error ? error.message : String(error)}\n`);
      });
      return '';
    },
    // Runs after the app's processes were stopped and its data removed: what is left in the engine
    // under the app's label (images, one-off or stray containers, volumes it made) goes too.
    'post-delete': async ([app], ctx) => {
      if (!app || !isValidAppName(app)) return '';
      const docker = await answering();
      if (docker === undefined) return '';
      try {
        const removed = await docker.removeByLabels({ [LABEL.app]: app });
        if (removed.containers + removed.images + removed.volumes === 0 || ctx.flags.quiet) return '';
        return `${prefix.info1}Removed Docker leftovers of ${app}: ${removed.containers} container(s), ${removed.images} image(s), ${removed.volumes} volume(s)\n`;
      } catch (error) {
        ctx.io.stderr.write(`${prefix.warn}Could not remove the Docker images of ${app}: ${error instanceof Error ? error.message : String(error)}\n`);
        return '';
      }
    },
  };
}
