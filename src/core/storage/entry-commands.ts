// storage:create|destroy|info|list-entries|ensure-directory: named storage entries and the host
// directories behind them, with Dokku's flags, messages and JSON shapes (Dokku ≥ 0.38).
import type { CoreCommand } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { StorageEntry } from '../../store/index.js';
import { ConflictError, SlipwayError, UsageError } from '../../errors.js';
import { log, type Out } from '../../log.js';
import { parseMount } from '../../scheduler/mounts.js';
import { confirmDestructive, out } from '../shared/invocation.js';
import {
  DOCKER_LOCAL, allEntries, checkEntryName, chownId, entriesWithUse, isVolumeToken, normalizeMode, requireEntry,
} from './entries.js';

const ADMIN = { who: 'admin', app: 'none' } as const;
const CREATE_USAGE = 'storage:create <name> [<path>] [--chown option] [--mode mode] [--reclaim-policy Retain|Delete]';
const DESTROY_USAGE = 'storage:destroy <name> [--force] [--destroy-host-dir]';

/** Lines Dokku prints with LogInfo1/LogVerbose (not their -Quiet forms): --quiet keeps them. */
export function loud(inv: Invocation): Out {
  return { ...out(inv), quiet: false };
}

function format(inv: Invocation): 'text' | 'json' {
  const value = inv.options.values.get('--format') ?? 'text';
  if (value !== 'text' && value !== 'json') throw new UsageError('Invalid --format value specified');
  return value;
}

/** Go's json.MarshalIndent escapes <, > and & (a host path may hold `&`). */
function goIndented(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** --chown and --mode act on the default directory only, as Dokku's helpers do. */
function requireDefaultPath(services: Services, entry: StorageEntry, flag: string): void {
  const wanted = services.store.storage.defaultPath(entry.name);
  if (entry.host_path === wanted) return;
  throw new UsageError(`${flag} only works on a storage entry at its default host path (${wanted}); leave out ${flag} and manage ${entry.host_path} yourself`);
}

/** Makes the entry's directory (unless it is a volume) and applies its mode and owner. */
async function ensureEntryDirectory(inv: Invocation, services: Services, entry: StorageEntry): Promise<void> {
  const owner = entry.chown ? chownId(entry.chown) : false;
  if (owner !== false) requireDefaultPath(services, entry, '--chown');
  if (entry.mode) requireDefaultPath(services, entry, '--mode');
  const hostPath = entry.host_path ?? '';
  if (isVolumeToken(hostPath)) return;
  if ((await services.store.storage.kind(hostPath)) === 'other') {
    throw new UsageError(`storage entry path ${hostPath} exists but is not a directory`);
  }
  const outcome = await directoryStep(hostPath, () => services.store.storage.ensureDirectory(hostPath));
  if (outcome.created) log.verbose(loud(inv), `Created ${hostPath}`);
  if (entry.mode) {
    log.verbose(loud(inv), `Setting directory mode to ${entry.mode}`);
    await directoryStep(hostPath, () => services.store.storage.ensureDirectory(hostPath, { mode: parseInt(entry.mode ?? '', 8) }));
  }
  if (owner !== false) {
    log.verbose(loud(inv), `Setting directory ownership to ${owner}:${owner}`);
    await directoryStep(hostPath, () => services.store.storage.ensureDirectory(hostPath, { owner }));
  }
}

/** A failed mkdir/chmod/chown as one user line naming the path. */
async function directoryStep<T>(hostPath: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new SlipwayError('E_STORAGE_DIRECTORY', `Unable to prepare ${hostPath}: ${code}`, 1, { cause: error });
  }
}

async function create(inv: Invocation, services: Services): Promise<void> {
  const [nameArg, pathArg, extra] = inv.options.positional;
  if (extra !== undefined) throw new UsageError(`Too many arguments. Usage: dokku ${CREATE_USAGE}`);
  const name = checkEntryName(nameArg);
  const scheduler = inv.options.values.get('--scheduler') ?? DOCKER_LOCAL;
  if (scheduler !== DOCKER_LOCAL) {
    throw new UsageError(`storage entry ${JSON.stringify(name)} has unsupported scheduler ${JSON.stringify(scheduler)} (supported here: ${DOCKER_LOCAL})`);
  }
  const hostPath = pathArg ?? services.store.storage.defaultPath(name);
  // The mount parser's checks (absolute or a volume token, no `..`, no odd characters) apply to the path too.
  try {
    parseMount(`${hostPath}:/storage`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(`storage entry ${JSON.stringify(name)} host path must be an absolute path (no '..') or a Docker volume name, got ${JSON.stringify(hostPath)}`);
  }
  const chown = inv.options.values.get('--chown') || undefined;
  if (chown !== undefined) chownId(chown);
  const reclaim = inv.options.values.get('--reclaim-policy') || undefined;
  if (reclaim !== undefined && reclaim !== 'Retain' && reclaim !== 'Delete') {
    throw new UsageError(`storage entry ${JSON.stringify(name)} has unsupported reclaim policy ${JSON.stringify(reclaim)}`);
  }
  const entry: StorageEntry = {
    name, scheduler, host_path: hostPath, chown, mode: normalizeMode(inv.options.values.get('--mode')), reclaim_policy: reclaim, schema_version: 1,
  };
  if (reclaim === 'Delete') requireDefaultPath(services, entry, '--reclaim-policy Delete');
  await services.store.storage.locked(async () => {
    const views = await allEntries(services);
    const owner = views.find((v) => v.entry.host_path === hostPath && v.entry.name !== name && !v.legacy);
    if (owner) throw new ConflictError('E_STORAGE_ENTRY_EXISTS', `${hostPath} already belongs to storage entry ${owner.entry.name}`);
    if (await services.store.storage.get(name)) log.info1(out(inv), `Storage entry ${name} already exists, leaving in place`);
    await ensureEntryDirectory(inv, services, entry);
    await services.store.storage.save(entry);
  });
  log.info1(loud(inv), `Storage entry ${name} created`);
}

async function destroy(inv: Invocation, services: Services): Promise<void> {
  const name = checkEntryName(inv.options.positional[0], true);
  const wantsDirGone = inv.options.set.has('--destroy-host-dir');
  await services.store.storage.locked(async () => {
    const view = (await entriesWithUse(services)).find((v) => v.entry.name === name);
    if (!view) throw new SlipwayError('E_STORAGE_ENTRY_NOT_FOUND', `storage entry ${JSON.stringify(name)} does not exist`);
    // Data is never lost from under an app: Dokku refuses while any app mounts the entry.
    if (view.mountedBy.length > 0) {
      throw new ConflictError('E_STORAGE_ENTRY_IN_USE', `storage entry ${JSON.stringify(name)} is still mounted by app(s): ${view.mountedBy.join(', ')}`);
    }
    const { entry } = view;
    const atDefault = entry.host_path === services.store.storage.defaultPath(name);
    if (wantsDirGone && !atDefault) requireDefaultPath(services, entry, '--destroy-host-dir');
    const removeDir = wantsDirGone || (entry.reclaim_policy === 'Delete' && atDefault);
    if (entry.reclaim_policy === 'Delete' && !atDefault) log.warn(out(inv), `Leaving ${entry.host_path} in place; reclaim policy Delete only removes the default host path`);
    if (!inv.options.set.has('--force') && !inv.flags.force) {
      if (removeDir) log.warn(out(inv), `Storage entry ${name} is backed by ${entry.host_path}, which will be removed along with its contents.`);
      await confirmDestructive(inv, 'storage entry', name);
    }
    if (removeDir) {
      await directoryStep(entry.host_path ?? '', () => services.store.storage.removeDefaultDirectory(name));
      log.verbose(loud(inv), `Removed ${entry.host_path}`);
    }
    await services.store.storage.remove(name);
  });
  log.info1(loud(inv), `Storage entry ${name} destroyed`);
}

async function info(inv: Invocation, services: Services): Promise<void> {
  const { entry } = await requireEntry(services, inv.options.positional[0]);
  if (format(inv) === 'json') {
    inv.io.stdout.write(`${goIndented(entry)}\n`);
    return;
  }
  log.info1(out(inv), `Storage entry ${entry.name}`);
  const rows: Array<[string, string | undefined]> = [
    ['Scheduler', entry.scheduler], ['Host path', entry.host_path], ['Chown', entry.chown], ['Mode', entry.mode], ['Reclaim policy', entry.reclaim_policy],
  ];
  // Dokku prints these with LogVerbose, which --quiet does not silence.
  for (const [label, value] of rows) if (value) inv.io.stdout.write(`       ${`${label}:`.padEnd(18)}${value}\n`);
}

async function listEntries(inv: Invocation, services: Services): Promise<void> {
  const scheduler = inv.options.values.get('--scheduler');
  const entries = (await allEntries(services)).map((v) => v.entry).filter((e) => !scheduler || e.scheduler === scheduler);
  if (format(inv) === 'json') {
    inv.io.stdout.write(`${goIndented(entries)}\n`);
    return;
  }
  if (entries.length === 0) {
    log.info1(out(inv), 'No storage entries registered');
    return;
  }
  log.info1(out(inv), 'Storage entries:');
  for (const e of entries) inv.io.stdout.write(`       ${e.name}\t${e.scheduler}\t${e.host_path ?? ''}\n`);
}

/** `storage:report --global`: every entry and the apps that mount it (Dokku's inventory). */
export async function globalInventory(inv: Invocation, services: Services, json: boolean): Promise<void> {
  const rows = await entriesWithUse(services);
  if (json) {
    inv.io.stdout.write(`${goIndented(rows.map((r) => ({ entry: r.entry, mounted_by: r.mountedBy })))}\n`);
    return;
  }
  if (rows.length === 0) {
    log.info1(out(inv), 'No storage entries registered');
    return;
  }
  log.info1(out(inv), 'Storage report (global):');
  for (const r of rows) inv.io.stdout.write(`       ${r.entry.name}\t${r.entry.scheduler}\tmounted by: ${r.mountedBy.join(', ') || '—'}\n`);
}

const SETTABLE = ['access-mode', 'chown', 'mode', 'namespace', 'reclaim-policy', 'size', 'storage-class-name'];

/** `storage:set NAME PROPERTY [VALUE]`: no value unsets; chown and mode are applied to the directory at once. */
async function set(inv: Invocation, services: Services): Promise<void> {
  const [nameArg, property, value = ''] = inv.options.positional;
  const name = checkEntryName(nameArg, true);
  if (!property) throw new UsageError('No property specified');
  if (!SETTABLE.includes(property)) throw new UsageError(`Invalid property specified, valid properties include: ${SETTABLE.join(', ')}`);
  await services.store.storage.locked(async () => {
    const { entry: current } = await requireEntry(services, name);
    const entry: StorageEntry = { ...current };
    switch (property) {
      case 'chown':
        if (value) chownId(value);
        entry.chown = value || undefined;
        break;
      case 'mode':
        entry.mode = normalizeMode(value);
        break;
      case 'reclaim-policy':
        if (value && value !== 'Retain' && value !== 'Delete') throw new UsageError(`storage entry ${JSON.stringify(name)} has unsupported reclaim policy ${JSON.stringify(value)}`);
        entry.reclaim_policy = value || undefined;
        if (value === 'Delete') requireDefaultPath(services, entry, '--reclaim-policy Delete');
        break;
      case 'access-mode': case 'storage-class-name':
        // Kubernetes cannot change these on a bound claim; a docker-local entry has neither, so only "unset" is no change.
        if (value) throw new UsageError(`storage:set cannot change ${property} in place; recreate the entry`);
        break;
      default:
        // size and namespace describe a k3s claim; Slipway's entries are docker-local.
        if (value) throw new UsageError(`storage entry ${JSON.stringify(name)} (${DOCKER_LOCAL}) does not accept ${property}`);
    }
    // Only a change of owner or mode touches the directory, as in Dokku.
    if (property === 'chown' || property === 'mode') await ensureEntryDirectory(inv, services, entry);
    await services.store.storage.save(entry);
  });
  log.info1(loud(inv), `Storage entry ${name} updated`);
}

async function ensureDirectory(inv: Invocation, services: Services): Promise<void> {
  log.warn(out(inv), 'Deprecated: please use \'storage:create\' instead of \'storage:ensure-directory\'');
  const directory = inv.options.positional[0];
  if (!directory) throw new UsageError('Please specify a directory to create');
  if (!/^[A-Za-z0-9_-]+$/.test(directory)) throw new UsageError('Directory can only contain the following set of characters: [A-Za-z0-9_-]');
  const owner = chownId(inv.options.values.get('--chown') ?? 'herokuish');
  const dir = services.store.storage.defaultPath(directory);
  log.info1(loud(inv), `Ensuring ${dir} exists`);
  if ((await services.store.storage.kind(dir)) === 'other') throw new UsageError(`Unable to create directory: ${dir} exists and is not a directory`);
  await directoryStep(dir, () => services.store.storage.ensureDirectory(dir));
  if (owner !== false) {
    log.verbose(out(inv), `Setting directory ownership to ${owner}:${owner}`);
    await directoryStep(dir, () => services.store.storage.ensureDirectory(dir, { owner }));
  }
  log.verbose(out(inv), 'Directory ready for mounting');
}

export const entryCommands: CoreCommand[] = [
  {
    name: 'storage:create', access: ADMIN, options: ['--scheduler=', '--chown=', '--mode=', '--reclaim-policy='],
    help: { usage: CREATE_USAGE, description: 'Register a named storage entry (a directory under $DOKKU_LIB_ROOT/data/storage)' }, run: create,
  },
  {
    name: 'storage:destroy', access: ADMIN, options: ['--force', '--destroy-host-dir'],
    help: { usage: DESTROY_USAGE, description: 'Remove a named storage entry (refused while an app mounts it)' }, run: destroy,
  },
  {
    name: 'storage:ensure-directory', access: ADMIN, options: ['--chown='],
    help: { usage: 'storage:ensure-directory [--chown option] <directory>', description: '[DEPRECATED] use storage:create instead' }, run: ensureDirectory,
  },
  {
    name: 'storage:info', access: ADMIN, options: ['--format='],
    help: { usage: 'storage:info <name> [--format text|json]', description: 'Show details for one storage entry' }, run: info,
  },
  {
    name: 'storage:set', access: ADMIN,
    help: { usage: 'storage:set <name> <property> [<value>]', description: 'Update a storage entry in place (chown, mode, reclaim-policy; no value unsets)' }, run: set,
  },
  {
    name: 'storage:list-entries', access: ADMIN, options: ['--scheduler=', '--format='],
    help: { usage: 'storage:list-entries [--scheduler s] [--format text|json]', description: 'List registered storage entries' }, run: listEntries,
  },
];
