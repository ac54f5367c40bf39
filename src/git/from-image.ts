// git:from-image — Dokku's deploy of a ready-made image: a build context holding only
// `FROM IMAGE` (and Dokku's alternate-tags label) is committed onto the deploy branch and deployed
// by the dockerfile builder; `source-image` records the image once the deploy succeeded.
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
import { UsageError } from '../errors.js';
import { shown } from '../names.js';
import { checkImageRef } from '../docker/refs.js';
import { deployDirectory } from './commit-dir.js';

const USAGE = 'git:from-image [--force] <app> <docker-image> [<git-username> <git-email>]';

/** The whole build context: the image is checked first, so it cannot add lines of its own. */
export function dockerfileFor(image: string): string {
  return `FROM ${image}\nLABEL com.dokku.docker-image-labeler/alternate-tags=[\\"${image}\\"]\n`;
}

async function fromImage(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const { set, values, positional } = inv.options;
  const app = await existingApp(services, positional[0]);
  if (!positional[1]) throw new UsageError('Please specify a docker image');
  if (values.has('--build-dir')) throw new UsageError('--build-dir is not supported by Slipway: the build context is the image alone');
  if (positional.length > 4) throw new UsageError(`Unexpected argument '${shown(positional[4])}'. Usage: dokku ${USAGE}`);
  const image = checkImageRef(positional[1]);
  const author = { name: positional[2] || 'Dokku', email: positional[3] || 'automated@dokku.sh' };
  requirePlatform(services);
  const o = out(inv);
  // No registry is asked: the engine's build pulls a missing base itself (--force changes nothing).
  if (set.has('--force')) log.verbose(o, 'The image is used as the engine has it; --force pulls nothing');
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-image-'));
  try {
    log.info1(o, 'Generating build context');
    const dir = path.join(scratch, 'context');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'Dockerfile'), dockerfileFor(image));
    await deployDirectory({ inv, services, ctx, app, dir, scratch, author, reason: 'git:from-image' });
    await services.store.properties.set('git', app, 'source-image', image);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
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
