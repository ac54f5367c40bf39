// An app's cron tasks as Dokku's cron plugin sees them: the app.json `cron` entries of the deployed
// release, each with Dokku's id (base36 of `APP===COMMAND===SCHEDULE`), its concurrency_policy and
// whether it is in maintenance (the app's `maintenance` property, computed with the global one, or
// the task's own `maintenance.ID` property set by cron:suspend, or `maintenance` in app.json).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { GLOBAL } from '../../store/index.js';
import { parseAppJson } from '../../deploy/app-json.js';
import { CONCURRENCY_POLICIES } from '../../deploy/one-off-runs.js';
import type { ConcurrencyPolicy } from '../../deploy/types.js';
import { unlessMissing } from '../../os/missing.js';
import { propertyOf } from '../shared/property-set.js';

export const CRON_PLUGIN = 'cron';
/** A task's own maintenance property: `maintenance.ID` (cron:suspend / cron:resume). */
export const TASK_MAINTENANCE_PREFIX = 'maintenance.';

export interface CronTask {
  id: string;
  app: string;
  command: string;
  schedule: string;
  concurrency_policy: string;
  'app-in-maintenance': boolean;
  'task-in-maintenance': boolean;
  maintenance: boolean;
}

/** go-base36's EncodeToStringLc: the bytes as one big-endian number in base 36, a `0` per leading zero byte. */
export function base36(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return '0'.repeat(zeros) + (n === 0n ? '' : n.toString(36));
}

export function cronId(app: string, command: string, schedule: string): string {
  return base36(Buffer.from(`${app}===${command}===${schedule}`, 'utf8'));
}

/** Dokku's computed maintenance: the app's `true` wins, else the global value, else `false`. */
export async function computedMaintenance(services: Services, app: AppName): Promise<string> {
  if ((await propertyOf(services, CRON_PLUGIN, app, 'maintenance')) === 'true') return 'true';
  return (await propertyOf(services, CRON_PLUGIN, GLOBAL, 'maintenance')) || 'false';
}

/** The policy a run follows: app.json's, `allow` when unset (a deploy refuses any other word). */
export function policyOf(task: CronTask): ConcurrencyPolicy {
  return (CONCURRENCY_POLICIES as readonly string[]).includes(task.concurrency_policy) ? task.concurrency_policy as ConcurrencyPolicy : 'allow';
}

/** The task-maintenance properties set for the app: `maintenance.ID` → value. */
export async function taskMaintenance(services: Services, app: AppName): Promise<Map<string, string>> {
  const all = await services.store.properties.list(CRON_PLUGIN, app);
  return new Map([...all].filter(([name]) => name.startsWith(TASK_MAINTENANCE_PREFIX)).map(([name, value]) => [name, value.trim()]));
}

export async function tasks(services: Services, app: AppName): Promise<CronTask[]> {
  const release = await services.store.releases.current(app);
  if (!release) return [];
  const dir = services.store.releases.buildDir(app, release);
  const text = await unlessMissing(fs.readFile(path.join(dir, release.appJsonPath ?? 'app.json'), 'utf8'), undefined);
  if (text === undefined) return [];
  const doc = parseAppJson(text) as { cron?: unknown };
  if (!Array.isArray(doc.cron)) return [];
  const appInMaintenance = (await computedMaintenance(services, app)) === 'true';
  const own = await taskMaintenance(services, app);
  return doc.cron.flatMap((entry: unknown) => {
    const e = entry as { command?: unknown; schedule?: unknown; concurrency_policy?: unknown; maintenance?: unknown };
    if (typeof e.command !== 'string' || typeof e.schedule !== 'string') return [];
    const policy = typeof e.concurrency_policy === 'string' && e.concurrency_policy ? e.concurrency_policy : 'allow';
    const id = cronId(app, e.command, e.schedule);
    // As Dokku: the task's property only ever turns maintenance on.
    const taskInMaintenance = e.maintenance === true || own.get(`${TASK_MAINTENANCE_PREFIX}${id}`) === 'true';
    return [{
      id, app, command: e.command, schedule: e.schedule, concurrency_policy: policy,
      'app-in-maintenance': appInMaintenance, 'task-in-maintenance': taskInMaintenance, maintenance: appInMaintenance || taskInMaintenance,
    }];
  });
}
