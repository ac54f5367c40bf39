// releases APP (the release history, newest first) and releases:rollback APP [vN]: redeploy an
// older build through the same start/check/switch path as a push.
import type { CommandSet } from '../../commands/registry.js';
import type { ReleaseRecord } from '../../store/index.js';
import { existingApp, out, requireArgs } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { UsageError } from '../../errors.js';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `       ${r.map((cell, c) => cell.padEnd(widths[c])).join('  ')}`.trimEnd() + '\n').join('');
}

export function formatReleases(releases: ReleaseRecord[], current: number | undefined): string {
  const rows = [['Version', 'Created', 'Rev', 'Builder', 'Types', 'Config', 'By', 'Status']];
  for (const r of [...releases].reverse()) {
    const types = r.static ? 'static' : Object.keys(r.processTypes).join(',');
    const status = r.version === current ? 'current' : r.status;
    rows.push([`v${r.version}`, r.createdAt.replace(/\.\d+Z$/, 'Z'), r.rev.slice(0, 7), `${r.builder}/${r.kind}`, types, r.configDigest.slice(0, 8), r.pusher, r.note ? `${status} (${r.note})` : status]);
  }
  return table(rows);
}

export const releasesCommands: CommandSet = {
  plugin: 'releases',
  summary: 'List an app\'s releases and roll back',
  access: { who: 'app' },
  commands: [
    {
      name: 'releases',
      help: { usage: 'releases <app>', description: 'List the releases of an app, newest first' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'releases <app>');
        const app = await existingApp(services, inv.args[0]);
        const releases = await services.store.releases.list(app);
        inv.io.stdout.write(`=====> ${app} releases\n`);
        if (releases.length === 0) {
          inv.io.stdout.write('       (none: push to deploy)\n');
          return;
        }
        inv.io.stdout.write(formatReleases(releases, (await services.store.releases.current(app))?.version));
      },
    },
    {
      name: 'releases:rollback',
      help: { usage: 'releases:rollback <app> [<version>]', description: 'Deploy an earlier release again (default: the previous one)' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'releases:rollback <app> [<version>]');
        const app = await existingApp(services, inv.args[0]);
        let version: number | undefined;
        if (inv.args[1] !== undefined) {
          const match = /^v?(\d+)$/.exec(inv.args[1]);
          if (!match) throw new UsageError('The version looks like v3 (or 3)');
          version = Number(match[1]);
        }
        await requirePlatform(services).rollback(app, version, out(inv), inv);
      },
    },
  ],
};
