// Slipway's Docker layer, the only code that talks to dockerode: connect, images, containers.
// Import from here; the files behind it are free to change.
export { connect, DockerClient } from './client.js';
export type { BuildOptions, EngineInfo, ImageInfo, ImportOptions, TarSource } from './client.js';
export type { ContainerState, ContainerSummary, HealthStatus, LogOptions } from './containers.js';
export type { ContainerSpec, Healthcheck, NetworkAttachment, PortBinding, RestartPolicy, Ulimit } from './spec.js';
export { hasOwnAddress } from './spec.js';
export { DOKKU_NETWORK_LABEL, NetworkRefused, PREDEFINED_NETWORKS, checkNetworkName, type NetworkCreateOptions, type NetworkInfo } from './networks.js';
export {
  DockerOptionRefused, HONOURED, buildFlags, canonicalOption, checkOptions, containerOptions, groupOptionWords, optionWords, sameOption,
  withContainerOptions, type BuildFlags, type ContainerOptions, type OptionNetwork, type OptionPhase,
} from './run-options.js';
export type { ImageConfig } from './image-config.js';
export type { VolumeInfo } from './volumes.js';
export { checkVolumeName } from './volumes.js';
export type { ExecSpec, OneOffIo } from './one-off.js';
export type { LogLine, StreamName } from './demux.js';
export { LABEL, appImageLabels, slipwayLabels, type Labels } from './labels.js';
export { DEFAULT_DOCKER_HOST, resolveEndpoint } from './endpoint.js';
export {
  BuildFailed, ContainerNotFound, DockerError, DockerUnavailable, ImageNotFound,
} from './errors.js';
export { type RegistryAuth, type ServiceInfo, type ServiceSpec, type SwarmNodeInfo, type SwarmState, type TaskInfo, type Swarm } from './swarm.js';
