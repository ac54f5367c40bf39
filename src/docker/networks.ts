// Docker networks for Dokku's network plugin: list, create (attachable bridges carrying Dokku's
// `com.dokku.network-name` label), remove, and connect a container with its aliases.
import type Dockerode from 'dockerode';
import { SlipwayError } from '../errors.js';
import { shown } from '../names.js';
import { dockerFailure, engineMessage, hasStatus, isEngineAnswer } from './errors.js';
import { checkContainerName } from './refs.js';

/** The label network:create puts on every network it makes: Dokku's marker of a "Dokku managed" one. */
export const DOKKU_NETWORK_LABEL = 'com.dokku.network-name';

export interface NetworkInfo {
  /** The engine's id, shortened to 12 characters as `docker network ls` prints it. */
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  ipv6: boolean;
  labels: Record<string, string>;
  created: string;
}

export interface NetworkCreateOptions {
  labels?: Record<string, string>;
  /**
   * false: the host's side of the bridge gets no IPv4 address and no route (the bridge driver's
   * `inhibit_ipv4`): containers on it reach each other, the host namespace has no private address.
   */
  hostAddress?: boolean;
}

/** Docker's own rule for network names (the CLI's too). */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The networks every engine has, which a container is never "attached" to on top of another. */
export const PREDEFINED_NETWORKS: ReadonlySet<string> = new Set(['bridge', 'host', 'none']);

export function checkNetworkName(name: string): string {
  if (name.length > 128 || !NETWORK_NAME.test(name)) throw new SlipwayError('E_INVALID_NETWORK', `Invalid network name ${shown(name)}`, 1);
  return name;
}

/** The engine refused a network operation: its own words, as Dokku passes docker's stderr on. */
export class NetworkRefused extends SlipwayError {
  constructor(readonly reason: string) { super('E_NETWORK_REFUSED', reason, 1); }
}

export class Networks {
  constructor(private readonly docker: Dockerode, private readonly host: string) {}

  async list(): Promise<NetworkInfo[]> {
    try {
      const found = await this.docker.listNetworks();
      return found.map((n) => ({
        id: n.Id.slice(0, 12), name: n.Name, driver: n.Driver, scope: n.Scope, internal: n.Internal === true,
        ipv6: n.EnableIPv6 === true, labels: n.Labels ?? {}, created: n.Created ?? '',
      })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      throw dockerFailure('list networks', this.host, error);
    }
  }

  async find(name: string): Promise<NetworkInfo | undefined> {
    return (await this.list()).find((n) => n.name === name);
  }

  /** An attachable bridge network (Dokku's `docker network create --attachable`). */
  async create(name: string, options: NetworkCreateOptions = {}): Promise<void> {
    try {
      await this.docker.createNetwork({
        Name: checkNetworkName(name),
        Driver: 'bridge',
        Attachable: true,
        CheckDuplicate: true,
        Labels: options.labels ?? {},
        Options: options.hostAddress === false ? { 'com.docker.network.bridge.inhibit_ipv4': 'true' } : {},
      });
    } catch (error) {
      if (isEngineAnswer(error)) throw new NetworkRefused(engineMessage(error));
      throw dockerFailure(`create network ${name}`, this.host, error);
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(checkNetworkName(name)).remove();
    } catch (error) {
      if (isEngineAnswer(error)) throw new NetworkRefused(engineMessage(error));
      throw dockerFailure(`remove network ${name}`, this.host, error);
    }
  }

  /** `docker network connect [--alias A]… NETWORK CONTAINER`; a container already on it is left as it is. */
  async connect(name: string, container: string, aliases: string[] = []): Promise<void> {
    try {
      await this.docker.getNetwork(checkNetworkName(name)).connect({
        Container: checkContainerName(container),
        EndpointConfig: aliases.length ? { Aliases: aliases } : {},
      });
    } catch (error) {
      if (hasStatus(error, 403) && /already exists in network/.test(engineMessage(error))) return;
      if (isEngineAnswer(error)) throw new NetworkRefused(engineMessage(error));
      throw dockerFailure(`connect container ${container} to network ${name}`, this.host, error);
    }
  }
}
