// Image pushes to a registry (docker-local's push-on-release, docker-swarm's every release): the
// engine answers 200 and reports a failed push inside its progress stream, so that is read to the end.
import type Dockerode from 'dockerode';
import { DockerError, dockerFailure } from './errors.js';
import { readProgress } from './progress.js';
import { checkImageRef, splitRef } from './refs.js';

export interface RegistryAuth { username: string; password: string; serveraddress: string }

/** Push `ref` (`SERVER/REPO:TAG`) with `auth`, or anonymously; `onLine` gets the engine's progress lines. */
export async function pushImage(
  docker: Dockerode, host: string, ref: string, auth: RegistryAuth | undefined, onLine: (line: string) => void = () => undefined,
): Promise<void> {
  const { repo, tag } = splitRef(checkImageRef(ref));
  let result;
  try {
    const stream = await docker.getImage(repo).push({
      tag, authconfig: auth ?? { username: '', password: '', serveraddress: repo.split('/')[0] },
    } as never) as unknown as NodeJS.ReadableStream;
    result = await readProgress(stream as unknown as AsyncIterable<Buffer>, onLine);
  } catch (error) {
    throw dockerFailure(`push ${ref}`, host, error);
  }
  if (result.error !== undefined) throw new DockerError(`push ${ref}`, result.error);
}
