// config:* — app and global environment: show, get, set, unset, keys, export, clear, plus
// the internal set-norestart/unset-norestart that plugins call. Fires post-config-update.
import type { CommandSet, CoreCommand } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { RunContext } from '../../plugins/host.js';
import fs from 'node:fs/promises';
import { scopeArg, out, readStdin, requireArgs } from '../shared/invocation.js';
import { parseConfigKey, shown, type ConfigKey } from '../../names.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import { log } from '../../log.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { formatEnv, parseExportFormat, pretty } from './format.js';
import { envBundle } from './bundle.js';
import type { EnvMap } from '../../store/env-file.js';
import { parseImport, parseImportFormat } from './import.js';

/** The options each command takes (the router splits args by them once). */
const SET_OPTIONS = ['--encoded', '--no-restart'] as const;
const IMPORT_OPTIONS = ['--no-restart', '--replace', '--format='] as const;
const RESTART_OPTIONS = ['--no-restart'] as const;
const SHOW_OPTIONS = ['--merged', '--shell', '--export'] as const;

function parsePair(arg: string, encoded: boolean): [ConfigKey, string] {
  const eq = arg.indexOf('=');
  if (eq < 0) throw new UsageError(`Invalid env pair: ${shown(arg)}`);
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
  await services.platform?.configChanged(scope, out(inv), inv);
}

async function setConfig(inv: Invocation, services: Services, ctx: RunContext, noRestartDefault: boolean): Promise<void> {
  const { set, positional } = inv.options;
  requireArgs(positional, 1, 'config:set [--encoded] [--no-restart] (<app>|--global) KEY1=VALUE1 [KEY2=VALUE2 ...]');
  const scope = await scopeArg(services, positional[0]);
  if (positional.length < 2) throw new UsageError('At least one env pair must be given');
  const pairs = positional.slice(1).map((arg) => parsePair(arg, set.has('--encoded')));
  log.info1(out(inv), 'Setting config vars');
  await services.store.config.update(scope, (env) => {
    for (const [key, value] of pairs) env.set(key, value);
    return true;
  });
  const width = Math.max(...pairs.map(([k]) => k.length + 1)) + 2;
  for (const [key, value] of pairs) log.verbose(out(inv), `${`${key}:`.padEnd(width)}${value}`);
  // Keys only, as Dokku's config core passes them (its docs show KEY=VALUE; its code never did).
  await services.plugins.fire('post-config-update', { APP: scope, ACTION: 'set', KEYS: pairs.map(([k]) => k) }, ctx);
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
  const { set, values, positional } = inv.options;
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
  await services.plugins.fire('post-config-update', { APP: scope, ACTION: 'set', KEYS: pairs.map(([k]) => k) }, ctx);
  await restartUnlessAsked(inv, services, scope, set.has('--no-restart'));
}

async function unsetConfig(inv: Invocation, services: Services, ctx: RunContext, noRestartDefault: boolean): Promise<void> {
  const { set, positional } = inv.options;
  requireArgs(positional, 1, 'config:unset [--no-restart] (<app>|--global) KEY1 [KEY2 ...]');
  const scope = await scopeArg(services, positional[0]);
  if (positional.length < 2) throw new UsageError('At least one key must be given');
  const keys = positional.slice(1).map(parseConfigKey);
  let removed: string[] = [];
  await services.store.config.update(scope, (env) => {
    removed = keys.filter((k) => env.delete(k));
    return removed.length > 0;
  });
  for (const key of keys) log.info1(out(inv), `Unsetting ${key}`);
  if (removed.length === 0) return;
  await services.plugins.fire('post-config-update', { APP: scope, ACTION: 'unset', KEYS: removed }, ctx);
  await restartUnlessAsked(inv, services, scope, noRestartDefault || set.has('--no-restart'));
}

async function show(inv: Invocation, services: Services): Promise<void> {
  const { positional } = inv.options;
  requireArgs(positional, 1, 'config:show (<app>|--global)');
  const scope = await scopeArg(services, positional[0]);
  const env = await services.store.config.read(scope);
  const title = scope === GLOBAL ? 'global' : scope;
  if (env.size === 0) {
    inv.io.stdout.write(`=====> ${title} has no env vars\n`);
    return;
  }
  inv.io.stdout.write(`=====> ${title} env vars\n`);
  inv.io.stdout.write(`${pretty(env)}\n`);
}

const EXPORT_USAGE = 'config:export [--format <format>] [--merged] (<app>|--global)';
const BUNDLE_USAGE = 'config:bundle [--merged] (<app>|--global)';

/** The scope of export and bundle: `--global` as a flag (Dokku's) or as the app position. */
async function exportScope(services: Services, positional: string[], global: boolean, usage: string): Promise<Scope> {
  if (global) return GLOBAL;
  requireArgs(positional, 1, usage);
  return scopeArg(services, positional[0]);
}

/** An app's environment; merged: the global one with the app's on top (Dokku's --merged). */
async function environment(services: Services, scope: Scope, merged: boolean): Promise<EnvMap> {
  const own = await services.store.config.read(scope);
  if (!merged || scope === GLOBAL) return own;
  const env = await services.store.config.read(GLOBAL);
  for (const [key, value] of own) env.set(key, value);
  return env;
}

const commands: CoreCommand[] = [
  { name: 'config', options: SHOW_OPTIONS, run: (inv, services) => show(inv, services) },
  {
    name: 'config:show',
    options: SHOW_OPTIONS,
    help: { usage: 'config:show (<app>|--global)', description: 'Pretty-print an app or global environment' },
    run: (inv, services) => show(inv, services),
  },
  {
    name: 'config:get',
    options: ['--quoted'],
    help: { usage: 'config:get [--quoted] (<app>|--global) KEY', description: 'Display a global or app-specific config value' },
    async run(inv, services) {
      const { set, positional } = inv.options;
      requireArgs(positional, 1, 'config:get [--quoted] (<app>|--global) KEY');
      const scope = await scopeArg(services, positional[0]);
      if (positional.length < 2) throw new UsageError('Expected: key');
      const key = parseConfigKey(positional[1]);
      const value = (await services.store.config.read(scope)).get(key);
      if (value === undefined) return 1;
      inv.io.stdout.write(set.has('--quoted') ? `'${value.replace(/'/g, `'\\''`)}'\n` : `${value}\n`);
    },
  },
  {
    name: 'config:set',
    options: SET_OPTIONS,
    help: { usage: 'config:set [--encoded] [--no-restart] (<app>|--global) KEY1=VALUE1 [KEY2=VALUE2 ...]', description: 'Set one or more config vars' },
    run: (inv, services, ctx) => setConfig(inv, services, ctx, false),
  },
  { name: 'config:set-norestart', options: SET_OPTIONS, run: (inv, services, ctx) => setConfig(inv, services, ctx, true) },
  {
    name: 'config:import',
    options: IMPORT_OPTIONS,
    help: { usage: IMPORT_USAGE, description: 'Import environment from stdin (dotenv or json); for values too long for a command line' },
    run: (inv, services, ctx) => importConfig(inv, services, ctx),
  },
  {
    name: 'config:unset',
    options: RESTART_OPTIONS,
    help: { usage: 'config:unset [--no-restart] (<app>|--global) KEY1 [KEY2 ...]', description: 'Unset one or more config vars' },
    run: (inv, services, ctx) => unsetConfig(inv, services, ctx, false),
  },
  { name: 'config:unset-norestart', options: RESTART_OPTIONS, run: (inv, services, ctx) => unsetConfig(inv, services, ctx, true) },
  {
    name: 'config:keys',
    options: ['--merged'],
    help: { usage: 'config:keys (<app>|--global)', description: 'Show keys set in environment' },
    async run(inv, services) {
      const { positional } = inv.options;
      requireArgs(positional, 1, 'config:keys (<app>|--global)');
      const env = await services.store.config.read(await scopeArg(services, positional[0]));
      for (const key of [...env.keys()].sort()) inv.io.stdout.write(`${key}\n`);
    },
  },
  {
    name: 'config:export',
    options: ['--format=', '--merged', '--envfile', '--global'],
    help: { usage: EXPORT_USAGE, description: 'Export a global or app environment' },
    async run(inv, services) {
      const { values, set, positional } = inv.options;
      const scope = await exportScope(services, positional, set.has('--global'), EXPORT_USAGE);
      const format = parseExportFormat(set.has('--envfile') ? 'envfile' : values.get('--format') ?? 'exports');
      inv.io.stdout.write(formatEnv(await environment(services, scope, set.has('--merged')), format));
    },
  },
  {
    name: 'config:bundle',
    options: ['--merged', '--global'],
    help: { usage: BUNDLE_USAGE, description: 'Bundle environment into tarfile' },
    async run(inv, services) {
      const { set, positional } = inv.options;
      const scope = await exportScope(services, positional, set.has('--global'), BUNDLE_USAGE);
      inv.io.stdout.write(envBundle(await environment(services, scope, set.has('--merged'))));
    },
  },
  {
    name: 'config:clear',
    options: RESTART_OPTIONS,
    help: { usage: 'config:clear [--no-restart] (<app>|--global)', description: 'Clears environment variables' },
    async run(inv, services, ctx) {
      const { set, positional } = inv.options;
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
      await services.plugins.fire('post-config-update', { APP: scope, ACTION: 'clear', KEYS: [] }, ctx);
      await restartUnlessAsked(inv, services, scope, set.has('--no-restart'));
    },
  },
];

export const configCommands: CommandSet = { plugin: 'config', summary: 'Manage global and app-specific config vars', access: { who: 'app' }, commands };

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
    // Dokku's arguments are `APP GLOBAL MERGED FORMAT`; the older `APP|--global [FORMAT]` still works.
    'config-export': async (args) => {
      const dokku = args.length >= 3 && /^(true|false)$/.test(args[1] ?? '');
      const [scopeName, format] = dokku ? [args[1] === 'true' ? GLOBAL : args[0], args[3]] : [args[0], args[1]];
      const env = await environment(services, await scopeArg(services, scopeName), dokku && args[2] === 'true');
      return formatEnv(env, parseExportFormat(format || 'exports'));
    },
  };
}
