// The one engine behind every `NAME:report [<app>|--global] [--format stdout|json] [--FLAG]`
// (Dokku's shape): aligned `=====> APP TYPE information` blocks, one value, or one JSON line.
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { UsageError } from '../../errors.js';
import { log } from '../../log.js';
import { existingApp, out } from '../shared/invocation.js';

/** `[flag, value]` pairs, e.g. `['--ps-can-scale', 'true']`; the label is made from the flag. */
export type ReportRows = Array<[flag: string, value: string]>;

export interface ReportSpec {
  /** The plugin word in the header and the JSON key prefix (`ps`, `git`, `app`, …). */
  type: string;
  /** Dokku keeps both `can-scale` and `ps-can-scale` in some plugins' JSON (EmitLegacyPrefix). */
  legacyKeys?: boolean;
  /** Labels keep their first letter as it is (Dokku's UppercaseFirstCharacter false: `resource _default_ limit cpu:`). */
  keepCase?: boolean;
  app(app: AppName): Promise<ReportRows>;
  /** Rows for `--global`; a report without it refuses `--global`. */
  global?(): Promise<ReportRows>;
  /** More JSON keys with list values (docker-options' `deploy-list`: each option as stored). */
  jsonLists?(app: AppName): Promise<Record<string, string[]>>;
}

export interface ReportArgs {
  app?: string;
  global: boolean;
  format: 'stdout' | 'json';
  flag?: string;
}

const NAME_WIDTH = 31;

/** Dokku's ParseReportArgs: `--format X` and `--global` anywhere, at most one other `--flag`. */
export function parseReportArgs(command: string, args: string[]): ReportArgs {
  const positional: string[] = [];
  const flags: string[] = [];
  let format = 'stdout';
  let global = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--format') {
      if (i + 1 >= args.length) throw new UsageError('flag needs an argument: -format');
      format = args[++i];
    } else if (arg.startsWith('--format=')) format = arg.slice('--format='.length);
    else if (arg === '--global') global = true;
    else if (arg.startsWith('--')) flags.push(arg);
    else positional.push(arg);
  }
  if (flags.length > 1) throw new UsageError(`${command} command allows only a single flag`);
  if (format !== 'stdout' && format !== 'json') throw new UsageError(`Format must be "stdout" or "json": ${JSON.stringify(format)}`);
  if (format === 'json' && flags.length) throw new UsageError('--format flag cannot be specified when specifying an info flag');
  return { app: positional[0], global, format, flag: flags[0] };
}

/** `--ps-can-scale` → `Ps can scale` (Dokku: dashes and dots become spaces, first letter up). */
export function labelOf(flag: string, keepCase = false): string {
  const words = flag.replace(/^--/, '').replace(/[-.]/g, ' ');
  return keepCase ? words : words.charAt(0).toUpperCase() + words.slice(1);
}

/** Go's json.Marshal of a map: keys sorted, and <, >, & escaped. */
function goJson(data: Record<string, string | string[]>): string {
  const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(sorted).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function reportJson(spec: Pick<ReportSpec, 'type' | 'legacyKeys'>, rows: ReportRows, lists: Record<string, string[]> = {}): string {
  const data: Record<string, string | string[]> = { ...lists };
  const own = `--${spec.type}-`;
  for (const [flag, value] of rows) {
    const legacy = flag.replace(/^--/, '');
    if (flag.startsWith(own)) {
      data[flag.slice(own.length)] = value;
      if (spec.legacyKeys) data[legacy] = value;
    } else data[legacy] = value;
  }
  return `${goJson(data)}\n`;
}

/** The rows of one block, sorted by flag, names padded to the longest flag (at least 31). */
export function reportBody(rows: ReportRows, keepCase = false): string {
  const sorted = [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const width = Math.max(NAME_WIDTH, ...sorted.map(([flag]) => flag.length));
  return sorted.map(([flag, value]) => `       ${`${labelOf(flag, keepCase)}:`.padEnd(width)}${value}\n`).join('');
}

function flagValue(rows: ReportRows, flag: string): string {
  const row = rows.find(([f]) => f === flag);
  if (!row) throw new UsageError(`Invalid flag passed, valid flags: ${rows.map(([f]) => f).sort().join(', ')}`);
  return row[1];
}

async function printOne(inv: Invocation, spec: ReportSpec, name: string, rows: ReportRows, args: ReportArgs, app?: AppName): Promise<void> {
  if (args.format === 'json') inv.io.stdout.write(reportJson(spec, rows, app !== undefined && spec.jsonLists ? await spec.jsonLists(app) : {}));
  else if (args.flag !== undefined) inv.io.stdout.write(`${flagValue(rows, args.flag)}\n`);
  else {
    log.info2(out(inv), `${name} ${spec.type} information`);
    inv.io.stdout.write(reportBody(rows, spec.keepCase));
  }
}

/** Runs a report command: one app, `--global`, or every app when none is named. */
export async function runReport(inv: Invocation, services: Services, spec: ReportSpec): Promise<void> {
  const args = parseReportArgs(inv.command, inv.args);
  if (args.global) {
    if (!spec.global) throw new UsageError(`${inv.command} has no --global report`);
    return printOne(inv, spec, '--global', await spec.global(), args);
  }
  if (args.app !== undefined) {
    const app = await existingApp(services, args.app);
    return printOne(inv, spec, app, await spec.app(app), args, app);
  }
  const apps = await services.store.apps.list();
  if (apps.length === 0) {
    log.warn(out(inv), 'You haven\'t deployed any applications yet');
    return;
  }
  for (const app of apps) await printOne(inv, spec, app, await spec.app(app), args, app);
}
