// ps:* — an app's processes: scale, start, stop, restart, rebuild, report. Changes go through
// the running server's platform (same lock, checks and proxy switch as a deploy).
import type { CommandSet } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import type { Scale } from '../store/index.js';
import { existingApp, out, requireArgs, columns } from './common.js';
import { requirePlatform } from './runtime.js';
import { UsageError } from '../errors.js';
import { shown } from '../names.js';

const MAX_INSTANCES = 100;

export function parseScaleArgs(args: string[]): Scale {
  const scale: Scale = {};
  for (const arg of args) {
    const match = /^([A-Za-z0-9][A-Za-z0-9_-]*)=(\d+)$/.exec(arg);
    if (!match) throw new UsageError(`Invalid scale ${shown(arg)}: use TYPE=COUNT, e.g. web=2`);
    const count = Number(match[2]);
    if (count > MAX_INSTANCES) throw new UsageError(`Scale ${match[1]}=${count} is over the limit of ${MAX_INSTANCES}`);
    scale[match[1]] = count;
  }
  return scale;
}

async function showScale(inv: Invocation, services: Services, app: Parameters<Services['store']['ps']['scale']>[0]): Promise<void> {
  const stored = await services.store.ps.scale(app);
  const release = await services.store.releases.current(app);
  const types = new Set([...Object.keys(release?.processTypes ?? {}), ...Object.keys(stored)]);
  inv.io.stdout.write(`-----> Scaling for ${app}\n`);
  inv.io.stdout.write('proctype: qty\n--------: ---\n');
  for (const type of [...types].sort()) inv.io.stdout.write(`${type}: ${stored[type] ?? (type === 'web' ? 1 : 0)}\n`);
}

export const psCommands: CommandSet = {
  plugin: 'ps',
  summary: 'Manage app processes',
  commands: [
    {
      name: 'ps:scale',
      help: { usage: 'ps:scale <app> <proc>=<count> [<proc>=<count>...]', description: 'Get or set how many instances of each process type run' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'ps:scale <app> <proc>=<count> [<proc>=<count>...]');
        const app = await existingApp(services, inv.args[0]);
        if (inv.args.length === 1) return showScale(inv, services, app);
        const scale = parseScaleArgs(inv.args.slice(1));
        await requirePlatform(services).scale(app, scale, out(inv), inv.signal);
      },
    },
    {
      name: 'ps:start',
      help: { usage: 'ps:start <app>', description: 'Start an app (it stays started across server restarts)' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        await requirePlatform(services).start(app, out(inv), inv.signal);
      },
    },
    {
      name: 'ps:stop',
      help: { usage: 'ps:stop <app>', description: 'Stop an app (the proxy answers 503 until ps:start)' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        await requirePlatform(services).stop(app, out(inv));
      },
    },
    {
      name: 'ps:restart',
      help: { usage: 'ps:restart <app>', description: 'Restart an app with zero downtime' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        await requirePlatform(services).restart(app, out(inv), inv.signal);
      },
    },
    {
      name: 'ps:rebuild',
      help: { usage: 'ps:rebuild <app>', description: 'Build the deployed revision again and deploy it' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        await requirePlatform(services).rebuild(app, out(inv), inv.signal, inv.identity.keyName);
      },
    },
    {
      name: 'ps:report',
      help: { usage: 'ps:report <app>', description: 'Display the state of an app\'s processes' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'ps:report <app>');
        const app = await existingApp(services, inv.args[0]);
        const platform = requirePlatform(services);
        const status = await platform.status(app);
        const rows: Array<[string, string]> = [
          ['Deployed', String(status.release !== undefined)],
          ['Release', status.release ? `v${status.release.version} (${status.release.rev.slice(0, 7)})` : ''],
          ['Running', String(status.running)],
          ['Restore', String(await services.store.ps.restore(app))],
          ['Scheduler', platform.scheduler],
          ['Processes', String(status.instances.length)],
        ];
        for (const i of status.instances) {
          const where = i.port !== undefined ? `, port ${i.port}` : '';
          rows.push([`Status ${i.id}`, `${i.state} (pid ${i.pid ?? '-'}${where}, restarts ${i.exits})`]);
        }
        inv.io.stdout.write(`=====> ${app} ps information\n`);
        inv.io.stdout.write(columns(rows));
      },
    },
  ],
};
