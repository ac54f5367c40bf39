// events, events:on|off|list — an audit log of every command (who, what, which app, exit code)
// and of the lifecycle triggers. Config values never reach it: only their keys are logged.
import type { CommandSet } from '../../commands/registry.js';
import type { Identity, Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { TriggerObserver } from '../../plugins/host.js';
import { isValidAppName, type AppName } from '../../names.js';
import { GLOBAL } from '../../store/index.js';
import { log } from '../../log.js';
import { UsageError } from '../../errors.js';
import { out } from '../shared/invocation.js';

/** Triggers written to the log when fired (Dokku's events plugin logs the same kind of list). */
export const LOGGED_TRIGGERS = [
  'check-deploy', 'dependencies', 'install', 'post-app-rename', 'post-build', 'post-config-update', 'post-create',
  'post-delete', 'post-deploy', 'post-domains-update', 'post-stop', 'pre-build', 'pre-delete', 'pre-deploy',
  'pre-receive-app', 'receive-app', 'uninstall', 'update',
];
const LOGGED = new Set(LOGGED_TRIGGERS);
/** Commands whose arguments carry KEY=VALUE pairs: only the keys are logged. */
const CONFIG_WRITES = new Set(['config:set', 'config:set-norestart', 'config:unset', 'config:unset-norestart']);
const DEFAULT_LINES = 100;

/** One printable field: no newlines or control characters can forge a log line. */
function clean(value: string, max = 200): string {
  const text = value.replace(/[^\x20-\x7e]/g, '?');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function stamp(): string {
  return `${new Date().toISOString()} slipway[${process.pid}]:`;
}

/** `KEY=value` → `KEY`; everything else unchanged. */
function keyOnly(arg: string): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(arg);
  return match ? match[1] : arg;
}

export async function eventsEnabled(services: Services): Promise<boolean> {
  return (await services.store.properties.get('events', GLOBAL, 'enabled')) !== 'false';
}

async function append(services: Services, line: string): Promise<void> {
  try {
    if (await eventsEnabled(services)) await services.store.events.append(line);
  } catch (error) {
    // Never fail a command because the audit log could not be written; say so in the server log.
    process.stderr.write(`slipway: events: cannot append to the events log: ${(error as Error).message}\n`);
  }
}

/**
 * Call before a command runs, with the command as typed (the router's parse: `--app APP` moved
 * first); `finish(code)` logs it. The app is the command's first argument that is not an option,
 * when that names an app that exists before or after (apps:create, apps:destroy both count).
 */
export async function commandEvent(services: Services, typed: { command: string; args: readonly string[] }, identity: Identity): Promise<{ finish(code: number): Promise<void> }> {
  const { command, args } = typed;
  const candidate = args.find((a) => !a.startsWith('--'));
  const app: AppName | undefined = candidate !== undefined && isValidAppName(candidate) ? candidate : undefined;
  const existedBefore = app ? await services.store.apps.exists(app) : false;
  return {
    async finish(code) {
      if (command === 'events:log') return;
      const fields = [`COMMAND ${clean(command, 80)}`];
      if (app && (existedBefore || (await services.store.apps.exists(app)))) fields.push(`APP=${app}`);
      if (CONFIG_WRITES.has(command)) {
        const keys = args.filter((a) => !a.startsWith('--') && a !== app).map(keyOnly);
        if (keys.length) fields.push(`KEYS=${clean(keys.join(','))}`);
      }
      fields.push(`NAME=${clean(identity.keyName, 64)}`, `EXIT=${code}`);
      await append(services, `${stamp()} ${fields.join(' ')}`);
    },
  };
}

/** Logs the lifecycle triggers as Dokku does: `INVOKED: name( args ) NAME=…`, config values dropped. */
export function triggerLogger(services: Services): TriggerObserver {
  return (name, args, ctx) => {
    if (!LOGGED.has(name)) return;
    const shownArgs = args.map((a) => clean(keyOnly(a), 80)).join(' ');
    void append(services, `${stamp()} INVOKED: ${name}( ${shownArgs} ) NAME=${clean(ctx.identity.keyName, 64)}`);
  };
}

/** One line from a door that is not a command (the dashboard's login and logout), tagged with the key name. */
export async function logEvent(services: Services, message: string, identity: Identity): Promise<void> {
  await append(services, `${stamp()} EVENT: ${clean(message, 500)} NAME=${clean(identity.keyName, 64)}`);
}

async function show(inv: Invocation, services: Services): Promise<void> {
  const { set, values, positional } = inv.options;
  if (positional.length) throw new UsageError('Usage: dokku events [-t] [-n <lines>]');
  const raw = values.get('-n') ?? values.get('--num') ?? String(DEFAULT_LINES);
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 0 || count > 100_000) throw new UsageError(`-n must be a whole number, got ${raw.slice(0, 20)}`);
  const end = await services.store.events.end();
  const lines = await services.store.events.tail(count);
  if (lines.length) inv.io.stdout.write(lines.join('\n') + '\n');
  if (!set.has('-t') && !set.has('--tail')) return;
  // Follow until the client goes away: the invocation's signal aborts when the channel closes.
  // ssh2 reports that close only once the channel's input has ended, and input ends only when
  // read: drain (and drop) stdin so a vanished client is noticed.
  inv.io.stdin.resume();
  await services.store.events.follow(end, (more) => { inv.io.stdout.write(more.join('\n') + '\n'); }, inv.signal);
}

async function setEnabled(inv: Invocation, services: Services, on: boolean): Promise<void> {
  if (on) await services.store.properties.delete('events', GLOBAL, 'enabled');
  else await services.store.properties.set('events', GLOBAL, 'enabled', 'false');
  log.info1(out(inv), on ? 'Enabling events logger' : 'Disabling events logger');
}

export const eventsCommands: CommandSet = {
  plugin: 'events',
  summary: 'Show the log of commands and triggers',
  access: { who: 'admin' },
  commands: [
    {
      name: 'events',
      options: ['-t', '--tail', '-n=', '--num='],
      help: { usage: 'events [-t] [-n <lines>]', description: 'Show the last events (-t: follow until you disconnect)' },
      run: (inv, services) => show(inv, services),
    },
    { name: 'events:on', help: { usage: 'events:on', description: 'Enable the events logger (the default)' }, run: (inv, s) => setEnabled(inv, s, true) },
    { name: 'events:off', help: { usage: 'events:off', description: 'Disable the events logger' }, run: (inv, s) => setEnabled(inv, s, false) },
    {
      name: 'events:list',
      help: { usage: 'events:list', description: 'List the events that are logged' },
      async run(inv, services) {
        if (!(await eventsEnabled(services))) {
          log.warn(out(inv), 'Events logger disabled');
          return;
        }
        log.info2(out(inv), 'Events currently logged');
        for (const name of ['command', ...LOGGED_TRIGGERS]) inv.io.stdout.write(`${name}\n`);
      },
    },
    {
      // Behind dokku_log_event in common/functions: one line from a plugin, tagged with its key name.
      name: 'events:log',
      async run(inv, services) {
        if (inv.args.length === 0) throw new UsageError('Usage: dokku events:log <message>');
        await append(services, `${stamp()} EVENT: ${clean(inv.args.join(' '), 500)} NAME=${clean(inv.identity.keyName, 64)}`);
      },
    },
  ],
};
