// Dokku's resource properties (resource:limit / resource:reserve): one property per process type,
// kind and resource (`_default_.limit.memory`, `web.reserve.memory`), read back as the container
// limits docker-local sets at create time. The process scheduler stores them and enforces none.
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { UsageError } from '../errors.js';

export const RESOURCE_PLUGIN = 'resource';
/** Dokku's key for every process type; a type's own value wins over it. */
export const DEFAULT_TYPE = '_default_';
/** The process type Dokku's builders read their limits from. */
export const BUILD_TYPE = 'build';
export const RESOURCE_KEYS = ['cpu', 'memory', 'memory-swap', 'network', 'network-ingress', 'network-egress', 'nvidia-gpu'] as const;
export type ResourceKey = typeof RESOURCE_KEYS[number];
export type ResourceKind = 'limit' | 'reserve';

/** What docker-local applies (HostConfig); network bandwidth is Dokku's k3s scheduler's only. */
export interface ContainerResources {
  nanoCpus?: number;
  memoryBytes?: number;
  memorySwapBytes?: number;
  memoryReservationBytes?: number;
  gpus?: number | 'all';
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

export function propertyKey(type: string, kind: ResourceKind, key: ResourceKey): string {
  return `${type}.${kind}.${key}`;
}

/** Docker's size syntax (`512m`, `1g`, `1GB`); a bare number is `unit` (Dokku adds `m` to a bare memory value). */
function size(key: string, value: string, bare: string): number {
  const match = /^(\d+(?:\.\d+)?)([kmgtp]?)(i?b)?$/i.exec(value);
  if (match === null) throw new UsageError(`Invalid ${key} value '${value}': use a size such as 512 (MB), 512m or 1g`);
  const unit = match[2] === '' && match[3] === undefined ? bare : match[2].toLowerCase();
  const bytes = Math.round(Number(match[1]) * UNITS[unit]);
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw new UsageError(`Invalid ${key} value '${value}': use a size such as 512 (MB), 512m or 1g`);
  return bytes;
}

/** The value a property holds, as docker-local applies it; throws UsageError naming the key when it cannot be. */
export function parseResource(kind: ResourceKind, key: ResourceKey, value: string): Partial<ContainerResources> {
  if (kind === 'reserve') return key === 'memory' ? { memoryReservationBytes: size('memory', value, 'm') } : {};
  switch (key) {
    case 'cpu': {
      const cpus = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (!(cpus > 0)) throw new UsageError(`Invalid cpu value '${value}': use a number of CPUs such as 0.5 or 2`);
      return { nanoCpus: Math.round(cpus * 1e9) };
    }
    case 'memory': return { memoryBytes: size('memory', value, 'm') };
    case 'memory-swap': return { memorySwapBytes: value === '-1' ? -1 : size('memory-swap', value, '') };
    case 'nvidia-gpu': {
      if (value === 'all') return { gpus: 'all' };
      if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`Invalid nvidia-gpu value '${value}': use a count such as 1, or all`);
      return { gpus: Number(value) };
    }
    default: return {};
  }
}

/** The keys docker-local honours for a kind (what Dokku's docker-local scheduler passes to docker run). */
export function honoured(kind: ResourceKind, key: ResourceKey): boolean {
  return kind === 'limit' ? ['cpu', 'memory', 'memory-swap', 'nvidia-gpu'].includes(key) : key === 'memory';
}

/** The limits and reservations of one process type: `_default_` values, then the type's own. */
export async function containerResources(store: Store, app: AppName, type: string): Promise<ContainerResources> {
  const all = await store.properties.list(RESOURCE_PLUGIN, app);
  const result: ContainerResources = {};
  for (const owner of [DEFAULT_TYPE, type]) {
    for (const kind of ['limit', 'reserve'] as const) {
      for (const key of RESOURCE_KEYS) {
        const value = all.get(propertyKey(owner, kind, key));
        if (value === undefined || value === '' || !honoured(kind, key)) continue;
        Object.assign(result, parseResource(kind, key, value));
      }
    }
  }
  return result;
}

/** Dokku's build-phase limits (`resource:limit --process-type build`): memory and swap for a Dockerfile build. */
export async function buildResources(store: Store, app: AppName): Promise<Pick<ContainerResources, 'memoryBytes' | 'memorySwapBytes'>> {
  const all = await store.properties.list(RESOURCE_PLUGIN, app);
  const result: Pick<ContainerResources, 'memoryBytes' | 'memorySwapBytes'> = {};
  for (const key of ['memory', 'memory-swap'] as const) {
    const value = all.get(propertyKey(BUILD_TYPE, 'limit', key));
    if (value) Object.assign(result, parseResource('limit', key, value));
  }
  return result;
}

/** A swarm service's share of them: cpu and memory limits and the memory reservation (services have no swap or GPU count). */
export function serviceResources(r: ContainerResources): { Limits?: { NanoCPUs?: number; MemoryBytes?: number }; Reservations?: { MemoryBytes: number } } | undefined {
  const limits = { ...(r.nanoCpus === undefined ? {} : { NanoCPUs: r.nanoCpus }), ...(r.memoryBytes === undefined ? {} : { MemoryBytes: r.memoryBytes }) };
  const result = {
    ...(Object.keys(limits).length === 0 ? {} : { Limits: limits }),
    ...(r.memoryReservationBytes === undefined ? {} : { Reservations: { MemoryBytes: r.memoryReservationBytes } }),
  };
  return Object.keys(result).length === 0 ? undefined : result;
}
