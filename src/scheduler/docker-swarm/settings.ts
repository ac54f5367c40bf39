// The `scheduler-docker-swarm` properties: placement constraints per app (Swarm's own syntax,
// `node.labels.x==y`, several separated by commas) and the routing mode (global): `host` publishes
// each web task's port on its node (works on any kernel), `ingress` uses Swarm's routing mesh
// (needs IPVS in the nodes' kernels), `auto` (the default) picks ingress only where IPVS exists.
import fs from 'node:fs';
import { GLOBAL, type Store } from '../../store/index.js';
import type { AppName } from '../../names.js';

export const SWARM_PLUGIN = 'scheduler-docker-swarm';
export const ROUTING_MODES = ['auto', 'host', 'ingress'] as const;
export type RoutingMode = 'host' | 'ingress';

export async function placementConstraints(store: Store, app: AppName): Promise<string[]> {
  const raw = (await store.properties.get(SWARM_PLUGIN, app, 'placement-constraints')) ?? '';
  return raw.split(',').map((c) => c.trim()).filter(Boolean);
}

/** Whether this host's kernel (the namespace Slipway runs in) has IPVS, which ingress and VIPs need. */
export function hasIpvs(): boolean {
  return fs.existsSync('/proc/sys/net/ipv4/vs');
}

export interface RoutingChoice { mode: RoutingMode; setting: string; reason: string }

export async function routingMode(store: Store): Promise<RoutingChoice> {
  const setting = (await store.properties.get(SWARM_PLUGIN, GLOBAL, 'routing-mode')) || 'auto';
  if (setting === 'host' || setting === 'ingress') return { mode: setting, setting, reason: 'set with scheduler-docker-swarm:set --global routing-mode' };
  return hasIpvs()
    ? { mode: 'ingress', setting, reason: 'auto: the kernel has IPVS (routing mesh)' }
    : { mode: 'host', setting, reason: 'auto: no IPVS in the kernel, so no routing mesh or VIPs; ports are published on each task\'s node' };
}
