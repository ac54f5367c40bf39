// cron:* — Dokku's cron plugin, in part: the app.json `cron` entries of the deployed release, each
// with Dokku's id (base36 of `APP===COMMAND===SCHEDULE`), listed and run on demand like `run`.
// The server runs each at its scheduled times (./runner.ts). Not yet: maintenance, cron:set, --global.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { existingApp, requireArgs } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { runReport } from '../report/run-report.js';
import { parseAppJson } from '../../deploy/app-json.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { unlessMissing } from '../../os/missing.js';

export interface CronTask { id: string; app: string; command: string; schedule: string; concurrency_policy: string }

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

export async function tasks(services: Services, app: AppName): Promise<CronTask[]> {
  const release = await services.store.releases.current(app);
  if (!release) return [];
  const dir = services.store.releases.buildDir(app, release);
  const text = await unlessMissing(fs.readFile(path.join(dir, release.appJsonPath ?? 'app.json'), 'utf8'), undefined);
  if (text === undefined) return [];
  const doc = parseAppJson(text) as { cron?: unknown };
  if (!Array.isArray(doc.cron)) return [];
  return doc.cron.flatMap((entry: unknown) => {
    const e = entry as { command?: unknown; schedule?: unknown; concurrency_policy?: unknown };
    if (typeof e.command !== 'string' || typeof e.schedule !== 'string') return [];
    const policy = typeof e.concurrency_policy === 'string' && e.concurrency_policy ? e.concurrency_policy : 'allow';
    return [{ id: cronId(app, e.command, e.schedule), app, command: e.command, schedule: e.schedule, concurrency_policy: policy }];
  });
}

/** columnize's SimpleFormat: `|`-separated cells in columns two spaces apart. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2))).join('').trimEnd()).join('\n');
}

async function list(inv: Invocation, services: Services): Promise<void> {
  const format = inv.options.values.get('--format') ?? 'stdout';
  if (format !== 'stdout' && format !== 'json') throw new UsageError('Invalid format specified, supported formats: json, stdout');
  requireArgs(inv.options.positional, 1, 'cron:list [--format json|stdout] <app>');
  const app = await existingApp(services, inv.options.positional[0]);
  const found = await tasks(services, app);
  if (format === 'json') {
    inv.io.stdout.write(`${JSON.stringify(found.map((t) => ({ ...t, 'app-in-maintenance': false, 'task-in-maintenance': false, maintenance: false })))}\n`);
    return;
  }
  const rows = [['ID', 'Schedule', 'Concurrency', 'Maintenance', 'Command'], ...found.map((t) => [t.id, t.schedule, t.concurrency_policy, 'false', t.command])];
  inv.io.stdout.write(`${columns(rows)}\n`);
}

async function run(inv: Invocation, services: Services): Promise<number> {
  requireArgs(inv.options.positional, 1, 'cron:run [--detach] <app> <cron_id>');
  const app = await existingApp(services, inv.options.positional[0]);
  const id = inv.options.positional[1] ?? '';
  if (id === '') throw new UsageError(`Please specify a Cron ID from the output of 'dokku cron:list ${app}'`);
  const task = (await tasks(services, app)).find((t) => t.id === id);
  if (!task) throw new SlipwayError('E_USAGE', `No matching Cron ID found. Please specify a Cron ID from the output of 'dokku cron:list ${app}'`, 1);
  const platform = requirePlatform(services);
  if (inv.options.set.has('--detach')) {
    const name = await platform.runDetached(app, [task.command], { ttlSeconds: 86_400 });
    inv.io.stdout.write(`${name}\n`);
    return 0;
  }
  return platform.run(app, [task.command], { stdin: inv.io.stdin, stdout: inv.io.stdout, stderr: inv.io.stderr }, inv.signal);
}

export const cronCommands: CommandSet = {
  plugin: 'cron',
  summary: 'Manage scheduled cron tasks of an app (app.json cron entries)',
  access: { who: 'app' },
  commands: [
    { name: 'cron:list', options: ['--format='], help: { usage: 'cron:list [--format json|stdout] <app>', description: 'List the cron tasks of an app (from its deployed app.json)' }, run: list },
    { name: 'cron:run', options: ['--detach'], help: { usage: 'cron:run [--detach] <app> <cron_id>', description: 'Run a cron task now, as a one-off command' }, run },
    {
      name: 'cron:report',
      help: { usage: 'cron:report [<app>] [<flag>]', description: 'Display the cron report of an app, or all apps' },
      run: (inv, s) => runReport(inv, s, { type: 'cron', app: async (app) => [['--cron-task-count', String((await tasks(s, app)).length)]] }),
    },
  ],
};
