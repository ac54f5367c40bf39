// registry:set push-on-release for the engines that run a release's image on this host
// (docker-local): after the build, the image goes to SERVER/REPO:N (N: Dokku's push counter, tag-version
// + 1) and each push-extra-tags tag, with registry:login's credentials; the local registry-format tags
// are dropped once pushed.
import type { Store } from '../store/index.js';
import type { DockerClient } from '../docker/index.js';
import { DockerError, ImageNotFound } from '../docker/index.js';
import { DeployFailed, SlipwayError } from '../errors.js';
import type { PublishReport, ReleaseArtifact } from './types.js';
import { REGISTRY_PLUGIN, isDockerHub, loginFor, noImageLine, registrySettings, remoteRef } from './registry-settings.js';

/** The engine's push progress worth a line: not each layer's Preparing/Waiting/Pushing tick. */
function worthShowing(line: string): boolean {
  return line.trim() !== '' && !/: (Preparing|Waiting|Pushing)$/.test(line);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Dokku's counter: tag-version + 1, stored before the push (a failed push still uses its number up). */
async function bumpTagVersion(store: Store, app: ReleaseArtifact['app']): Promise<number> {
  const current = ((await store.properties.get(REGISTRY_PLUGIN, app, 'tag-version')) ?? '').trim() || '0';
  if (!/^\d+$/.test(current)) throw new DeployFailed(`Unable to convert existing tag version (${current}) to integer`);
  const next = Number(current) + 1;
  await store.properties.set(REGISTRY_PLUGIN, app, 'tag-version', String(next));
  return next;
}

/**
 * Push the release's image when push-on-release is true (a no-op otherwise). The tag is Dokku's push
 * counter (`tag-version`, bumped by one for each push), not the release version.
 */
export async function pushOnRelease(docker: DockerClient, store: Store, release: ReleaseArtifact, report: PublishReport): Promise<void> {
  const settings = await registrySettings(store, release.app);
  if (!settings.pushOnRelease) return;
  const image = release.image;
  if (image === undefined) {
    report.warn(noImageLine(release));
    return;
  }
  // Docker Hub's dokku/ namespace is where Slipway keeps every app's local images (dokku/APP:N):
  // tagging there would move a release's own tags, and nobody outside Dokku can push to it.
  if (isDockerHub(settings.server) && settings.imageRepo.startsWith('dokku/')) {
    throw new DeployFailed(`push-on-release needs a registry: registry:set ${release.app} server HOST[:PORT] (or --global), or registry:set ${release.app} image-repo NAMESPACE/NAME for Docker Hub`);
  }
  report.info('Pushing image to registry');
  const tag = await bumpTagVersion(store, release.app);
  report.verbose(`Bumping tag to ${tag}`);
  const auth = await loginFor(store, release.app, settings.server);
  // Dokku's order: the extra tags first, then the counter's.
  const main = remoteRef(settings, String(tag));
  const refs = [...new Set([...settings.pushExtraTags.map((tag) => remoteRef(settings, tag)), main])];
  const tagged: string[] = [];
  try {
    for (const ref of refs) {
      await docker.tagImage(image, ref);
      tagged.push(ref);
      report.verbose(`Pushing ${ref}`);
      try {
        await docker.pushImage(ref, auth, (line) => { if (worthShowing(line)) report.verbose(line); });
      } catch (error) {
        const reason = error instanceof DockerError ? error.reason : (error as Error).message;
        throw new DeployFailed(`Pushing ${ref} to the registry failed: ${oneLine(reason)}`, { cause: error });
      }
    }
  } finally {
    // The release keeps running from dokku/APP:VERSION; the registry-format names were only for the push.
    for (const ref of tagged) {
      await docker.removeImage(ref).catch((error: unknown) => {
        if (!(error instanceof ImageNotFound)) report.warn(`Could not remove the local tag ${ref}: ${(error as SlipwayError).message}`);
      });
    }
  }
  report.verbose(`Image ${main} pushed`);
}
