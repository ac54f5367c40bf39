// logs APP [-t] [-n N] [-p TYPE]: an app's process output, `TIME app[web.1]: text` lines;
// -t keeps following until the client disconnects. logs:failed: the last failed start's output.
import type { CommandSet } from '../../commands/registry.js';
import { existingApp, out } from '../shared/invocation.js';
import { runForAllAppsSerially } from '../shared/all-apps.js';
import type { Invocation } from '../../commands/types.js';
import type { AppName } from '../../names.js';
import { requirePlatform } from '../shared/platform.js';
import { SlipwayError, UsageError } from '../../errors.js';
import type { Services } from '../../services.js';
import { DEFAULT_LOG_MAX_SIZE, GLOBAL, logMaxBytes, type Scope } from '../../store/index.js';
import { shown } from '../../names.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { propertyOf, setProperty, type PropertySpec } from '../shared/property-set.js';
import { log, prefix } from '../../log.js';

/** Output waiting for a slow `logs -t` reader, at most (the rest is dropped and counted). */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

const USAGE = 'logs <app> [-n|--num NUM] [-p|--ps TYPE] [-t|--tail] [-q|--quiet]';
const SET_USAGE = 'logs:set (<app>|--global) <property> [<value>]';
const NO_VECTOR = 'Slipway ships no vector log shipper: process output stays in its own log files (logs APP)';

/** Dokku's logs properties: max-size is honoured; the vector ones are named and refused. */
const PROPERTIES: PropertySpec = {
  plugin: 'logs',
  app: ['max-size'],
  global: ['max-size'],
  notApplicable: {
    'app-label-alias': NO_VECTOR,
    'vector-cron-sink': NO_VECTOR,
    'vector-image': NO_VECTOR,
    'vector-networks': NO_VECTOR,
    'vector-sink': NO_VECTOR,
  },
  check(property, value) {
    if (property !== 'max-size' || value === 'unlimited') return;
    // Dokku's checks and words, in its order.
    if (!/[kmg]$/.test(value)) throw new UsageError('Invalid max-size unit measure, value must end in any of [k, m, g]');
    if (value.length < 2) throw new UsageError('Invalid max-size value, must be a number followed by a unit of measure [k, m, g]');
    if (logMaxBytes(value) === undefined) throw new UsageError(`Invalid max-size value, unable to convert number to int: ${shown(value.slice(0, -1))} is not a positive whole number`);
  },
};

async function maxSizeRows(services: Services, scope: Scope): Promise<ReportRows> {
  const own = scope === GLOBAL ? '' : await propertyOf(services, 'logs', scope, 'max-size');
  const global = await propertyOf(services, 'logs', GLOBAL, 'max-size');
  const rows: ReportRows = [['--logs-computed-max-size', own || global || DEFAULT_LOG_MAX_SIZE], ['--logs-global-max-size', global]];
  if (scope !== GLOBAL) rows.push(['--logs-max-size', own]);
  return rows;
}

/**
 * Dokku's logs:failed for one app: a header, then the raw output of each process of the last start
 * that failed its checks (kept until the app's next start), or its warning when there is none.
 */
async function failedLogs(inv: Invocation, services: Services, app: AppName): Promise<void> {
  const o = out(inv);
  log.info2(o, `${app} failed deploy logs`);
  const record = await services.store.logs.failedDeploy(app);
  if (!record || record.instances.length === 0) {
    log.warn(o, 'No failed containers found');
    return;
  }
  for (const instance of record.instances) {
    if (instance.lines.length) inv.io.stdout.write(`${instance.lines.join('\n')}\n`);
  }
}

export const logsCommands: CommandSet = {
  plugin: 'logs',
  summary: 'Show the output of an app\'s processes',
  access: { who: 'app' },
  commands: [
    {
      name: 'logs',
      options: ['-t', '--tail', '-q', '--quiet', '-n=', '--num=', '-p=', '--ps='],
      help: { usage: USAGE, description: 'Display recent log output (-t follows it)' },
      async run(inv, services) {
        const { set, values, positional } = inv.options;
        const num = values.get('-n') ?? values.get('--num') ?? '100';
        // Dokku's flag parser (pflag) refuses a value that is not an integer first, exit 2, in its words.
        if (!/^[+-]?\d+$/.test(num)) throw new SlipwayError('E_USAGE', `invalid argument "${shown(num)}" for "-n, --num" flag: strconv.ParseInt: parsing "${shown(num)}": invalid syntax`, 2);
        if (num.startsWith('-')) throw new UsageError('-n takes a number of lines (0 or more)');
        const app = await existingApp(services, positional[0]);
        if (positional.length > 1) throw new UsageError(`Too many arguments. Usage: dokku ${USAGE}`);
        if (!(await services.store.releases.current(app))) throw new SlipwayError('E_NOT_DEPLOYED', `App ${app} has not been deployed`, 1);
        const type = values.get('-p') ?? values.get('--ps');
        if (type !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) throw new UsageError('-p takes a process type, e.g. web');
        const quiet = set.has('-q') || set.has('--quiet');
        const stdout = inv.io.stdout;
        let dropped = 0;
        const write = (line: string) => {
          // The client left: the follower is being stopped; nothing more is sent.
          if (inv.signal.aborted) return;
          // A client that stays connected but does not read would make the server hold every line:
          // past MAX_PENDING_BYTES lines are dropped, and the client is told how many.
          if (stdout.writableLength > MAX_PENDING_BYTES) { dropped++; return; }
          if (dropped) {
            inv.io.stderr.write(`${prefix.warn}${dropped} log lines dropped: the client read too slowly\n`);
            dropped = 0;
          }
          // --quiet: the raw output, without the timestamp and process prefix.
          stdout.write(`${quiet ? line.replace(/^\S+ app\[[^\]]*\]: /, '') : line}\n`);
        };
        await requirePlatform(services).logs(app, { lines: Number(num), follow: set.has('-t') || set.has('--tail'), type }, write, inv.signal);
      },
    },
    {
      name: 'logs:failed',
      options: ['--all'],
      help: { usage: 'logs:failed [--all|<app>]', description: 'Shows the last failed deploy logs' },
      async run(inv, services) {
        if (inv.options.set.has('--all')) {
          await runForAllAppsSerially(inv, services, 'logs:failed', (app) => failedLogs(inv, services, app));
          return;
        }
        await failedLogs(inv, services, await existingApp(services, inv.options.positional[0]));
      },
    },
    {
      name: 'logs:set',
      help: { usage: SET_USAGE, description: 'Set or clear a logs property (max-size: N followed by k, m or g, or unlimited)' },
      async run(inv, services) {
        await setProperty(inv, services, PROPERTIES);
      },
    },
    {
      name: 'logs:report',
      help: { usage: 'logs:report [<app>|--global] [<flag>]', description: 'Display the logs settings of an app (or every app)' },
      run: (inv, services) => runReport(inv, services, {
        type: 'logs',
        legacyKeys: true,
        app: (app) => maxSizeRows(services, app),
        global: () => maxSizeRows(services, GLOBAL),
      }),
    },
  ],
};
