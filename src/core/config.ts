// config:* — app and global environment: show, get, set, unset, keys, export, clear, plus
// the internal set-norestart/unset-norestart that plugins call. Fires post-config-update.
import type { CommandSet, CoreCommand } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import type { RunContext } from '../plugins/host.js';
import fs from 'node:fs/promises';
import { scopeArg, out, readStdin, requireArgs } from './common.js';
import { takeFlags } from '../commands/argv.js';
import { parseConfigKey, shown, type ConfigKey } from '../names.js';
import { GLOBAL, type Scope } from '../store/index.js';
import { log } from '../log.js';
import { SlipwayError, UsageError } from '../errors.js';
import { formatEnv, parseExportFormat, pretty } from './config-format.js';
import { parseImport, parseImportFormat } from './config-import.js';

function parsePair(arg: string, encoded: boolean): [ConfigKey, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`Invalid env pair: ${shown(arg)} (expected KEY=VALUE)`);
  const key = parseConfigKey(arg.slice(0, eq));
  let value = arg.slice(eq + 1);
  if (encoded) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new UsageError(`Value for ${key} is not valid base64`);
    value = Buffer.from(value, 'base64').toString('utf8');
  }
  return [key, value];
}

async function restartUnlessAsked(inv: Invocation, services: Services, scope: Scope, noRestart: boolean): Promise<void> {
  if (noRestart || scope === GLOBAL) return;
  await services.runtime.restart(scope, out(inv));
}

async function setConfig(inv: Invocation, services: Services, ctx: RunContext, noRestartDefault: boolean): Promise<void> {
  const { set, positional } = takeFlags(inv.args, ['--encoded', '--no-restart']);
  requireArgs(positional, 2, 'config:set [--encoded] [--no-restart] (<app>|--global) KEY1=VALUE1 [KEY2=VALUE2 ...]');
  const scope = await scopeArg(services, positional[0]);
  const pairs = positional.slice(1).map((arg) => parsePair(arg, set.has('--encoded')));
  log.info1(out(inv), 'Setting config vars');
  await services.store.config.update(scope, (env) => {
    for (const [key, value] of pairs) env.set(key, value);
    return true;
  });
  const width = Math.max(...pairs.map(([k]) => k.length + 1)) + 2;
  for (const [key, value] of pairs) log.verbose(out(inv), `${`${key}:`.padEnd(width)}${value}`);
  await services.plugins.trigger('post-config-update', [scope, 'set', ...pairs.map(([k, v]) => `${k}=${v}`)], ctx);
  await restartUnlessAsked(inv, services, scope, noRestartDefault || set.has('--no-restart'));
}

/** Input read by config:import: generous for config, bounded so a client cannot grow the server. */
export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
const IMPORT_USAGE = 'config:import [--no-restart] [--replace] [--format envfile|json] (<app>|--global) [FILE|-]';

/** The text config:import reads: stdin (`-` or no FILE), or a file on the host for the local operator. */
async function importInput(inv: Invocation, file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') {
    log.info1(out(inv), 'Reading config vars from stdin');
    const data = await readStdin(inv, MAX_IMPORT_BYTES, () => new UsageError(`Input is larger than ${MAX_IMPORT_BYTES} bytes`));
    if (inv.signal.aborted) throw new UsageError('The client left before its input ended; nothing was set');
    return data.toString('utf8');
  }
  // Over SSH the server's files are not the client's to read: values come on stdin.
  if (inv.identity.remote) throw new UsageError(`Over SSH, config:import reads stdin: ssh dokku@HOST config:import APP < ${shown(file)}`);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`No such file: ${shown(file)}`);
    throw error;
  }
}

/** config:import: many values at once, any size up to MAX_IMPORT_BYTES, one atomic write. */
async function importConfig(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const { set, values, positional } = takeFlags(inv.args, ['--no-restart', '--replace', '--format=']);
  requireArgs(positional, 1, IMPORT_USAGE);
  if (positional.length > 2) throw new UsageError(`Too many arguments. Usage: dokku ${IMPORT_USAGE}`);
  const scope = await scopeArg(services, positional[0]);
  const format = parseImportFormat(values.get('--format') ?? 'envfile');
  const entries = parseImport(await importInput(inv, positional[1]), format);
  if (entries.size === 0) throw new UsageError('No config vars to set');
  const pairs = [...entries.entries()].sort(([a], [b]) => a.localeCompare(b));
  log.info1(out(inv), 'Setting config vars');
  await services.store.config.update(scope, (env) => {
    if (set.has('--replace')) env.clear();
    for (const [key, value] of pairs) env.set(key, value);
    return true;
  });
  const width = Math.max(...pairs.map(([k]) => k.length + 1)) + 2;
  for (const [key, value] of pairs) log.verbose(out(inv), `${`${key}:`.padEnd(width)}${value}`);
  // Keys only, as Dokku passes them: an imported value may be larger than one argv string may be.
  await services.plugins.trigger('post-config-update', [scope, 'set', ...pairs.map(([k]) => k)], ctx);
  await restartUnlessAsked(inv, services, scope, set.has('--no-restart'));
}

async function unsetConfig(inv: Invocation, services: Services, ctx: RunContext, noRestartDefault: boolean): Promise<void> {
  const { set, positional } = takeFlags(inv.args, ['--no-restart']);
  requireArgs(positional, 2, 'config:unset [--no-restart] (<app>|--global) KEY1 [KEY2 ...]');
  const scope = await scopeArg(services, positional[0]);
  const keys = positional.slice(1).map(parseConfigKey);
  let removed: string[] = [];
  await services.store.config.update(scope, (env) => {
    removed = keys.filter((k) => env.delete(k));
    return removed.length > 0;
  });
  for (const key of keys) log.info1(out(inv), `Unsetting ${key}`);
  if (removed.length === 0) return;
  await services.plugins.trigger('post-config-update', [scope, 'unset', ...removed], ctx);
  await restartUnlessAsked(inv, services, scope, noRestartDefault || set.has('--no-restart'));
}

async function show(inv: Invocation, services: Services): Promise<void> {
  const { positional } = takeFlags(inv.args, ['--merged', '--shell', '--export']);
  requireArgs(positional, 1, 'config:show (<app>|--global)');
  const scope = await scopeArg(services, positional[0]);
  const env = await services.store.config.read(scope);
  const title = scope === GLOBAL ? 'global' : scope;
  if (env.size === 0) {
    inv.io.stdout.write(`=====> ${title} has no env vars\n`);
    return;
  }
  inv.io.stdout.write(`=====> ${title} env vars\n`);
  inv.io.stdout.write(pretty(env));
}

const commands: CoreCommand[] = [
  { name: 'config', run: (inv, services) => show(inv, services) },
  {
    name: 'config:show',
    help: { usage: 'config:show (<app>|--global)', description: 'Pretty-print an app or global environment' },
    run: (inv, services) => show(inv, services),
  },
  {
    name: 'config:get',
    help: { usage: 'config:get [--quoted] (<app>|--global) KEY', description: 'Display a global or app-specific config value' },
    async run(inv, services) {
      const { set, positional } = takeFlags(inv.args, ['--quoted']);
      requireArgs(positional, 2, 'config:get [--quoted] (<app>|--global) KEY');
      const scope = await scopeArg(services, positional[0]);
      const key = parseConfigKey(positional[1]);
      const value = (await services.store.config.read(scope)).get(key);
      if (value === undefined) return 1;
      inv.io.stdout.write(set.has('--quoted') ? `'${value.replace(/'/g, `'\\''`)}'\n` : `${value}\n`);
    },
  },
  {
    name: 'config:set',
    help: { usage: 'config:set [--encoded] [--no-restart] (<app>|--global) KEY1=VALUE1 [KEY2=VALUE2 ...]', description: 'Set one or more config vars' },
    run: (inv, services, ctx) => setConfig(inv, services, ctx, false),
  },
  { name: 'config:set-norestart', run: (inv, services, ctx) => setConfig(inv, services, ctx, true) },
  {
    name: 'config:import',
    help: { usage: IMPORT_USAGE, description: 'Import environment from stdin (dotenv or json); for values too long for a command line' },
    run: (inv, services, ctx) => importConfig(inv, services, ctx),
  },
  {
    name: 'config:unset',
    help: { usage: 'config:unset [--no-restart] (<app>|--global) KEY1 [KEY2 ...]', description: 'Unset one or more config vars' },
    run: (inv, services, ctx) => unsetConfig(inv, services, ctx, false),
  },
  { name: 'config:unset-norestart', run: (inv, services, ctx) => unsetConfig(inv, services, ctx, true) },
  {
    name: 'config:keys',
    help: { usage: 'config:keys (<app>|--global)', description: 'Show keys set in environment' },
    async run(inv, services) {
      const { positional } = takeFlags(inv.args, ['--merged']);
      requireArgs(positional, 1, 'config:keys (<app>|--global)');
      const env = await services.store.config.read(await scopeArg(services, positional[0]));
      for (const key of [...env.keys()].sort()) inv.io.stdout.write(`${key}\n`);
    },
  },
  {
    name: 'config:export',
    help: { usage: 'config:export [--format <format>] (<app>|--global)', description: 'Export a global or app environment' },
    async run(inv, services) {
      const { values, set, positional } = takeFlags(inv.args, ['--format=', '--merged', '--envfile']);
      requireArgs(positional, 1, 'config:export [--format <format>] (<app>|--global)');
      const format = parseExportFormat(set.has('--envfile') ? 'envfile' : values.get('--format') ?? 'exports');
      const env = await services.store.config.read(await scopeArg(services, positional[0]));
      inv.io.stdout.write(formatEnv(env, format));
    },
  },
  {
    name: 'config:clear',
    help: { usage: 'config:clear [--no-restart] (<app>|--global)', description: 'Clears environment variables' },
    async run(inv, services, ctx) {
      const { set, positional } = takeFlags(inv.args, ['--no-restart']);
      requireArgs(positional, 1, 'config:clear [--no-restart] (<app>|--global)');
      const scope = await scopeArg(services, positional[0]);
      let cleared: string[] = [];
      await services.store.config.update(scope, (env) => {
        cleared = [...env.keys()];
        env.clear();
        return cleared.length > 0;
      });
      log.info1(out(inv), 'Clearing config vars');
      if (cleared.length === 0) return;
      await services.plugins.trigger('post-config-update', [scope, 'clear'], ctx);
      await restartUnlessAsked(inv, services, scope, set.has('--no-restart'));
    },
  },
];

export const configCommands: CommandSet = { plugin: 'config', summary: 'Manage global and app-specific config vars', commands };

/** Read triggers a bash plugin may call through `plugn trigger` to ask the core. */
export function configTriggers(services: Services): Record<string, (args: string[]) => Promise<string>> {
  return {
    'config-get': async ([scope, key]) => {
      if (!scope || !key) throw new SlipwayError('E_USAGE', 'config-get needs APP KEY', 1);
      const value = (await services.store.config.read(await scopeArg(services, scope))).get(parseConfigKey(key));
      return value === undefined ? '' : `${value}\n`;
    },
    'config-get-global': async ([key]) => {
      const value = (await services.store.config.read(GLOBAL)).get(parseConfigKey(key ?? ''));
      return value === undefined ? '' : `${value}\n`;
    },
    'config-export': async ([scope, format]) =>
      formatEnv(await services.store.config.read(await scopeArg(services, scope)), parseExportFormat(format || 'exports')),
  };
}
