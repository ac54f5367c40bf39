// A new generation whose image has a HEALTHCHECK is ready when Docker says every web container is
// healthy; `unhealthy`, a crash, or no verdict within the healthcheck's own budget fails the start.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient, Healthcheck } from '../../docker/index.js';
import { DeployFailed } from '../../errors.js';
import type { DockerInstance } from './generation.js';

// Docker's defaults when the HEALTHCHECK line leaves them out.
const DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 };
const SLACK_MS = 10_000;

/** How long Docker may take to call a container healthy or unhealthy, with some slack. */
export function healthBudgetMs(hc: Healthcheck): number {
  const interval = hc.intervalMs ?? DEFAULTS.intervalMs;
  const timeout = hc.timeoutMs ?? DEFAULTS.timeoutMs;
  const retries = hc.retries ?? DEFAULTS.retries;
  return (hc.startPeriodMs ?? DEFAULTS.startPeriodMs) + (interval + timeout) * (retries + 1) + SLACK_MS;
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').trim().split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

async function waitOne(docker: DockerClient, member: DockerInstance, budgetMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + budgetMs;
  const id = member.containerId;
  if (id === undefined) throw new DeployFailed(`${member.id} has no container`);
  let delay = 100;
  for (;;) {
    const state = await docker.inspectContainer(id);
    member.state = state;
    if (state.health === 'healthy') return;
    if (state.health === 'unhealthy') {
      const output = firstLine(state.healthOutput);
      throw new DeployFailed(`${member.id} is unhealthy (Docker HEALTHCHECK)${output ? `: ${output}` : ''}`);
    }
    if (state.restartCount > 0 || (!state.running && state.status !== 'created')) {
      throw new DeployFailed(`${member.id} exited with code ${state.exitCode} before its HEALTHCHECK passed`);
    }
    if (signal.aborted) throw new DeployFailed('Deploy aborted');
    if (Date.now() > deadline) throw new DeployFailed(`${member.id} was not healthy within ${Math.round(budgetMs / 1000)}s (Docker HEALTHCHECK)`);
    await sleep(delay, undefined, { signal }).catch(() => undefined);
    delay = Math.min(delay * 2, 1_000);
  }
}

/** Resolves when every member is healthy; throws DeployFailed naming the first that is not. */
export async function waitHealthy(docker: DockerClient, members: DockerInstance[], hc: Healthcheck, signal: AbortSignal): Promise<void> {
  const budget = healthBudgetMs(hc);
  const results = await Promise.allSettled(members.map((m) => waitOne(docker, m, budget, signal)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
