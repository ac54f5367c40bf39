// The shape every `NAME:report [<app>] [--flag]` shares (Dokku's): one `=====> APP NAME
// information` block of aligned rows per app, or a single value when a row's flag is given.
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import type { AppName } from '../names.js';
import { UsageError } from '../errors.js';
import { columns, existingApp } from './common.js';

export type ReportRow = [label: string, value: string];

/** `Builder selected` → `--builder-selected`. */
function flagOf(label: string): string {
  return `--${label.toLowerCase().replace(/ /g, '-')}`;
}

/** `--builder-selected` → that row's value; undefined when no flag was given. */
export function reportFlag(flag: string | undefined, rows: ReportRow[]): string | undefined {
  if (flag === undefined || !flag.startsWith('--')) return undefined;
  const row = rows.find(([label]) => flagOf(label) === flag);
  if (!row) throw new UsageError(`Invalid flag passed, valid flags: ${rows.map(([label]) => flagOf(label)).join(', ')}`);
  return row[1];
}

export function formatReport(app: AppName, title: string, rows: ReportRow[]): string {
  return `=====> ${app} ${title} information\n${columns(rows)}`;
}

/** Runs a report command: `[<app>] [<flag>]`, every app when none is named. */
export async function runReport(
  inv: Invocation,
  services: Services,
  title: string,
  rowsOf: (app: AppName) => Promise<ReportRow[]>,
): Promise<void> {
  const [first, flag] = inv.args;
  const named = first !== undefined && !first.startsWith('--');
  const apps: AppName[] = named ? [await existingApp(services, first)] : await services.store.apps.list();
  const wanted = named ? flag : first;
  for (const app of apps) {
    const rows = await rowsOf(app);
    const value = reportFlag(wanted, rows);
    inv.io.stdout.write(value === undefined ? formatReport(app, title, rows) : `${value}\n`);
  }
}
