// The `dockerfile` builder: streams the pushed tree to the Docker Engine as the build context,
// relays the build output line by line, tags `dokku/APP:VERSION` and `dokku/APP:latest`, and
// takes process types from the Procfile, or runs the image's own CMD as `web`.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Builder, BuildContext, BuildResult } from './types.js';
import { parseProcfile } from './procfile.js';
import { directoryTar } from './docker/context-tar.js';
import { log } from '../log.js';
import { DeployFailed } from '../errors.js';
import { LABEL, connect, type DockerClient } from '../docker/index.js';
import { imageCommandLine } from '../scheduler/docker-local/command.js';

export const DOCKERFILE_BUILDER = 'dockerfile';
export const BUILDER_LABEL = 'com.slipway.builder';

export function imageRepository(app: string): string {
  return `dokku/${app}`;
}

async function readFileIfAny(dir: string, name: string): Promise<string | undefined> {
  const file = path.join(dir, name);
  const stat = await fs.lstat(file).catch(() => undefined);
  return stat?.isFile() ? fs.readFile(file, 'utf8') : undefined;
}

async function processTypes(ctx: BuildContext, docker: DockerClient, image: string): Promise<Record<string, string>> {
  const procfile = await readFileIfAny(ctx.dir, 'Procfile');
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
      const repository = imageRepository(ctx.app);
      const tags = [`${repository}:${ctx.version}`, `${repository}:latest`];
      log.info1(ctx.out, `Building ${tags[0]} from the Dockerfile`);
      await client.buildImage(directoryTar(ctx.dir, ctx.signal), {
        tags,
        buildArgs: ctx.env,
        labels: { [LABEL.app]: ctx.app, [LABEL.release]: String(ctx.version), [BUILDER_LABEL]: DOCKERFILE_BUILDER },
        // RUN steps use the host's network: no bridge, no private addresses (DESIGN.md).
        networkMode: 'host',
      }, (line) => log.verbose(ctx.out, line));
      if (ctx.signal.aborted) throw new DeployFailed('Build aborted');
      return { builder: DOCKERFILE_BUILDER, kind: 'dockerfile', processTypes: await processTypes(ctx, client, tags[0]), static: false, image: tags[0] };
    },
  };
}
