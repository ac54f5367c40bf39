// What Slipway asks for when it creates a container, and its translation into the engine's
// create options: host networking, the restart policy, healthcheck units and Slipway's labels.
import type { ContainerCreateOptions, HealthConfig } from 'dockerode';
import { SlipwayError } from '../errors.js';
import { slipwayLabels, type Labels } from './labels.js';
import { checkContainerName, checkImageRef } from './refs.js';
import { checkNetworkName } from './networks.js';

export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | { onFailure: number };

export interface Healthcheck {
  /** Docker's form: `['CMD', 'wget', '-q', …]`, `['CMD-SHELL', '…']` or `['NONE']`. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  retries?: number;
}

export interface ContainerSpec {
  image: string;
  name?: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: Readonly<Record<string, string>>;
  labels?: Labels;
  workdir?: string;
  user?: string;
  /**
   * `host` (the default: test traffic stays on loopback, no bridge needed), `none`, `bridge`, or
   * the name of a user-defined network (network:set initial-network), which is wired like `bridge`.
   */
  network?: string;
  /** The container's aliases on that network (a user-defined one only: Docker allows none on bridge). */
  aliases?: string[];
  /**
   * network:set attach-post-create: networks the container joins once created, before it starts,
   * each with its aliases.
   */
  attach?: NetworkAttachment[];
  /** Published ports (bridge network only): `hostIp:hostPort` → the container's `port/tcp`. */
  ports?: PortBinding[];
  /** Bind mounts and named volumes, Docker's `source:target[:ro]` form. */
  binds?: string[];
  /** Default `{ onFailure: 10 }`, Dokku's `on-failure:10`. */
  restart?: RestartPolicy;
  healthcheck?: Healthcheck;
  stopTimeoutSeconds?: number;
  /** Options for the engine's default log driver (`--log-opt`), e.g. `max-size` (logs:set). */
  logOptions?: Record<string, string>;
  tty?: boolean;
  /** Run the engine's init (tini) as PID 1: signals reach the app, which PID 1 would ignore. */
  init?: boolean;
  /** Docker links, `name[:alias]` (bridge network only). */
  links?: string[];
  /** `/etc/hosts` lines, `hostname:ip`. */
  extraHosts?: string[];
  ulimits?: Ulimit[];
  memoryBytes?: number;
  /** Memory plus swap (`--memory-swap`); -1: unlimited swap. */
  memorySwapBytes?: number;
  /** The soft limit (`--memory-reservation`). */
  memoryReservationBytes?: number;
  nanoCpus?: number;
  /** GPUs requested like `--gpus N` / `--gpus all` (the engine needs a GPU runtime for it). */
  gpus?: number | 'all';
  shmSizeBytes?: number;
}

export interface Ulimit { name: string; soft: number; hard: number }

export interface NetworkAttachment {
  network: string;
  aliases: string[];
  /** Also `HOSTNAME.<first alias>` (Dokku's deploy-phase alias; the hostname is the short container id). */
  hostnameAlias?: boolean;
}

/** Networks where a container has its own address, so ports can be published and links work. */
export function hasOwnAddress(network: string): boolean {
  return network !== 'host' && network !== 'none';
}

export interface PortBinding { containerPort: number; hostIp: string; hostPort: number }

export const DEFAULT_RESTART: RestartPolicy = { onFailure: 10 };

const MS = 1_000_000; // the engine counts healthcheck durations in nanoseconds

function envList(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([key, value]) => {
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      throw new SlipwayError('E_INVALID_ENV', `invalid environment variable name ${JSON.stringify(key)}`, 1);
    }
    return `${key}=${value}`;
  });
}

function restartPolicy(policy: RestartPolicy): { Name: string; MaximumRetryCount?: number } {
  if (typeof policy === 'string') return { Name: policy };
  return { Name: 'on-failure', MaximumRetryCount: policy.onFailure };
}

function healthConfig(h: Healthcheck): HealthConfig {
  const ns = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms * MS);
  return { Test: h.test, Interval: ns(h.intervalMs), Timeout: ns(h.timeoutMs), StartPeriod: ns(h.startPeriodMs), Retries: h.retries };
}

function portBindings(ports: PortBinding[]): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of ports) {
    (bindings[`${p.containerPort}/tcp`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return bindings;
}

export function createOptions(spec: ContainerSpec): ContainerCreateOptions {
  const network = spec.network ?? 'host';
  const ports = spec.ports ?? [];
  // With host networking a port is just a PORT the process listens on: publishing means nothing.
  if (ports.length > 0 && !hasOwnAddress(network)) {
    throw new SlipwayError('E_DOCKER_PORTS', 'ports can only be published from a bridge network', 1);
  }
  const links = spec.links ?? [];
  if (links.length > 0 && !hasOwnAddress(network)) {
    throw new SlipwayError('E_DOCKER_OPTION', `--link ${links[0]} needs a bridge network: these containers use ${network} networking`, 1);
  }
  const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list === undefined || list.length === 0 ? undefined : list);
  return {
    name: spec.name === undefined ? undefined : checkContainerName(spec.name),
    Image: checkImageRef(spec.image),
    Cmd: spec.cmd,
    Entrypoint: spec.entrypoint,
    Env: envList(spec.env ?? {}),
    Labels: slipwayLabels(spec.labels),
    WorkingDir: spec.workdir,
    User: spec.user,
    Tty: spec.tty ?? false,
    StopTimeout: spec.stopTimeoutSeconds,
    Healthcheck: spec.healthcheck === undefined ? undefined : healthConfig(spec.healthcheck),
    ExposedPorts: ports.length === 0 ? undefined : Object.fromEntries(ports.map((p) => [`${p.containerPort}/tcp`, {}])),
    NetworkingConfig: spec.aliases !== undefined && spec.aliases.length > 0 && hasOwnAddress(network) && network !== 'bridge'
      ? { EndpointsConfig: { [network]: { Aliases: spec.aliases } } }
      : undefined,
    HostConfig: {
      NetworkMode: checkNetworkName(network),
      RestartPolicy: restartPolicy(spec.restart ?? DEFAULT_RESTART),
      // No driver named: the engine's default one, as `docker run --log-opt` alone asks.
      LogConfig: spec.logOptions === undefined ? undefined : { Type: '', Config: spec.logOptions },
      PortBindings: ports.length === 0 ? undefined : portBindings(ports),
      Binds: spec.binds === undefined || spec.binds.length === 0 ? undefined : spec.binds,
      Init: spec.init,
      Links: nonEmpty(links),
      ExtraHosts: nonEmpty(spec.extraHosts),
      Ulimits: nonEmpty(spec.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }))),
      Memory: spec.memoryBytes,
      MemorySwap: spec.memorySwapBytes,
      MemoryReservation: spec.memoryReservationBytes,
      NanoCpus: spec.nanoCpus,
      DeviceRequests: spec.gpus === undefined ? undefined : [{ Driver: '', Count: spec.gpus === 'all' ? -1 : spec.gpus, Capabilities: [['gpu']] }],
      ShmSize: spec.shmSizeBytes,
    },
  };
}
