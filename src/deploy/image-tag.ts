// Dokku's IMAGE_TAG for a release, as the triggers receive it (pre-deploy, post-deploy, pre-delete…).
import type { ReleaseRecord } from '../store/index.js';

/** The tag of the release's image (`dokku/APP:TAG`), or `vN` for a release built without an image (native). */
export function imageTag(release: Pick<ReleaseRecord, 'image' | 'version'>): string {
  const image = release.image;
  const colon = image ? image.lastIndexOf(':') : -1;
  return image && colon > image.lastIndexOf('/') ? image.slice(colon + 1) : `v${release.version}`;
}
