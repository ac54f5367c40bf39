// How docker-local wires containers to the network, from the settings (settings.ts reads
// SLIPWAY_DOCKER_NETWORK): host (tests, hosts without a bridge) or bridge (the default).
import { SlipwayError } from '../../errors.js';
import { loadDockerSettings, type DockerSettings } from '../../settings.js';

export type NetworkMode = 'host' | 'bridge';

export interface DockerLocalOptions {
  /**
   * `host`: each web container listens on a PORT from the pool, on the host's interfaces.
   * `bridge`: the app listens on `containerPort` and only 127.0.0.1:<pool port> is published.
   */
  network: NetworkMode;
  /** PORT inside a bridge-networked container (Dokku's 5000). */
  containerPort: number;
}

export const BRIDGE_CONTAINER_PORT = 5000;

export function dockerLocalOptions(docker: DockerSettings = loadDockerSettings()): DockerLocalOptions {
  const network = docker.network;
  if (network !== 'host' && network !== 'bridge') {
    throw new SlipwayError('E_SCHEDULER', `SLIPWAY_DOCKER_NETWORK must be host or bridge, got '${network}'`, 1);
  }
  return { network, containerPort: BRIDGE_CONTAINER_PORT };
}
