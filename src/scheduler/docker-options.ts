// An app's docker options (docker-options:*) as builds and containers get them: read from the
// store and translated by src/docker/'s one translator; docker-options:add checks new ones here
// against the network app containers are configured to use.
import type { Store, DockerOptionPhase } from '../store/index.js';
import type { AppName } from '../names.js';
import {
  buildFlags, checkOptions, containerOptions, type BuildFlags, type ContainerOptions, type OptionNetwork,
} from '../docker/index.js';
import { dockerLocalOptions } from './docker-local/options.js';

export {
  canonicalOption, groupOptionWords, optionWords, sameOption, DockerOptionRefused, HONOURED,
} from '../docker/index.js';

/** The network docker-local is configured to create containers on (SLIPWAY_DOCKER_NETWORK). */
export function configuredNetwork(): OptionNetwork {
  return dockerLocalOptions().network;
}

/** Refuses the first option a phase cannot honour on the configured network. */
export function checkPhaseOptions(phase: DockerOptionPhase, options: readonly string[]): void {
  checkOptions(phase, options, phase === 'build' ? 'host' : configuredNetwork());
}

/** The app's stored options of a container phase, translated for containers on `network`. */
export async function appContainerOptions(store: Store, app: AppName, phase: 'deploy' | 'run', network: OptionNetwork): Promise<ContainerOptions> {
  return containerOptions(phase, await store.dockerOptions.get(app, phase), network);
}

/** The app's build-phase options, translated for an image build. */
export async function appBuildFlags(store: Store, app: AppName): Promise<BuildFlags> {
  return buildFlags(await store.dockerOptions.get(app, 'build'));
}
