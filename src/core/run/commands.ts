// run APP CMD…: a one-off process in the app's current release with its config as env; stdin
// and output are the caller's, and the command's exit code is the command's exit code.
// run:list APP: the one-off commands running now, in Dokku's table or JSON shape.
import type { CommandSet } from '../../commands/registry.js';
import type { OneOffRun } from '../../deploy/types.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { log } from '../../log.js';
import { UsageError } from '../../errors.js';
import { isValidConfigKey, shown } from '../../names.js';
import type { Invocation } from '../../commands/types.js';

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
/** Dokku's default run TTL: a day. */
const DEFAULT_TTL_SECONDS = 86400;

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
  const ttl = values.get('--ttl-seconds') || String(DEFAULT_TTL_SECONDS);
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
        return requirePlatform(services).run(app, args.words, { stdin: inv.io.stdin, stdout: inv.io.stdout, stderr: inv.io.stderr }, inv.signal, { env: args.env });
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
  ],
};
