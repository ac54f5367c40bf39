// Starts what runs apps: scheduler, proxy and the deploy pipeline, for `slipway serve`.
// (Placeholder until the pipeline lands: pushes are refused with a clear message.)
import type { Services } from '../services.js';
import { idleRuntime } from '../services.js';
import type { Platform } from './types.js';
import { DeployFailed } from '../errors.js';

export async function startPlatform(_services: Services, _log: (line: string) => void): Promise<Platform> {
  return {
    runtime: idleRuntime,
    deployer: {
      async deploy() { throw new DeployFailed('deploys are not available on this server yet'); },
    },
    commandSets: [],
    banner: [],
    async close() { /* nothing started */ },
  };
}
