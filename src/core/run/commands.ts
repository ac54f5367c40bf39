// run APP CMD…: a one-off process in the app's current release with its config as env; stdin
// and output are the caller's, and the command's exit code is the command's exit code.
// run:list APP: the one-off commands running now, in Dokku's table or JSON shape.
// run:logs, run:stop, run:retire: their output, stopping them, and their --ttl-seconds deadline.
import type { CommandSet } from '../../commands/registry.js';
import type { OneOffRun } from '../../deploy/types.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { log } from '../../log.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { isValidConfigKey, shown } from '../../names.js';
import { DEFAULT_RUN_TTL_SECONDS } from '../../deploy/one-off-runs.js';
import type { Invocation } from '../../commands/types.js';
import type { AppPlatform } from '../../deploy/types.js';
import type { AppName } from '../../names.js';
import type { Services } from '../../services.js';

const LIST_USAGE = 'run:list [--format json|stdout] <app>';

/** Docker's "RunningFor" wording (CREATED column): how long ago, in the largest whole unit. */
export function runningFor(since: Date, now = new Date()): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  if (seconds < 1) return 'Less than a second ago';
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'} ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute ago';
  if (minutes < 60) return `${minutes} minutes ago`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour ago';
  if (hours < 48) return `${hours} hours ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** Docker's CreatedAt form, `2022-08-03 05:47:44 +0000 UTC`, as Dokku's JSON carries it. */
function createdAt(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** Columns as docker's `table` format pads them: each as wide as its longest cell, plus three spaces. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)) + 3);
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('') + '\n').join('');
}

function listRows(runs: OneOffRun[], now: Date): string[][] {
  return runs.map((r) => [r.name, JSON.stringify(r.command), runningFor(r.startedAt, now)]);
}

const USAGE = 'run [-e|--env KEY=VALUE] [--no-tty] [--ttl-seconds SECONDS] <app> <cmd> [<args>...]';
const DETACHED_USAGE = 'run:detached [-e|--env KEY=VALUE] [--force-tty] [--ttl-seconds SECONDS] <app> <cmd> [<args>...]';
const LOGS_USAGE = 'run:logs <app|--container CONTAINER> [-t] [-n num] [-q]';
const STOP_USAGE = 'run:stop <app|--container CONTAINER>';

/**
 * Dokku's run flags, before the app: `-e`/`--env KEY=VALUE` (repeatable), `--ttl-seconds N`, and
 * the container ones (`--rm`, `--no-tty`, `--force-tty`, …) that change nothing here: processes are
 * always removed and never get a tty.
 */
const RUN_OPTIONS = ['-e=', '--env=', '--ttl-seconds=', '--cron-id=', '--concurrency-policy=', '--rm', '--rm-container', '--no-tty', '--force-tty'];

interface RunArgs { env: Record<string, string>; ttlSeconds: number; words: string[] }

function runArgs(inv: Invocation, usage: string): RunArgs {
  const { set, values, positional } = inv.options;
  if (set.has('--no-tty') && set.has('--force-tty')) throw new UsageError('Cannot specify both --force-tty and --no-tty');
  const ttl = values.get('--ttl-seconds') || String(DEFAULT_RUN_TTL_SECONDS);
  if (!/^\d{1,9}$/.test(ttl)) throw new UsageError('--ttl-seconds must be a positive integer');
  const env: Record<string, string> = {};
  // The option words (before the app) again, for -e and --env in the order given: a later pair wins.
  const words = inv.args.slice(0, inv.args.length - positional.length);
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    let pair: string | undefined;
    if (word === '-e' || word === '--env') pair = words[++i];
    else if (word.startsWith('-e=') || word.startsWith('--env=')) pair = word.slice(word.indexOf('=') + 1);
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    if (eq < 0 || !isValidConfigKey(pair.slice(0, eq))) throw new UsageError(`Invalid env pair ${shown(pair)}: use KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  requireArgs(positional, 2, usage);
  return { env, ttlSeconds: Number(ttl), words: positional.slice(1) };
}


/**
 * `--container APP.run.N` as Dokku checks it (exactly two dots, a run container, the app's when
 * an app is named too); resolves to the app, which must exist.
 */
async function containerApp(services: Services, container: string, named: string | undefined): Promise<AppName> {
  const parts = container.split('.');
  if (parts.length !== 3) throw new SlipwayError('E_INVALID_RUN_CONTAINER', `Invalid container name specified: ${shown(container)}`, 1);
  if (named !== undefined && named !== parts[0]) throw new SlipwayError('E_INVALID_RUN_CONTAINER', 'Specified app does not app in container name', 1);
  if (parts[1] !== 'run') throw new SlipwayError('E_INVALID_RUN_CONTAINER', 'Specified container must be a run container', 1);
  return existingApp(services, parts[0]);
}

/** The app and container of run:logs / run:stop: `APP`, `--container NAME`, or both. */
async function target(inv: Invocation, services: Services): Promise<{ app: AppName; container?: string }> {
  const container = inv.options.values.get('--container');
  const named = inv.options.positional[0];
  if (container === undefined || container === '') {
    if (named === undefined) throw new UsageError('No container or app specified');
    return { app: await existingApp(services, named) };
  }
  return { app: await containerApp(services, container, named), container };
}

/**
 * Dokku's scheduler-run-retire: the run and cron commands (of APP, or of every app) past their
 * --ttl-seconds are stopped, each named. run:retire and ps:retire print it.
 */
export async function retireExpiredRuns(inv: Invocation, platform: AppPlatform, app: AppName | undefined): Promise<void> {
  log.info1(out(inv), app === undefined ? 'Retiring all run and cron containers' : `Retiring run and cron containers for app ${app}`);
  await platform.retireRuns(app, (name) => log.verbose(out(inv), `Retiring container ${name}`));
}

export const runCommands: CommandSet = {
  plugin: 'run',
  summary: 'Run one-off commands in an app\'s environment',
  access: { who: 'app' },
  commands: [
    {
      name: 'run',
      options: RUN_OPTIONS,
      leadingOptions: true,
      help: { usage: USAGE, description: 'Run a one-off command in the app\'s release with its config' },
      async run(inv, services) {
        const args = runArgs(inv, USAGE);
        const app = await existingApp(services, inv.options.positional[0]);
        return requirePlatform(services).run(app, args.words, { stdin: inv.io.stdin, stdout: inv.io.stdout, stderr: inv.io.stderr }, inv.signal, { env: args.env, ttlSeconds: args.ttlSeconds });
      },
    },
    {
      name: 'run:detached',
      options: RUN_OPTIONS,
      leadingOptions: true,
      help: { usage: DETACHED_USAGE, description: 'Run a one-off command in the background; prints its name (its output goes to logs)' },
      async run(inv, services) {
        const args = runArgs(inv, DETACHED_USAGE);
        const app = await existingApp(services, inv.options.positional[0]);
        const name = await requirePlatform(services).runDetached(app, args.words, { env: args.env, ttlSeconds: args.ttlSeconds });
        inv.io.stdout.write(`${name}\n`);
      },
    },
    {
      name: 'run:list',
      options: ['--format='],
      help: { usage: LIST_USAGE, description: 'List all run containers for an app' },
      async run(inv, services) {
        const { values, positional } = inv.options;
        const format = values.get('--format') ?? 'stdout';
        if (format !== 'stdout' && format !== 'json') throw new UsageError(`Invalid --format value specified. Usage: dokku ${LIST_USAGE}`);
        requireArgs(positional, 1, LIST_USAGE);
        const app = await existingApp(services, positional[0]);
        const runs = requirePlatform(services).runs(app);
        if (format === 'json') {
          const json = runs.map((r) => ({ name: r.name, state: 'running', command: JSON.stringify(r.command), created_at: createdAt(r.startedAt) }));
          inv.io.stdout.write(`${JSON.stringify(json)}\n`);
          return;
        }
        const rows = listRows(runs, new Date());
        log.info2(out(inv), `${app} run containers`);
        // --quiet: the rows alone, tab-separated (Dokku's docker format without `table`).
        if (inv.flags.quiet) inv.io.stdout.write(rows.map((r) => `${r.join('\t')}\n`).join(''));
        else inv.io.stdout.write(table([['NAMES', 'COMMAND', 'CREATED'], ...rows]));
      },
    },
    {
      name: 'run:logs',
      options: ['--container=', '-n=', '--num=', '-t', '--tail', '-q', '--quiet'],
      help: { usage: LOGS_USAGE, description: 'Display recent log output for run containers' },
      async run(inv, services) {
        const { set, values } = inv.options;
        const { app, container } = await target(inv, services);
        const num = values.get('-n') ?? values.get('--num') ?? '100';
        if (!/^\d+$/.test(num)) throw new UsageError('-n takes a number of lines');
        const quiet = set.has('-q') || set.has('--quiet');
        const write = (line: string) => {
          if (inv.signal.aborted) return;
          // --quiet: the raw output, without the timestamp and container prefix.
          inv.io.stdout.write(`${quiet ? line.replace(/^\S+ app\[[^\]]*\]: /, '') : line}\n`);
        };
        await requirePlatform(services).runLogs(app, container, { lines: Number(num), follow: set.has('-t') || set.has('--tail') }, write, inv.signal);
      },
    },
    {
      name: 'run:stop',
      options: ['--container='],
      help: { usage: STOP_USAGE, description: 'Stops all run containers for an app or a specified run container' },
      async run(inv, services) {
        const { app, container } = await target(inv, services);
        const stopped = await requirePlatform(services).stopRuns(app, container);
        if (container !== undefined && stopped.length === 0) log.warn(out(inv), 'Specified container does not exist');
        else if (stopped.length === 0 && !inv.flags.quiet) inv.io.stdout.write('No run containers exist\n');
        // As `docker container stop` does, each name once it stopped.
        for (const name of stopped) inv.io.stdout.write(`${name}\n`);
      },
    },
    {
      name: 'run:retire',
      // Without an app it acts on every app: admins only.
      access: { who: 'app', app: 0 },
      help: { usage: 'run:retire [<app>]', description: 'Stop all run containers for an app that have exceeded their active deadline' },
      async run(inv, services) {
        const app = inv.args[0] === undefined ? undefined : await existingApp(services, inv.args[0]);
        await retireExpiredRuns(inv, requirePlatform(services), app);
      },
    },
  ],
};
