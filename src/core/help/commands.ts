// help, NAME:help, version and trace:* — the commands about Slipway itself. Help merges
// the core command sets with every plugin's `help` output into one aligned listing.
import type { CommandSet, Registry } from '../../commands/registry.js';
import type { Invocation, HelpLine } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { PluginHelp, RunContext } from '../../plugins/host.js';
import { alignHelp, byUsage } from '../../commands/help-format.js';
import { log } from '../../log.js';
import { out } from '../shared/invocation.js';

const USAGE = 'Usage: dokku [--quiet|--trace|--force] [--app APP] COMMAND <app> [command-specific-options]';

async function printHelp(inv: Invocation, services: Services, ctx: RunContext, registry: Registry): Promise<void> {
  const all = inv.args.includes('--all');
  const pluginHelp = await services.plugins.help(ctx);
  const write = (text: string) => inv.io.stdout.write(text);
  // A broken plugin is listed by name, with one warning line saying why, never hidden.
  const broken = pluginHelp.filter((entry) => entry.fault);
  for (const entry of broken) log.warn(out(inv), `Plugin ${entry.plugin.name} is not working: ${entry.fault}`);
  const brokenLine = (entry: PluginHelp): HelpLine => ({ usage: entry.plugin.name, description: `${entry.plugin.description ? `${entry.plugin.description} ` : ''}(not working)` });
  write(`${USAGE}\n\n`);
  if (all) {
    const lines: HelpLine[] = registry.sets.flatMap((s) => s.commands.flatMap((c) => (c.help ? [c.help] : [])));
    for (const entry of pluginHelp) lines.push(...(entry.fault ? [brokenLine(entry)] : entry.commands));
    write('Commands:\n\n');
    write(alignHelp(lines.sort(byUsage)));
    return;
  }
  write('Primary help options, type "dokku COMMAND:help" for more details, or dokku help --all to see all commands.\n\n');
  write('Commands:\n\n');
  const lines: HelpLine[] = registry.sets.filter((s) => s.plugin !== 'help' && s.summary).map((s) => ({ usage: s.plugin, description: s.summary }));
  for (const entry of pluginHelp) {
    if (entry.fault) { lines.push(brokenLine(entry)); continue; }
    lines.push(...(entry.summary.length ? entry.summary : [{ usage: entry.plugin.name, description: entry.plugin.description }]));
  }
  const seen = new Set<string>();
  write(alignHelp(lines.filter((l) => !seen.has(l.usage) && seen.add(l.usage)).sort(byUsage)));
}

async function setTrace(inv: Invocation, services: Services, on: boolean): Promise<void> {
  await services.store.trace.set(on);
  log.info1(out(inv), on ? 'Enabling trace mode' : 'Disabling trace mode');
}

/** `NAME:help` for a core set; plugins answer their own NAME:help through dispatch. */
export function setHelp(inv: Invocation, set: CommandSet): void {
  const lines = set.commands.flatMap((c) => (c.help ? [c.help] : []));
  inv.io.stdout.write(`Usage: dokku ${set.plugin}[:COMMAND]\n\n${set.summary}\n\nAdditional commands:\n`);
  inv.io.stdout.write(alignHelp(lines.sort(byUsage)));
}

export function helpCommands(registry: Registry): CommandSet {
  return {
    plugin: 'help',
    summary: 'Show help',
    access: { who: 'any' },
    commands: [
      { name: 'help', help: { usage: 'help [--all]', description: 'Print the list of commands' }, run: (inv, s, ctx) => printHelp(inv, s, ctx, registry) },
      { name: 'version', help: { usage: 'version', description: 'Print the Slipway version' }, async run(inv, s) { inv.io.stdout.write(`dokku version ${s.version} (slipway)\n`); } },
    ],
  };
}

/** trace:on|off, and `trace on|off` (older Dokku spelling); a bare `trace` is the family's help. */
export function traceCommands(): CommandSet {
  const set: CommandSet = {
    plugin: 'trace',
    summary: 'Manage trace mode',
    access: { who: 'admin' },
    commands: [
      {
        name: 'trace',
        async run(inv, s) {
          const arg = inv.args[0];
          if (arg === 'on' || arg === 'off') await setTrace(inv, s, arg === 'on');
          else setHelp(inv, set);
        },
      },
      { name: 'trace:on', help: { usage: 'trace:on', description: 'Enable trace mode' }, run: (inv, s) => setTrace(inv, s, true) },
      { name: 'trace:off', help: { usage: 'trace:off', description: 'Disable trace mode' }, run: (inv, s) => setTrace(inv, s, false) },
    ],
  };
  return set;
}
