// storage:* — bind mounts and named volumes for an app's containers (docker-local), Dokku's
// `host:container` form. Changes apply when containers are next created: deploy or ps:restart.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { log } from '../../log.js';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { formatMount, parseMount, readMounts, updateMounts } from '../../scheduler/mounts.js';

/** A bind mount gives the app's containers the host's files: only an admin may hand that out. */
const MOUNT_ACCESS = { who: 'admin', app: 0 } as const;
const MOUNT_USAGE = 'storage:mount <app> </host/path|volume>:</container/path>[:ro]';
const UNMOUNT_USAGE = 'storage:unmount <app> </host/path|volume>:</container/path>[:ro]';

async function mount(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 2, MOUNT_USAGE);
  const app = await existingApp(services, inv.args[0]);
  const wanted = parseMount(inv.args[1]);
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
  log.verbose(out(inv), 'Applied to new containers: on the next deploy or ps:restart');
}

async function unmount(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 2, UNMOUNT_USAGE);
  const app = await existingApp(services, inv.args[0]);
  const wanted = parseMount(inv.args[1]);
  await updateMounts(services.store, app, (mounts) => {
    const kept = mounts.filter((m) => !(m.source === wanted.source && m.target === wanted.target));
    if (kept.length === mounts.length) throw new NotFoundError('E_MOUNT_NOT_FOUND', 'Mount path does not exist.');
    return kept;
  });
  log.info1(out(inv), `Unmounted ${formatMount(wanted)} from ${app}`);
  log.verbose(out(inv), 'Applied to new containers: on the next deploy or ps:restart');
}

async function list(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 1, 'storage:list <app> [--format text|json]');
  const app = await existingApp(services, inv.args[0]);
  const formatIndex = inv.args.indexOf('--format');
  const format = formatIndex === -1 ? 'text' : inv.args[formatIndex + 1];
  if (format !== 'text' && format !== 'json') throw new UsageError('Invalid --format value specified');
  const mounts = await readMounts(services.store, app);
  if (format === 'json') {
    const rows = mounts.map((m) => ({ host_path: m.source, container_path: m.target, volume_options: m.readOnly ? 'ro' : '' }));
    inv.io.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  // Dokku: a `-----> APP volume bind-mounts:` header; with --quiet, bare lines without indentation.
  log.info1(out(inv), `${app} volume bind-mounts:`);
  for (const m of mounts) inv.io.stdout.write(`${inv.flags.quiet ? '' : '       '}${formatMount(m)}\n`);
}

export const storageCommands: CommandSet = {
  plugin: 'storage',
  summary: 'Mount host directories and volumes into app containers',
  access: { who: 'app' },
  commands: [
    { name: 'storage:mount', access: MOUNT_ACCESS, help: { usage: MOUNT_USAGE, description: 'Mount a host path or volume into the app\'s containers' }, run: mount },
    { name: 'storage:unmount', help: { usage: UNMOUNT_USAGE, description: 'Remove a mount from the app\'s containers' }, run: unmount },
    { name: 'storage:list', help: { usage: 'storage:list <app> [--format text|json]', description: 'List the app\'s mounts' }, run: list },
  ],
};
