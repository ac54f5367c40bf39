// The images the dockerfile builder keeps for one app: `dokku/APP:VERSION` per release, `latest` on
// the deployed one; build leftovers removed, old releases pruned, everything moved on apps:rename.
import { ImageNotFound, LABEL, type DockerClient } from '../../docker/index.js';
import { ConflictError } from '../../errors.js';

export function imageRepository(app: string): string {
  return `dokku/${app}`;
}

export function releaseImage(app: string, version: number): string {
  return `${imageRepository(app)}:${version}`;
}

export function latestImage(app: string): string {
  return `${imageRepository(app)}:latest`;
}

/** The app's own tags of an image (`dokku/APP:…`); another repository's tags are left alone. */
function ownTags(app: string, tags: readonly string[]): string[] {
  return tags.filter((tag) => tag.startsWith(`${imageRepository(app)}:`));
}

/** Remove by reference; an image already gone (with a child it parented) is fine. */
async function removeIfThere(docker: DockerClient, ref: string): Promise<boolean> {
  try {
    await docker.removeImage(ref);
    return true;
  } catch (error) {
    if (error instanceof ImageNotFound) return false;
    throw error;
  }
}

/**
 * The app's dangling images: stage and step images of builds (a failed one's, or a finished
 * multi-stage build's). None is any release's image; one a running container uses stays.
 */
export async function removeDangling(docker: DockerClient, app: string, inUse?: Set<string>): Promise<number> {
  const running = inUse ?? (await docker.imagesInUse());
  let removed = 0;
  for (const image of await docker.danglingImages({ [LABEL.app]: app })) {
    if (!running.has(image.id) && (await removeIfThere(docker, image.id))) removed += 1;
  }
  return removed;
}

/** A deploy failed: its build's image goes when it never became a release, and the leftovers with it. */
export async function discardBuild(docker: DockerClient, app: string, build: number | undefined): Promise<void> {
  if (build !== undefined) await removeIfThere(docker, releaseImage(app, build));
  await removeDangling(docker, app);
}

/**
 * A release was deployed: `latest` moves to its image; images of builds not `kept` go, except the
 * deployed one and any a running container uses. Returns the tags removed.
 */
export async function releaseDeployed(
  docker: DockerClient, app: string, image: string | undefined, kept: (build: number) => Promise<boolean>,
): Promise<string[]> {
  const current = image !== undefined && ownTags(app, [image]).length === 1 ? await docker.findImage(image) : undefined;
  if (current !== undefined && image !== undefined) await docker.tagImage(image, latestImage(app));
  const inUse = await docker.imagesInUse();
  const removed: string[] = [];
  for (const candidate of await docker.listImages({ [LABEL.app]: app })) {
    if (candidate.id === current?.id || inUse.has(candidate.id)) continue;
    const build = Number(candidate.labels[LABEL.release]);
    if (!Number.isInteger(build) || (await kept(build))) continue;
    for (const tag of ownTags(app, candidate.tags)) {
      if (await removeIfThere(docker, tag)) removed.push(tag);
    }
  }
  await removeDangling(docker, app, inUse);
  return removed;
}

/**
 * apps:rename: each image of `from` is copied under `dokku/TO:TAG` with the new app's labels (same
 * layers), the old tags removed, and `from`'s build leftovers dropped. Returns old → new references.
 */
export async function renameImages(docker: DockerClient, from: string, to: string): Promise<Record<string, string>> {
  const moved: Record<string, string> = {};
  const renamedTag = (ref: string): string => `${imageRepository(to)}:${ref.slice(imageRepository(from).length + 1)}`;
  for (const image of await docker.listImages({ [LABEL.app]: from })) {
    const [first, ...more] = ownTags(from, image.tags);
    if (first === undefined) continue;
    const labels = { ...image.labels, [LABEL.app]: to, [LABEL.dokkuApp]: to };
    const copy = await docker.relabelImage(first, renamedTag(first), labels);
    moved[first] = renamedTag(first);
    for (const tag of more) {
      await docker.tagImage(copy.id, renamedTag(tag));
      moved[tag] = renamedTag(tag);
    }
    for (const tag of [first, ...more]) {
      // A container still running the old name (someone's own `docker run`) keeps that one tag.
      await removeIfThere(docker, tag).catch((error: unknown) => { if (!(error instanceof ConflictError)) throw error; });
    }
  }
  await removeDangling(docker, from);
  return moved;
}
