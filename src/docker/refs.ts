// Image references and container names are checked before they reach dockerode, which pastes them
// into request paths unescaped: `../` or `?` in a name must never address another endpoint.
import { shown } from '../names.js';
import { SlipwayError } from '../errors.js';

// [registry[:port]/]repository[:tag][@digest], or an image id (sha256:… or a hex prefix).
const IMAGE_REF = /^([a-zA-Z0-9.-]+:[0-9]+\/)?[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const IMAGE_ID = /^(sha256:)?[a-f0-9]{12,64}$/;
// Docker's own rule for container names; ids are hex and pass it too.
const CONTAINER = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkImageRef(ref: string): string {
  const ok = ref.length <= 255 && (IMAGE_ID.test(ref) || IMAGE_REF.test(ref))
    && !ref.split('/').some((part) => part === '.' || part === '..' || part === '');
  if (!ok) throw new SlipwayError('E_INVALID_IMAGE_REF', `invalid image reference ${shown(ref)}`, 1);
  return ref;
}

export function checkContainerName(name: string): string {
  if (name.length > 128 || !CONTAINER.test(name)) {
    throw new SlipwayError('E_INVALID_CONTAINER', `invalid container name ${shown(name)}`, 1);
  }
  return name;
}

/** `repo:tag` split the way `docker tag` does: the tag follows the last colon after the last slash. */
export function splitRef(ref: string): { repo: string; tag: string } {
  const withoutDigest = ref.split('@')[0] ?? ref;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { repo: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
  return { repo: withoutDigest, tag: 'latest' };
}
