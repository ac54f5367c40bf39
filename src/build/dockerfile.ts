// The `dockerfile` builder: streams the pushed tree to the Docker Engine as the build context (its
// Dockerfile with the app's labels after every FROM), relays the build output line by line, tags
// `dokku/APP:VERSION`, and takes process types from the Procfile, or runs the image's CMD as `web`.
// `latest`, pruning and renames follow the release's fate (./docker/app-images.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Builder, BuildContext, BuildResult } from './types.js';
import { parseProcfile } from './procfile.js';
import { directoryTar } from './docker/context-tar.js';
import { log } from '../log.js';
import { DeployFailed, SlipwayError } from '../errors.js';
import { appImageLabels, buildFlags, connect, type DockerClient } from '../docker/index.js';
import { labelStages } from './docker/stage-labels.js';
import { discardBuild, releaseDeployed, releaseImage, removeDangling, renameImages } from './docker/app-images.js';
import { imageCommandLine } from '../scheduler/docker-local/command.js';
import { unlessMissing } from '../os/missing.js';

export const DOCKERFILE_BUILDER = 'dockerfile';

async function readFileIfAny(dir: string, name: string): Promise<string | undefined> {
  const file = path.join(dir, name);
  const stat = await unlessMissing(fs.lstat(file), undefined);
  return stat?.isFile() ? fs.readFile(file, 'utf8') : undefined;
}

async function processTypes(ctx: BuildContext, docker: DockerClient, image: string): Promise<Record<string, string>> {
  const procfile = await readFileIfAny(ctx.dir, ctx.procfilePath ?? 'Procfile');
  if (procfile !== undefined) {
    const types = parseProcfile(procfile);
    if (Object.keys(types).length === 0) throw new DeployFailed('Procfile defines no process types');
    log.verbose(ctx.out, `Procfile process types: ${Object.keys(types).join(', ')}`);
    return types;
  }
  const config = (await docker.findImage(image)).config;
  const command = config === undefined ? '' : imageCommandLine(config);
  if (command === '') throw new DeployFailed('The image has no CMD or ENTRYPOINT, and there is no Procfile: nothing to run');
  log.verbose(ctx.out, `No Procfile: web runs the image's command (${command})`);
  return { web: command };
}

export function dockerfileBuilder(docker: () => DockerClient = () => connect()): Builder {
  return {
    name: DOCKERFILE_BUILDER,

    async detect(dir) {
      return (await readFileIfAny(dir, 'Dockerfile')) !== undefined;
    },

    async unavailable() {
      let client: DockerClient;
      try {
        client = docker();
      } catch (error) {
        return (error as Error).message;
      }
      return (await client.ping()) ? undefined : `Docker is not reachable at ${client.host}`;
    },

    async build(ctx): Promise<BuildResult> {
      const client = docker();
      const flags = buildFlags(ctx.dockerOptions ?? []);
      const image = releaseImage(ctx.app, ctx.version);
      const dockerfile = await readFileIfAny(ctx.dir, 'Dockerfile');
      if (dockerfile === undefined) throw new DeployFailed('There is no Dockerfile to build');
      log.info1(ctx.out, `Building ${image} from the Dockerfile`);
      // Constant per app, so the engine's build cache still matches from one release to the next.
      const stages = appImageLabels(ctx.app, DOCKERFILE_BUILDER, 'build');
      // The build-phase options' labels go on the image, under Slipway's own.
      const own = { ...flags.labels, ...appImageLabels(ctx.app, DOCKERFILE_BUILDER, 'release', ctx.version) };
      const labelled = labelStages(dockerfile, stages, own);
      await client.buildImage(directoryTar(ctx.dir, ctx.signal, { Dockerfile: labelled }), {
        tags: [image],
        buildArgs: { ...ctx.env, ...flags.buildArgs },
        labelledDockerfile: true,
        // RUN steps use the host's network unless `--network` says otherwise: no bridge, no private addresses (DESIGN.md).
        networkMode: flags.networkMode ?? 'host',
        noCache: flags.noCache,
        memoryBytes: ctx.limits?.memoryBytes,
        memorySwapBytes: ctx.limits?.memorySwapBytes,
      }, (line) => log.verbose(ctx.out, line));
      if (ctx.signal.aborted) throw new DeployFailed('Build aborted');
      return { builder: DOCKERFILE_BUILDER, kind: 'dockerfile', processTypes: await processTypes(ctx, client, image), static: false, image };
    },

    async discard(app, build) {
      const client = await answering();
      if (client === undefined) return;
      await discardBuild(client, app, build).catch((error: unknown) => { throw imagesFailure(`remove the failed build's images of ${app}`, error); });
    },

    async released(app, release, kept) {
      const client = await answering();
      if (client === undefined) return [];
      return releaseDeployed(client, app, release.image, kept).catch((error: unknown) => { throw imagesFailure(`update the images of ${app}`, error); });
    },

    async purgeCache(app) {
      const client = await answering();
      if (client === undefined) return 0;
      return removeDangling(client, app).catch((error: unknown) => { throw imagesFailure(`remove the build cache images of ${app}`, error); });
    },

    async renamed(from, to) {
      const client = await answering();
      if (client === undefined) return {};
      return renameImages(client, from, to).catch((error: unknown) => { throw imagesFailure(`rename the images of ${from}`, error); });
    },
  };

  /** The engine, or undefined when it does not answer (or DOCKER_HOST does not parse): nothing to tidy then. */
  async function answering(): Promise<DockerClient | undefined> {
    let client: DockerClient;
    try {
      client = docker();
    } catch {
      return undefined;
    }
    return (await client.ping(2_000)) ? client : undefined;
  }
}

function imagesFailure(what: string, error: unknown): SlipwayError {
  return new SlipwayError('E_DOCKER', `Could not ${what}: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });
}
