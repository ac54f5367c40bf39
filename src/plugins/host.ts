// The script-plugin host: keeps the enabled-plugin list and the command index, dispatches a
// command the way Dokku does, and fires triggers. The only module that spawns plugin scripts.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../settings.js';
import type { CommandIO, GlobalFlags, HelpLine, Identity } from '../commands/types.js';
import { discoverPlugins, isExecutable, type Plugin } from './discovery.js';
import { pluginEnv, DOKKU_NOT_IMPLEMENTED_EXIT } from './env.js';
import { runExecutable } from './spawn.js';
import { SlipwayError } from '../errors.js';

export interface RunContext {
  identity: Identity;
  flags: GlobalFlags;
  trace: boolean;
  io: CommandIO;
  signal: AbortSignal;
  /** Extra variables for this run (e.g. the app being deployed). */
  env?: Record<string, string>;
}

export type CoreTrigger = (args: string[], ctx: RunContext) => Promise<string>;

/** Told about every trigger fired (the events log listens); must not throw. */
export type TriggerObserver = (name: string, args: string[], ctx: RunContext) => void;

/** Trigger names: lowercase words; `commands` is the command entry point, never a trigger. */
export const TRIGGER_NAME = /^[a-z0-9][a-z0-9-]*$/;

export function isTriggerName(name: string): boolean {
  return TRIGGER_NAME.test(name) && name !== 'commands';
}

export class TriggerFailed extends SlipwayError {
  constructor(readonly trigger: string, readonly plugin: string, exitCode: number) {
    super('E_TRIGGER_FAILED', `${trigger} trigger of plugin ${plugin} failed (exit ${exitCode})`, exitCode || 1);
  }
}

export interface PluginHelp { plugin: Plugin; summary: HelpLine[]; commands: HelpLine[] }

interface Snapshot {
  signature: string;
  plugins: Plugin[];
  commandIndex?: Map<string, Plugin>;
  /** Trigger name → plugins that have an executable of that name, found once per snapshot. */
  triggerOwners?: Map<string, Promise<Plugin[]>>;
  help?: PluginHelp[];
}

/** `  name <args>, Description` → {usage, description}; the first comma separates the columns. */
export function parseHelpOutput(text: string): HelpLine[] {
  const lines: HelpLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const comma = line.indexOf(',');
    if (comma <= 0) continue;
    lines.push({ usage: line.slice(0, comma).trim(), description: line.slice(comma + 1).trim() });
  }
  return lines;
}

export class PluginHost {
  private snapshot?: Snapshot;
  private building?: Promise<Snapshot>;
  private readonly coreTriggers = new Map<string, CoreTrigger[]>();
  private readonly observers: TriggerObserver[] = [];

  constructor(
    private readonly settings: Settings,
    private readonly warn: (line: string) => void = (line) => process.stderr.write(` !     ${line}\n`),
  ) {}

  get enabledDir(): string { return path.join(this.settings.pluginPath, 'enabled'); }
  get disabledDir(): string { return path.join(this.settings.pluginPath, 'disabled'); }

  /** Forget cached plugin data: call after installing, enabling or removing plugins. */
  invalidate(): void {
    this.snapshot = undefined;
  }

  onTrigger(observer: TriggerObserver): void {
    this.observers.push(observer);
  }

  /** Names of the shipped plugins (folders in the core plugin dir), enabled or not. */
  async corePluginNames(): Promise<string[]> {
    const items = await fs.readdir(this.settings.corePluginsDir, { withFileTypes: true }).catch(() => []);
    return items.filter((i) => i.isDirectory()).map((i) => i.name).sort();
  }

  registerCoreTrigger(name: string, fn: CoreTrigger): void {
    const list = this.coreTriggers.get(name) ?? [];
    list.push(fn);
    this.coreTriggers.set(name, list);
  }

  private async signature(): Promise<string> {
    const parts = await Promise.all([this.settings.corePluginsDir, this.enabledDir, this.disabledDir].map(
      (dir) => fs.stat(dir).then((s) => `${s.mtimeMs}:${s.ino}`, () => '-'),
    ));
    return parts.join('|');
  }

  private async current(): Promise<Snapshot> {
    const signature = await this.signature();
    if (this.snapshot?.signature === signature) return this.snapshot;
    if (!this.building) {
      this.building = (async () => {
        const disabled = new Set(await fs.readdir(this.disabledDir).catch(() => [] as string[]));
        const plugins = await discoverPlugins(this.settings.corePluginsDir, this.enabledDir, disabled, this.warn);
        const snapshot: Snapshot = { signature, plugins };
        this.snapshot = snapshot;
        return snapshot;
      })().finally(() => { this.building = undefined; });
    }
    return this.building;
  }

  async plugins(): Promise<Plugin[]> {
    return (await this.current()).plugins;
  }

  private env(ctx: RunContext): Record<string, string> {
    return pluginEnv(this.settings, { identity: ctx.identity, flags: ctx.flags, trace: ctx.trace, extra: ctx.env });
  }


  private async runHelp(plugin: Plugin, ctx: RunContext, all: boolean): Promise<HelpLine[]> {
    const file = path.join(plugin.dir, 'commands');
    if (!(await isExecutable(file))) return [];
    const result = await runExecutable(file, ['help'], {
      env: this.env(ctx), stdout: 'capture', stderr: ctx.io.stderr, signal: ctx.signal, helpAll: all,
    });
    if (result.exitCode !== 0) return [];
    return parseHelpOutput(result.stdout);
  }

  /** Each plugin's one-line summary and full command list, from its `commands help`. */
  async help(ctx: RunContext): Promise<PluginHelp[]> {
    const snapshot = await this.current();
    if (snapshot.help) return snapshot.help;
    const help: PluginHelp[] = [];
    for (const plugin of snapshot.plugins) {
      const [summary, commands] = await Promise.all([this.runHelp(plugin, ctx, false), this.runHelp(plugin, ctx, true)]);
      if (summary.length || commands.length) help.push({ plugin, summary, commands });
    }
    snapshot.help = help;
    return help;
  }

  private async commandIndex(ctx: RunContext): Promise<Map<string, Plugin>> {
    const snapshot = await this.current();
    if (snapshot.commandIndex) return snapshot.commandIndex;
    const index = new Map<string, Plugin>();
    for (const entry of await this.help(ctx)) {
      for (const line of entry.commands) {
        const name = line.usage.split(/\s+/)[0];
        if (name && !index.has(name)) index.set(name, entry.plugin);
      }
    }
    snapshot.commandIndex = index;
    return index;
  }

  /** Build caches ahead of the first command (at server start). */
  async warm(ctx: RunContext): Promise<void> {
    await this.commandIndex(ctx);
  }

  private run(file: string, argv: string[], ctx: RunContext): Promise<number> {
    return runExecutable(file, argv, {
      env: this.env(ctx), stdout: ctx.io.stdout, stderr: ctx.io.stderr, stdin: ctx.io.stdin, signal: ctx.signal,
    }).then((r) => r.exitCode);
  }

  /**
   * Dokku's dispatch: `NAME` runs NAME/subcommands/default, `NAME:sub` runs NAME/subcommands/sub;
   * otherwise the plugin whose help names the command, then every `commands` file in order,
   * until one exits with something other than DOKKU_NOT_IMPLEMENTED_EXIT. Undefined: nobody answered.
   */
  async dispatch(argv: string[], ctx: RunContext): Promise<number | undefined> {
    const command = argv[0];
    const snapshot = await this.current();
    const colon = command.indexOf(':');
    const pluginName = colon === -1 ? command : command.slice(0, colon);
    const sub = colon === -1 ? 'default' : command.slice(colon + 1);
    const owner = snapshot.plugins.find((p) => p.name === pluginName);
    if (owner && /^[a-z0-9][a-z0-9_-]*$/.test(sub)) {
      const file = path.join(owner.dir, 'subcommands', sub);
      if (await isExecutable(file)) {
        const code = await this.run(file, argv, ctx);
        if (code !== DOKKU_NOT_IMPLEMENTED_EXIT) return code;
      }
    }
    const indexed = (await this.commandIndex(ctx)).get(command);
    const order = indexed ? [indexed, ...snapshot.plugins.filter((p) => p !== indexed)] : snapshot.plugins;
    for (const plugin of order) {
      if (ctx.signal.aborted) return 130;
      const file = path.join(plugin.dir, 'commands');
      if (!(await isExecutable(file))) continue;
      const code = await this.run(file, argv, ctx);
      if (code !== DOKKU_NOT_IMPLEMENTED_EXIT) return code;
    }
    return undefined;
  }

  /**
   * The plugins implementing a trigger, in plugin order. Cached with the plugin snapshot so a
   * trigger fired on every command (user-auth) does not stat every plugin each time.
   */
  private async triggerOwners(name: string): Promise<Plugin[]> {
    const snapshot = await this.current();
    snapshot.triggerOwners ??= new Map();
    let owners = snapshot.triggerOwners.get(name);
    if (!owners) {
      owners = Promise.all(snapshot.plugins.map((p) => isExecutable(path.join(p.dir, name))))
        .then((found) => snapshot.plugins.filter((_p, i) => found[i]));
      snapshot.triggerOwners.set(name, owners);
    }
    return owners;
  }

  /**
   * Fire a trigger: core handlers first, then each enabled plugin's executable of that name,
   * in plugin order. Stdout is the answer (captured, or streamed to the user); the first
   * non-zero exit stops the chain with TriggerFailed.
   */
  async trigger(name: string, args: string[], ctx: RunContext, options: { capture?: boolean } = {}): Promise<string> {
    if (!isTriggerName(name)) throw new SlipwayError('E_BAD_TRIGGER', `invalid trigger name: ${name}`);
    for (const observe of this.observers) observe(name, args, ctx);
    let output = '';
    for (const fn of this.coreTriggers.get(name) ?? []) {
      const text = await fn(args, ctx);
      if (options.capture) output += text;
      else if (text) ctx.io.stdout.write(text);
    }
    for (const plugin of await this.triggerOwners(name)) {
      const file = path.join(plugin.dir, name);
      const result = await runExecutable(file, args, {
        env: this.env(ctx), stdout: options.capture ? 'capture' : ctx.io.stdout, stderr: ctx.io.stderr,
        stdin: undefined, signal: ctx.signal,
      });
      output += result.stdout;
      if (result.exitCode !== 0) throw new TriggerFailed(name, plugin.name, result.exitCode);
    }
    return output;
  }

  /**
   * Run one plugin's own trigger executable, enabled or not (install, update and uninstall of
   * that plugin). False when it has none; TriggerFailed when it exits non-zero.
   */
  async triggerOf(plugin: { name: string; dir: string }, name: string, args: string[], ctx: RunContext): Promise<boolean> {
    if (!isTriggerName(name)) throw new SlipwayError('E_BAD_TRIGGER', `invalid trigger name: ${name}`);
    const file = path.join(plugin.dir, name);
    if (!(await isExecutable(file))) return false;
    for (const observe of this.observers) observe(name, args, ctx);
    const result = await runExecutable(file, args, {
      env: this.env(ctx), stdout: ctx.io.stdout, stderr: ctx.io.stderr, stdin: undefined, signal: ctx.signal,
    });
    if (result.exitCode !== 0) throw new TriggerFailed(name, plugin.name, result.exitCode);
    return true;
  }
}
