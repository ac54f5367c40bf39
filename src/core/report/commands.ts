// `report [<app>|--all]` (Dokku's aggregate report): the host's vitals, then for one app (or
// every app with --all) each core `NAME:report APP` followed by every plugin's `report` trigger.
import os from 'node:os';
import { Writable } from 'node:stream';
import { invocationOf, type CommandSet, type Registry } from '../../commands/registry.js';
import { isAdmin } from '../../access/index.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { RunContext } from '../../plugins/host.js';
import type { AppName } from '../../names.js';
import { SlipwayError, UsageError, userMessage } from '../../errors.js';
import { log } from '../../log.js';
import { gitOutput } from '../../git/spawn.js';
import { existingApp, out } from '../shared/invocation.js';

async function vitals(inv: Invocation, services: Services, registry: Registry, ctx: RunContext): Promise<void> {
  const o = out(inv);
  log.info1(o, `uname: ${os.type()} ${os.hostname()} ${os.release()} ${os.arch()}`);
  log.info1(o, `dokku version: ${services.version} (slipway)`);
  log.info1(o, `node version: ${process.version}`);
  log.info1(o, `git version: ${(await gitOutput(['--version'])).trim()}`);
  log.info1(o, `scheduler: ${services.platform?.scheduler ?? 'none (no server running)'}`);
  log.info1(o, 'dokku plugins: ');
  const list = registry.find('plugin:list');
  if (list && isAdmin(inv.identity)) {
    const lines = new CollectingWritable();
    await list.run({ ...invocationOf(inv, list, []), io: { ...inv.io, stdout: lines } }, services, ctx);
    inv.io.stdout.write(lines.text().split('\n').filter(Boolean).map((l) => `       ${l}\n`).join(''));
  }
}

/** Every core `NAME:report` (by plugin name, as plugn orders triggers), then the plugins' trigger. */
async function appReport(inv: Invocation, services: Services, registry: Registry, ctx: RunContext, app: AppName): Promise<void> {
  const reports = registry.sets
    .flatMap((set) => set.commands.filter((c) => c.name === `${set.plugin}:report`))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const command of reports) {
    try {
      await command.run(invocationOf(inv, command, [app]), services, ctx);
    } catch (error) {
      if (!(error instanceof SlipwayError)) throw error;
      log.warn(out(inv), `${command.name}: ${userMessage(error)}`);
    }
  }
  // Each plugin's report on its own: one that fails, hangs or prints binary data is one warning line.
  for (const outcome of await services.plugins.fireEach('report', { APP: app }, ctx)) {
    const failure = outcome.failure ?? (isText(outcome.output) ? undefined : 'printed binary data, not a report');
    if (failure) {
      log.warn(out(inv), `report trigger of plugin ${outcome.plugin} ${failure}; its report is left out`);
      continue;
    }
    inv.io.stdout.write(outcome.output);
    if (outcome.stderr) inv.io.stderr.write(outcome.stderr);
  }
}

/** Text a terminal shows as text: valid UTF-8 (no replacement characters), no control bytes but tab, newline, CR and ESC. */
function isText(output: string): boolean {
  return !/[\uFFFD\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/.test(output);
}

/** Buffers a small command's stdout (plugin:list) so it can be indented. */
class CollectingWritable extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    done();
  }
  text(): string { return Buffer.concat(this.chunks).toString('utf8'); }
}

export function reportCommands(registry: Registry): CommandSet {
  return {
    plugin: 'report',
    summary: 'Report on the host and apps (every NAME:report and plugin report trigger)',
    access: { who: 'app' },
    commands: [
      {
        name: 'report',
        help: { usage: 'report [<app>|--all]', description: 'Display the host\'s vitals, then every report of one app (or of all apps)' },
        async run(inv, services, ctx) {
          const first = inv.args[0];
          if (first === '--format' || first?.startsWith('--format=')) throw new UsageError('--format flag not supported on global report');
          const apps = first === '--all' ? await services.store.apps.list() : first !== undefined ? [await existingApp(services, first)] : [];
          await vitals(inv, services, registry, ctx);
          for (const app of apps) await appReport(inv, services, registry, ctx, app);
        },
      },
    ],
  };
}
