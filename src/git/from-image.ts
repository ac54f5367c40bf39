// git:from-image — Dokku's deploy of a ready-made image: a build context holding only
// `FROM IMAGE` (and Dokku's alternate-tags label) is committed onto the deploy branch and deployed
// by the dockerfile builder; `source-image` records the image once the deploy succeeded.
// git:load-image first loads that image from a `docker save` tarball on stdin.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CoreCommand } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { RunContext } from '../plugins/host.js';
import type { Services } from '../services.js';
import { existingApp, out } from '../core/shared/invocation.js';
import { requirePlatform } from '../core/shared/platform.js';
import { log } from '../log.js';
import { SlipwayError, UsageError } from '../errors.js';
import { shown } from '../names.js';
import { checkImageRef } from '../docker/refs.js';
import { connect } from '../docker/index.js';
import { deployDirectory } from './commit-dir.js';

const USAGE = 'git:from-image [--force] <app> <docker-image> [<git-username> <git-email>]';

/** The whole build context: the image is checked first, so it cannot add lines of its own. */
export function dockerfileFor(image: string): string {
  return `FROM ${image}\nLABEL com.dokku.docker-image-labeler/alternate-tags=[\\"${image}\\"]\n`;
}

interface ImageRequest { app: Awaited<ReturnType<typeof existingApp>>; image: string; author: { name: string; email: string } }

/** APP IMAGE [GIT-USERNAME GIT-EMAIL], checked as both commands take them. */
async function imageRequest(inv: Invocation, services: Services, usage: string): Promise<ImageRequest> {
  const { values, positional } = inv.options;
  const app = await existingApp(services, positional[0]);
  if (!positional[1]) throw new UsageError('Please specify a docker image');
  if (values.has('--build-dir')) throw new UsageError('--build-dir is not supported by Slipway: the build context is the image alone');
  if (positional.length > 4) throw new UsageError(`Unexpected argument '${shown(positional[4])}'. Usage: dokku ${usage}`);
  const image = checkImageRef(positional[1]);
  return { app, image, author: { name: positional[2] || 'Dokku', email: positional[3] || 'automated@dokku.sh' } };
}

/** Deploys a build context of `FROM image` through the pipeline a push uses; records source-image. */
async function deployImage(inv: Invocation, services: Services, ctx: RunContext, request: ImageRequest, reason: string): Promise<void> {
  const o = out(inv);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-image-'));
  try {
    log.info1(o, 'Generating build context');
    const dir = path.join(scratch, 'context');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'Dockerfile'), dockerfileFor(request.image));
    await deployDirectory({ inv, services, ctx, app: request.app, dir, scratch, author: request.author, reason });
    await services.store.properties.set('git', request.app, 'source-image', request.image);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function fromImage(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const request = await imageRequest(inv, services, USAGE);
  requirePlatform(services);
  // No registry is asked: the engine's build pulls a missing base itself (--force changes nothing).
  if (inv.options.set.has('--force')) log.verbose(out(inv), 'The image is used as the engine has it; --force pulls nothing');
  await deployImage(inv, services, ctx, request, 'git:from-image');
}

const LOAD_USAGE = 'git:load-image <app> <docker-image> [<git-username> <git-email>]';

async function loadImage(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const request = await imageRequest(inv, services, LOAD_USAGE);
  requirePlatform(services);
  const docker = connect(services.settings.docker.host || undefined);
  log.info1(out(inv), 'Loading image from stdin');
  // The tarball streams from the client to the engine; nothing of it is held here.
  await docker.loadImages(inv.io.stdin, (line) => { if (line.trim()) log.verbose(out(inv), line.trim()); });
  if (!(await docker.hasImage(request.image))) {
    throw new SlipwayError('E_IMAGE_NOT_LOADED', `Loaded image tarball but the specified docker image was not found: ${request.image}`, 1);
  }
  await deployImage(inv, services, ctx, request, 'git:load-image');
}

export const fromImageCommand: CoreCommand = {
  name: 'git:from-image',
  // Admins only: a build FROM any image the engine holds would let an app key read another app's
  // image (dokku/OTHER:latest) by deploying it and using `run`.
  access: { who: 'admin', app: 0 },
  options: ['--force', '--build-dir='],
  help: { usage: 'git:from-image [--force] <app> <docker-image> [<git-username> <git-email>]', description: 'Updates an app\'s git repository with a given docker image and deploys it' },
  run: (inv, services, ctx) => fromImage(inv, services, ctx),
};

export const loadImageCommand: CoreCommand = {
  name: 'git:load-image',
  // Admins only, as git:from-image; loading also adds images to the engine every app builds on.
  access: { who: 'admin', app: 0 },
  options: ['--build-dir='],
  help: { usage: LOAD_USAGE, description: 'Updates an app\'s git repository with a docker image loaded from stdin (a docker save tarball) and deploys it' },
  run: (inv, services, ctx) => loadImage(inv, services, ctx),
};
