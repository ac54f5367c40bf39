// What every engine compares before adopting what a previous server left running: the instance
// ids a spec asks for, and a digest of the config the processes were started with.
import { createHash } from 'node:crypto';
import type { GenerationSpec } from './types.js';

/** Digest of the config a generation runs with: an adopted one must have been started with the same. */
export function envDigest(env: Record<string, string>): string {
  const sorted = Object.keys(env).sort().map((k) => [k, env[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** The instances a spec asks for (`web.1`, `worker.1`…), in start order. */
export function plannedIds(spec: GenerationSpec): Array<{ type: string; index: number; id: string }> {
  const ids = [];
  for (const type of Object.keys(spec.release.processTypes).sort()) {
    for (let index = 1; index <= (spec.scale[type] ?? 0); index++) ids.push({ type, index, id: `${type}.${index}` });
  }
  return ids;
}
