// Where the engine lives: DOCKER_HOST (`unix:///path` or `tcp://host:port`) turned into dockerode
// options once, so every other module gets a typed endpoint and a name to put in error messages.
import type { DockerOptions } from 'dockerode';
import { SlipwayError } from '../errors.js';
import { loadDockerSettings, type DockerSettings } from '../settings.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface Endpoint {
  /** The DOCKER_HOST form, for messages. */
  readonly host: string;
  readonly options: DockerOptions;
}

export function resolveEndpoint(dockerHost: string | undefined = loadDockerSettings().host, settings: DockerSettings = loadDockerSettings()): Endpoint {
  const host = dockerHost === undefined || dockerHost === '' ? DEFAULT_DOCKER_HOST : dockerHost;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw invalid(host);
    // `host: undefined` wins over a tcp DOCKER_HOST that docker-modem would otherwise read itself.
    return { host, options: { socketPath, host: undefined } };
  }
  if (host.startsWith('tcp://')) {
    let url: URL;
    try { url = new URL(host); } catch (error) { throw invalid(host, error); }
    if (url.hostname === '' || url.port === '') throw invalid(host);
    // TLS (port 2376, DOCKER_TLS_VERIFY) is not wired up: refuse rather than talk plain HTTP to it.
    if (settings.tlsVerify || url.port === '2376') {
      throw new SlipwayError('E_DOCKER_HOST', `DOCKER_HOST ${host}: TLS connections are not supported`, 1);
    }
    return { host, options: { host: url.hostname, port: Number(url.port), protocol: 'http' } };
  }
  throw invalid(host);
}

function invalid(host: string, cause?: unknown): SlipwayError {
  return new SlipwayError(
    'E_DOCKER_HOST',
    `DOCKER_HOST must look like unix:///path/to/docker.sock or tcp://host:port, not ${JSON.stringify(host)}`,
    1,
    { cause },
  );
}
