// storage:* — bind mounts and named volumes for an app's containers (docker-local), Dokku's
// `host:container` form or a named entry (`storage:mount APP NAME --container-dir /path`).
// Changes apply when containers are next created: deploy or ps:restart.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { log } from '../../log.js';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { formatMount, parseMount, readMounts, updateMounts, type Mount } from '../../scheduler/mounts.js';
import { parseReportArgs, runReport, type ReportRows } from '../report/run-report.js';
import { allEntries, entryNameOf, requireEntry } from './entries.js';
import { entryCommands, globalInventory, loud } from './entry-commands.js';
import { computedScheduler } from '../scheduler/commands.js';

/** A bind mount gives the app's containers the host's files: only an admin may hand that out. */
const MOUNT_ACCESS = { who: 'admin', app: 0 } as const;
const MOUNT_USAGE = 'storage:mount <app> <host-dir|volume>:<container-dir>[:ro] | <name> --container-dir <path> [--volume-readonly]';
const UNMOUNT_USAGE = 'storage:unmount <app> <host-dir|volume>:<container-dir>[:ro] | <name> [--container-dir <path>]';
/** Dokku's named-form flags Slipway's mounts have no counterpart for yet: refused, never ignored. */
const UNSUPPORTED_MOUNT_FLAGS = ['--phase', '--process-type', '--volume-subpath', '--volume-options', '--volume-chown'];

/** Dokku tells the forms apart by a colon; a bare absolute path is a colon form missing its half. */
function colonForm(value: string): boolean {
  return value.includes(':') || value.startsWith('/');
}

async function mountEntry(inv: Invocation, services: Services, app: AppName, name: string): Promise<void> {
  for (const flag of UNSUPPORTED_MOUNT_FLAGS) {
    if (inv.options.values.has(flag)) throw new UsageError(`${flag} is not supported by Slipway's mounts (they apply to every process type, at deploy and run)`);
  }
  await services.store.storage.locked(async () => {
    const view = await requireEntry(services, name).catch((error: unknown) => {
      if (error instanceof NotFoundError) throw new NotFoundError('E_STORAGE_ENTRY_NOT_FOUND', `${error.message}; create it first with \`dokku storage:create\``);
      throw error;
    });
    const containerDir = inv.options.values.get('--container-dir');
    if (!containerDir) throw new UsageError('--container-dir is required when mounting a named storage entry');
    const readOnly = inv.options.set.has('--volume-readonly');
    const wanted = parseMount(`${view.entry.host_path ?? ''}:${containerDir}${readOnly ? ':ro' : ''}`);
    let created = true;
    await updateMounts(services.store, app, (mounts) => {
      const same = mounts.findIndex((m) => m.source === wanted.source && m.target === wanted.target);
      // Dokku's named form is idempotent: the same entry at the same path is updated in place.
      if (same !== -1) {
        created = false;
        return mounts.map((m, i) => (i === same ? wanted : m));
      }
      if (mounts.some((m) => m.target === wanted.target)) throw new ConflictError('E_MOUNT_EXISTS', `${wanted.target} is already a mount target of ${app}`);
      return [...mounts, wanted];
    });
    log.info1(loud(inv), created
      ? `Storage entry ${view.entry.name} mounted at ${wanted.target} on ${app}`
      : `Storage entry ${view.entry.name} mount at ${wanted.target} on ${app} updated`);
  });
}

async function mount(inv: Invocation, services: Services): Promise<void> {
  const args = inv.options.positional;
  requireArgs(args, 2, MOUNT_USAGE);
  const app = await existingApp(services, args[0]);
  if (!colonForm(args[1])) {
    await mountEntry(inv, services, app, args[1]);
  } else {
    const wanted = parseMount(args[1]);
    await updateMounts(services.store, app, (mounts) => {
      if (mounts.some((m) => m.source === wanted.source && m.target === wanted.target)) {
        throw new ConflictError('E_MOUNT_EXISTS', 'Mount path already exists.');
      }
      if (mounts.some((m) => m.target === wanted.target)) {
        throw new ConflictError('E_MOUNT_EXISTS', `${wanted.target} is already a mount target of ${app}`);
      }
      return [...mounts, wanted];
    });
    log.info1(out(inv), `Mounted ${formatMount(wanted)} for ${app}`);
  }
  log.verbose(out(inv), 'Applied to new containers: on the next deploy or ps:restart');
  // Said, not silently kept: a local process has no container filesystem to mount into.
  if ((await computedScheduler(services, app)) === 'process') {
    log.warn(out(inv), `${app} runs on the process scheduler, which has no containers: mounts apply once it runs on docker-local (scheduler:set ${app} selected docker-local)`);
  }
}

async function unmountEntry(inv: Invocation, services: Services, app: AppName, name: string): Promise<Mount> {
  // As in Dokku, an entry that does not exist is simply not mounted.
  const hostPath = (await allEntries(services)).find((v) => v.entry.name === name)?.entry.host_path;
  const containerDir = inv.options.values.get('--container-dir');
  const shown = (value: string) => JSON.stringify(value);
  let removed: Mount | undefined;
  await updateMounts(services.store, app, (mounts) => {
    const matches = mounts.filter((m) => hostPath !== undefined && m.source === hostPath && (containerDir === undefined || m.target === containerDir));
    if (matches.length === 0) {
      throw new NotFoundError('E_MOUNT_NOT_FOUND', containerDir === undefined
        ? `storage entry ${shown(name)} is not mounted on app ${shown(app)}`
        : `storage entry ${shown(name)} is not mounted at ${shown(containerDir)} on app ${shown(app)}`);
    }
    if (matches.length > 1) {
      throw new UsageError(`storage entry ${shown(name)} is mounted at more than one path on app ${shown(app)} (${matches.map((m) => m.target).sort().join(', ')}); name one with --container-dir`);
    }
    removed = matches[0];
    return mounts.filter((m) => m !== removed);
  });
  return removed as Mount;
}

async function unmount(inv: Invocation, services: Services): Promise<void> {
  const args = inv.options.positional;
  requireArgs(args, 2, UNMOUNT_USAGE);
  const app = await existingApp(services, args[0]);
  let removed: Mount;
  if (!colonForm(args[1])) removed = await unmountEntry(inv, services, app, args[1]);
  else {
    removed = parseMount(args[1]);
    await updateMounts(services.store, app, (mounts) => {
      const kept = mounts.filter((m) => !(m.source === removed.source && m.target === removed.target));
      if (kept.length === mounts.length) throw new NotFoundError('E_MOUNT_NOT_FOUND', 'Mount path does not exist.');
      return kept;
    });
  }
  log.info1(out(inv), `Unmounted ${formatMount(removed)} from ${app}`);
  log.verbose(out(inv), 'Applied to new containers: on the next deploy or ps:restart');
}

async function list(inv: Invocation, services: Services): Promise<void> {
  const args = inv.options.positional;
  requireArgs(args, 1, 'storage:list <app> [--format text|json]');
  const app = await existingApp(services, args[0]);
  const format = inv.options.values.get('--format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('Invalid --format value specified');
  const mounts = await readMounts(services.store, app);
  if (format === 'json') {
    const registered = await services.store.storage.list();
    // Dokku's fields: entry_name always (legacy-<hash> for a colon-form mount), readonly only when set.
    const rows = mounts.map((m) => ({
      entry_name: entryNameOf(m, registered), host_path: m.source, container_path: m.target, ...(m.readOnly ? { readonly: true } : {}),
    }));
    inv.io.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  // Dokku: a `-----> APP volume bind-mounts:` header; with --quiet, bare lines without indentation.
  log.info1(out(inv), `${app} volume bind-mounts:`);
  for (const m of mounts) inv.io.stdout.write(`${inv.flags.quiet ? '' : '       '}${formatMount(m)}\n`);
}

/** Dokku's storage report: the `-v` lines per phase, then one row per field of each mount (1-based). */
async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const mounts = await readMounts(services.store, app);
  const registered = await services.store.storage.list();
  const dashV = mounts.map((m) => `-v ${formatMount(m)}`).join(' ');
  const rows: ReportRows = [
    // Slipway never mounts storage into a build (Dokku neither, unless docker-options add it).
    ['--storage-build-mounts', ''],
    ['--storage-deploy-mounts', dashV],
    ['--storage-run-mounts', dashV],
  ];
  mounts.forEach((m, i) => {
    const at = `--storage-attachment.${i + 1}.`;
    rows.push(
      [`${at}entry-name`, entryNameOf(m, registered)], [`${at}host-path`, m.source], [`${at}container-path`, m.target],
      [`${at}phases`, 'deploy,run'], [`${at}process-type`, '_default_'], [`${at}subpath`, ''],
      [`${at}readonly`, String(m.readOnly)], [`${at}volume-options`, ''], [`${at}volume-chown`, ''],
    );
  });
  return rows;
}

async function report(inv: Invocation, services: Services): Promise<void> {
  const args = parseReportArgs(inv.command, inv.args);
  if (args.global) return globalInventory(inv, services, args.format === 'json');
  return runReport(inv, services, { type: 'storage', legacyKeys: true, app: (app) => reportRows(services, app) });
}

export const storageCommands: CommandSet = {
  plugin: 'storage',
  summary: 'Manage mounted volumes and named storage entries',
  access: { who: 'app' },
  commands: [
    ...entryCommands,
    {
      name: 'storage:list', options: ['--format='],
      help: { usage: 'storage:list <app> [--format text|json]', description: 'List the app\'s mounts (host:container)' }, run: list,
    },
    {
      name: 'storage:mount', access: MOUNT_ACCESS,
      options: ['--container-dir=', '--volume-readonly', ...UNSUPPORTED_MOUNT_FLAGS.map((f) => `${f}=`)],
      help: { usage: MOUNT_USAGE, description: 'Mount a host path, volume or storage entry into the app\'s containers' }, run: mount,
    },
    {
      name: 'storage:report',
      help: { usage: 'storage:report [<app>|--global] [<flag>] [--format stdout|json]', description: 'Display the storage report of one app, every app, or every entry (--global)' },
      run: report,
    },
    {
      name: 'storage:unmount', options: ['--container-dir='],
      help: { usage: UNMOUNT_USAGE, description: 'Remove a mount from the app\'s containers' }, run: unmount,
    },
  ],
};
