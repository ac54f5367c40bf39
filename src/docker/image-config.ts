// What an image says about how to run it (CMD, ENTRYPOINT, HEALTHCHECK, EXPOSE), read from an
// image inspect: the scheduler runs the image's own command and waits on its own healthcheck.
import type { ImageInspectInfo } from 'dockerode';
import type { Healthcheck } from './spec.js';

export interface ImageConfig {
  cmd: string[];
  entrypoint: string[];
  /** The image's HEALTHCHECK; undefined when it has none or it is `HEALTHCHECK NONE`. */
  healthcheck?: Healthcheck;
  /** `5000/tcp`, … */
  exposedPorts: string[];
  workdir: string;
  /** The image's labels (org.opencontainers.image.vendor, …). */
  labels: Record<string, string>;
}

const NS_PER_MS = 1_000_000;

function words(value: string | string[] | null | undefined): string[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'string' ? [value] : value;
}

export function imageConfig(config: ImageInspectInfo['Config'] | undefined): ImageConfig {
  const health = config?.Healthcheck;
  const test = health?.Test ?? [];
  const ms = (ns: number | undefined): number | undefined => (ns === undefined || ns === 0 ? undefined : Math.round(ns / NS_PER_MS));
  return {
    cmd: words(config?.Cmd),
    entrypoint: words(config?.Entrypoint),
    healthcheck: test.length === 0 || test[0] === 'NONE'
      ? undefined
      : { test, intervalMs: ms(health?.Interval), timeoutMs: ms(health?.Timeout), startPeriodMs: ms(health?.StartPeriod), retries: health?.Retries || undefined },
    exposedPorts: Object.keys(config?.ExposedPorts ?? {}),
    workdir: config?.WorkingDir ?? '',
    labels: { ...(config?.Labels ?? {}) },
  };
}
