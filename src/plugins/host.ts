// The script-plugin host: keeps the enabled-plugin list and the command index, dispatches a
// command the way Dokku does, and fires triggers. The only module that spawns plugin scripts.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../settings.js';
import { Readable, type Writable } from 'node:stream';
import type { CommandIO, GlobalFlags, HelpLine } from '../commands/types.js';
import type { RequestContext } from '../request-context.js';
import { discoverPlugins, fingerprintPlugins, isExecutable, type Plugin } from './discovery.js';
import { pluginEnv, DOKKU_NOT_IMPLEMENTED_EXIT } from './env.js';
import { runExecutable, type SpawnResult } from './spawn.js';
import { dispatchPlan, namespaceOf, type CommandOwner } from './ownership.js';
import { HeldOutput } from './held-output.js';
import { SlipwayError } from '../errors.js';
import { unlessMissing } from '../os/missing.js';
import { TRIGGERS, triggerArgv, type FiredTrigger, type TriggerSpec, type TriggerValues } from './trigger-table.js';

/** What runs a cron-entries task's command line (Dokku's crontab sets SHELL=/bin/bash). */
const BASH = '/bin/bash';

/** A request as the plugin host runs it: who (SSH_USER, SSH_NAME), its global flags, its streams, its signal. */
export interface RunContext extends RequestContext {
  flags: GlobalFlags;
  trace: boolean;
  io: CommandIO;
  /** Extra variables for this run (e.g. the app being deployed). */
  env?: Record<string, string>;
}

/**
 * The RunContext of work that is not a command line (deploys, git verbs, access checks, the
 * server's own triggers): the request's identity and signal, no global flags, stdin empty.
 */
export function requestRun(request: RequestContext, output: Pick<CommandIO, 'stdout' | 'stderr'>, options: { quiet?: boolean; trace?: boolean } = {}): RunContext {
  return {
    identity: request.identity,
    signal: request.signal,
    flags: { trace: false, quiet: Boolean(options.quiet), force: false },
    trace: Boolean(options.trace),
    io: { stdin: Readable.from([]), stdout: output.stdout, stderr: output.stderr, tty: false },
  };
}

export type CoreTrigger = (args: string[], ctx: RunContext) => Promise<string>;

/** Told about every trigger fired (the events log listens); must not throw. */
export type TriggerObserver = (name: string, args: string[], ctx: RunContext) => void;

/** Trigger names: lowercase words; `commands` is the command entry point, never a trigger. */
export const TRIGGER_NAME = /^[a-z0-9][a-z0-9-]*$/;

export function isTriggerName(name: string): boolean {
  return TRIGGER_NAME.test(name) && name !== 'commands';
}

/** The triggers a plugin gets about itself: run from its own folder, enabled or not. */
export type OwnTrigger = Extract<FiredTrigger, 'install' | 'dependencies' | 'update' | 'uninstall'>;

export class TriggerFailed extends SlipwayError {
  constructor(readonly trigger: string, readonly plugin: string, exitCode: number) {
    super('E_TRIGGER_FAILED', `${trigger} trigger of plugin ${plugin} failed (exit ${exitCode})`, exitCode || 1);
  }
}

export interface TriggerOptions {
  /** Collect stdout as the answer instead of streaming it to the user. */
  capture?: boolean;
  /** Working directory of each script (default: the server's own). */
  cwd?: string;
  /** Run each plugin's script in that plugin's own folder (install, dependencies, update). */
  cwdPerPlugin?: boolean;
}

/** Told at every trigger whether trace mode is on globally (`trace:on`); defaults to off. */
export type TraceSwitch = () => Promise<boolean>;

export interface PluginHelp {
  plugin: Plugin;
  summary: HelpLine[];
  commands: HelpLine[];
  /** Why its `commands help` failed (a broken plugin): `help` shows its name with this warning. */
  fault?: string;
}

/** One plugin as dispatch sees it: the commands its help lists, and its fault if it has one. */
interface Dispatchable extends CommandOwner { plugin: Plugin; fault?: string }

/** One plugin's answer to a trigger fired at each plugin on its own (fireEach). */
export interface TriggerOutcome {
  plugin: string;
  /** Its stdout (captured); empty when it failed. */
  output: string;
  /** Its stderr (captured), for the caller to pass on when it succeeded. */
  stderr: string;
  /** Why it failed: `exited 3`, `did not answer within 20 s`; undefined when it succeeded. */
  failure?: string;
}

interface Snapshot {
  signature: string;
  plugins: Plugin[];
  /** What dispatch knows of each plugin's commands, from its help. */
  dispatchables?: Promise<Dispatchable[]>;
  /** Trigger name → plugins that have an executable of that name, found once per snapshot. */
  triggerOwners?: Map<string, Promise<Plugin[]>>;
  /** Every plugin with a `commands` file: its help, or its fault. */
  help?: Promise<PluginHelp[]>;
}

/** Bash's own prefix and the plugin's folder come off; control characters never reach the user. */
function oneLine(text: string, dir: string): string {
  // The first line that is not bash's xtrace (`+ cmd`, under trace:on).
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !/^\++ /.test(l)) ?? '';
  const cleaned = line.replace(/^(?:\/bin\/)?bash: line \d+: /, '').split(`${dir}/`).join('').replace(/[\x00-\x1f\x7f]/g, '?');
  return cleaned.length > 200 ? `${cleaned.slice(0, 199)}…` : cleaned;
}

/** A failed script run in a few words: its exit status or timeout, and the first line it said on stderr. */
function failureOf(result: SpawnResult, dir: string, timeoutSeconds: number): string {
  if (result.timedOut) return `did not answer within ${timeoutSeconds} s`;
  const said = oneLine(result.stderr, dir);
  return `exited ${result.exitCode}${said ? `: ${said}` : ''}`;
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

  private prepared?: Promise<void>;

  /** `prepare` runs once, before the first plugin is looked at (it links the core plugins at Dokku's paths). */
  constructor(
    private readonly settings: Settings,
    private readonly warn: (line: string) => void = (line) => process.stderr.write(` !     ${line}\n`),
    private readonly traceOn: TraceSwitch = async () => false,
    private readonly prepare?: (coreNames: string[]) => Promise<void>,
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
    const items = await unlessMissing(fs.readdir(this.settings.corePluginsDir, { withFileTypes: true }), []);
    return items.filter((i) => i.isDirectory()).map((i) => i.name).sort();
  }

  /** The triggers the core answers (registered at boot), for the trigger table's test. */
  coreTriggerNames(): string[] {
    return [...this.coreTriggers.keys()].sort();
  }

  /** Whether firing the trigger would run anything: a core answer or an enabled plugin's executable. */
  async implements(name: FiredTrigger): Promise<boolean> {
    return this.coreTriggers.has(name) || (await this.triggerOwners(name)).length > 0;
  }

  registerCoreTrigger(name: string, fn: CoreTrigger): void {
    const list = this.coreTriggers.get(name) ?? [];
    list.push(fn);
    this.coreTriggers.set(name, list);
  }

  /**
   * The plugin folders (added, removed, enabled, disabled) and the files of each installed plugin:
   * editing or fixing a plugin in place is noticed at the next command, without a restart.
   */
  private async signature(plugins: readonly Plugin[]): Promise<string> {
    const roots = await Promise.all([this.settings.corePluginsDir, this.enabledDir, this.disabledDir].map(
      (dir) => fs.stat(dir).then((s) => `${s.mtimeMs}:${s.ino}`, () => '-'),
    ));
    const files = await fingerprintPlugins(plugins.filter((p) => !p.core).map((p) => p.dir));
    return `${roots.join('|')}#${files}`;
  }

  private async current(): Promise<Snapshot> {
    if (this.prepare) {
      const prepare = this.prepare;
      this.prepared ??= this.corePluginNames().then((names) => prepare(names)).catch((error: Error) => {
        this.warn(`core plugins not linked at Dokku's paths: ${error.message.split('\n')[0]}`);
      });
      await this.prepared;
    }
    if (this.snapshot && this.snapshot.signature === await this.signature(this.snapshot.plugins)) return this.snapshot;
    if (!this.building) {
      this.building = (async () => {
        const disabled = new Set(await unlessMissing(fs.readdir(this.disabledDir), [] as string[]));
        const plugins = await discoverPlugins(this.settings.corePluginsDir, this.enabledDir, disabled, this.warn);
        const snapshot: Snapshot = { signature: await this.signature(plugins), plugins };
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

  /** A trigger's environment: `trace:on` reaches it whoever fired it (a deploy, a restore, a hook). */
  private async triggerEnv(ctx: RunContext): Promise<Record<string, string>> {
    return this.env(ctx.trace ? ctx : { ...ctx, trace: await this.traceOn() });
  }


  private get infoTimeoutMs(): number { return this.settings.pluginInfoTimeoutSeconds * 1000; }

  /**
   * One `commands help` run: its lines, or why it failed (exit 10 means "no help", not a fault). The
   * answer is shared by every caller (cached), so it is bounded by its timeout, not by the client
   * that happened to ask first: that one leaving must not record every plugin as broken.
   */
  private async runHelp(plugin: Plugin, file: string, ctx: RunContext, all: boolean): Promise<HelpLine[] | { fault: string }> {
    const result = await runExecutable(file, ['help'], {
      env: this.env(ctx), stdout: 'capture', stderr: 'capture', helpAll: all, timeoutMs: this.infoTimeoutMs,
    });
    if (result.exitCode === DOKKU_NOT_IMPLEMENTED_EXIT && !result.timedOut) return [];
    if (result.exitCode !== 0 || result.timedOut) return { fault: `its commands help ${failureOf(result, plugin.dir, this.settings.pluginInfoTimeoutSeconds)}` };
    return parseHelpOutput(result.stdout);
  }

  /** A plugin's help (summary and `--all`), its fault, or undefined when it has no `commands` file. */
  private async helpOf(plugin: Plugin, ctx: RunContext): Promise<PluginHelp | undefined> {
    const file = path.join(plugin.dir, 'commands');
    const stat = await unlessMissing(fs.stat(file), undefined);
    if (!stat?.isFile()) return undefined;
    if ((stat.mode & 0o111) === 0) return { plugin, summary: [], commands: [], fault: 'its commands file is not executable (chmod +x commands)' };
    const [summary, commands] = await Promise.all([this.runHelp(plugin, file, ctx, false), this.runHelp(plugin, file, ctx, true)]);
    if (!Array.isArray(summary)) return { plugin, summary: [], commands: [], fault: summary.fault };
    if (!Array.isArray(commands)) return { plugin, summary: [], commands: [], fault: commands.fault };
    return { plugin, summary, commands };
  }

  private async readHelp(plugins: readonly Plugin[], ctx: RunContext): Promise<PluginHelp[]> {
    const help: PluginHelp[] = [];
    for (const plugin of plugins) {
      const entry = await this.helpOf(plugin, ctx);
      if (entry) help.push(entry);
    }
    return help;
  }

  /**
   * Read once per snapshot and shared: 100 sessions arriving after a plugin change must not each run
   * every plugin's help (the forks starved the event loop and SSH banners timed out). The shared
   * read is not cancelled by one caller leaving; a failed read is forgotten so the next caller retries.
   */
  private async snapshotHelp(snapshot: Snapshot, ctx: RunContext): Promise<PluginHelp[]> {
    if (!snapshot.help) {
      const reading = this.readHelp(snapshot.plugins, ctx);
      snapshot.help = reading;
      reading.catch(() => { if (snapshot.help === reading) snapshot.help = undefined; });
    }
    return snapshot.help;
  }

  /**
   * Each plugin's one-line summary and full command list, from its `commands help`; a plugin whose
   * help fails is listed with its fault. Faulty ones are asked again each time (a fix that changed no
   * file, e.g. an interpreter installed, is seen too); a plugin that answers now is indexed again.
   */
  async help(ctx: RunContext): Promise<PluginHelp[]> {
    const snapshot = await this.current();
    const help = await this.snapshotHelp(snapshot, ctx);
    if (!help.some((entry) => entry.fault)) return help.filter((entry) => entry.summary.length || entry.commands.length);
    const asked = await Promise.all(help.map(async (entry) => (entry.fault ? this.helpOf(entry.plugin, ctx) : entry)));
    const fresh = asked.filter((entry): entry is PluginHelp => entry !== undefined);
    if (fresh.length !== help.length || fresh.some((entry, i) => entry.fault !== help[i].fault)) {
      snapshot.help = Promise.resolve(fresh);
      snapshot.dispatchables = undefined;
    }
    return fresh.filter((entry) => entry.fault || entry.summary.length || entry.commands.length);
  }

  /** Every plugin with the commands its help lists (first words) and its fault, in plugin order. */
  private async dispatchables(ctx: RunContext): Promise<Dispatchable[]> {
    const snapshot = await this.current();
    if (!snapshot.dispatchables) {
      const building = this.snapshotHelp(snapshot, ctx).then((help) => snapshot.plugins.map((plugin) => {
        const entry = help.find((h) => h.plugin === plugin);
        const commands = (entry?.commands ?? []).map((line) => line.usage.split(/\s+/)[0]).filter(Boolean);
        return { name: plugin.name, plugin, commands, fault: entry?.fault };
      }));
      snapshot.dispatchables = building;
      building.catch(() => { if (snapshot.dispatchables === building) snapshot.dispatchables = undefined; });
    }
    return snapshot.dispatchables;
  }

  /** Build caches ahead of the first command (at server start). */
  async warm(ctx: RunContext): Promise<void> {
    await this.dispatchables(ctx);
  }

  private run(file: string, argv: string[], ctx: RunContext): Promise<number> {
    return runExecutable(file, argv, {
      env: this.env(ctx), stdout: ctx.io.stdout, stderr: ctx.io.stderr, stdin: ctx.io.stdin, signal: ctx.signal,
    }).then((r) => r.exitCode);
  }

  /**
   * Dokku's dispatch, with one plugin's fault kept to its own commands (src/plugins/ownership.ts):
   * `NAME` runs NAME/subcommands/default, `NAME:sub` runs NAME/subcommands/sub; then the plugins
   * that own the command (its help lists it, or it is named like the command's namespace) until one
   * exits with something other than DOKKU_NOT_IMPLEMENTED_EXIT, an error included; then every other
   * `commands` file in order, where only exit 0 answers: an error there is "not mine" (its stderr is
   * held back and dropped, one line goes to the server log). Undefined: nobody answered.
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
    const { owners, others } = dispatchPlan(command, await this.dispatchables(ctx));
    let cannotRun: Dispatchable | undefined;
    for (const candidate of owners) {
      if (ctx.signal.aborted) return 130;
      const file = path.join(candidate.plugin.dir, 'commands');
      if (!(await isExecutable(file))) {
        if (candidate.fault && candidate.name === namespaceOf(command)) cannotRun ??= candidate;
        continue;
      }
      const code = await this.run(file, argv, ctx);
      if (code !== DOKKU_NOT_IMPLEMENTED_EXIT) return code;
    }
    for (const candidate of others) {
      if (ctx.signal.aborted) return 130;
      const file = path.join(candidate.plugin.dir, 'commands');
      if (!(await isExecutable(file))) continue;
      const held = new HeldOutput(ctx.io.stderr);
      const code = await this.run(file, argv, { ...ctx, io: { ...ctx.io, stderr: held } });
      if (code === 0) { held.release(); return code; }
      const shown = !held.drop();
      if (code === DOKKU_NOT_IMPLEMENTED_EXIT) continue;
      // Its stderr already passed through (a long run): it was at work on the command, so it answered.
      if (shown) return code;
      if (!ctx.signal.aborted) {
        this.warn(`plugin ${candidate.name}: its commands exited ${code} on \`${command}\`, a command it does not own; taken as not implemented (exit ${DOKKU_NOT_IMPLEMENTED_EXIT})`);
      }
    }
    if (cannotRun) throw new SlipwayError('E_PLUGIN_BROKEN', `Plugin ${cannotRun.name} cannot run ${command}: ${cannotRun.fault}`);
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
   * Fire one of the triggers Slipway fires, with Dokku's arguments in Dokku's order and its working
   * directory, both from the trigger table (src/plugins/trigger-table.ts).
   */
  fire<N extends FiredTrigger>(name: N, values: TriggerValues<N>, ctx: RunContext, options: { capture?: boolean } = {}): Promise<string> {
    const spec: TriggerSpec = TRIGGERS[name];
    return this.trigger(name, triggerArgv(name, values), ctx, {
      capture: options.capture, cwd: this.triggerCwd(spec, values), cwdPerPlugin: spec.cwd === 'plugin',
    });
  }

  private triggerCwd(spec: TriggerSpec, values: object): string {
    const given = values as Record<string, unknown>;
    if (spec.cwd === 'source') return String(given.SOURCECODE_WORK_DIR ?? given.TMP_WORK_DIR);
    return this.settings.dokkuRoot;
  }

  /** A working directory that does not exist yet (DOKKU_ROOT before the first app) falls back to the server's. */
  private async existingDir(dir: string | undefined): Promise<string | undefined> {
    if (dir === undefined) return undefined;
    const stat = await unlessMissing(fs.stat(dir), undefined);
    return stat?.isDirectory() ? dir : undefined;
  }

  /**
   * Fire a trigger: core handlers first, then each enabled plugin's executable of that name,
   * in plugin order, stdin empty. Stdout is the answer (captured, or streamed to the user); the
   * first non-zero exit stops the chain with TriggerFailed.
   */
  async trigger(name: string, args: string[], ctx: RunContext, options: TriggerOptions = {}): Promise<string> {
    if (!isTriggerName(name)) throw new SlipwayError('E_BAD_TRIGGER', `invalid trigger name: ${name}`);
    for (const observe of this.observers) observe(name, args, ctx);
    let output = '';
    for (const fn of this.coreTriggers.get(name) ?? []) {
      const text = await fn(args, ctx);
      if (options.capture) output += text;
      else if (text) ctx.io.stdout.write(text);
    }
    const owners = await this.triggerOwners(name);
    if (!owners.length) return output;
    const env = await this.triggerEnv(ctx);
    const cwd = await this.existingDir(options.cwd);
    for (const plugin of owners) {
      const file = path.join(plugin.dir, name);
      const result = await runExecutable(file, args, {
        env, stdout: options.capture ? 'capture' : ctx.io.stdout, stderr: ctx.io.stderr,
        stdin: undefined, signal: ctx.signal, cwd: options.cwdPerPlugin ? plugin.dir : cwd,
      });
      output += result.stdout;
      if (result.exitCode !== 0) throw new TriggerFailed(name, plugin.name, result.exitCode);
    }
    return output;
  }

  /**
   * Fire a trigger at each plugin on its own, for reports: each one's stdout captured (bounded) and
   * its run limited to SLIPWAY_PLUGIN_INFO_TIMEOUT; a plugin that fails or hangs is one outcome with
   * its failure, and the others still run. Core handlers answer first (their errors propagate).
   */
  async fireEach<N extends FiredTrigger>(name: N, values: TriggerValues<N>, ctx: RunContext): Promise<TriggerOutcome[]> {
    const args = triggerArgv(name, values);
    for (const observe of this.observers) observe(name, args, ctx);
    const outcomes: TriggerOutcome[] = [];
    for (const fn of this.coreTriggers.get(name) ?? []) outcomes.push({ plugin: 'core', output: await fn(args, ctx), stderr: '' });
    const owners = await this.triggerOwners(name);
    if (!owners.length) return outcomes;
    const env = await this.triggerEnv(ctx);
    const cwd = await this.existingDir(this.triggerCwd(TRIGGERS[name], values));
    for (const plugin of owners) {
      if (ctx.signal.aborted) break;
      const result = await runExecutable(path.join(plugin.dir, name), args, {
        env, stdout: 'capture', stderr: 'capture', stdin: undefined, signal: ctx.signal, cwd, timeoutMs: this.infoTimeoutMs,
      });
      const failed = result.exitCode !== 0 || result.timedOut;
      outcomes.push({ plugin: plugin.name, output: failed ? '' : result.stdout, stderr: failed ? '' : result.stderr, failure: failed ? failureOf(result, plugin.dir, this.settings.pluginInfoTimeoutSeconds) : undefined });
    }
    return outcomes;
  }

  /**
   * Run one task a plugin injected with cron-entries, as Dokku's crontab line does: COMMAND by bash,
   * from $DOKKU_ROOT, its stdout and stderr appended to LOGFILE (`&>>`), else written to `output`.
   * It gets the plugin environment (dokkurc sourced; `dokku` on PATH is this server's CLI).
   * Resolves to its exit code; a LOGFILE that cannot be opened is said on `output`, exit 1.
   */
  async runCronEntry(command: string, logFile: string | undefined, output: Writable, ctx: RunContext): Promise<number> {
    let handle: fs.FileHandle | undefined;
    if (logFile !== undefined) {
      try {
        handle = await fs.open(logFile, 'a', 0o640);
      } catch (error) {
        output.write(`cannot open ${logFile}: ${(error as Error).message}\n`);
        return 1;
      }
    }
    const sink = handle?.createWriteStream() ?? output;
    try {
      const result = await runExecutable(BASH, ['-c', command], {
        env: await this.triggerEnv(ctx), stdout: sink, stderr: sink, stdin: undefined, signal: ctx.signal,
        cwd: await this.existingDir(this.settings.dokkuRoot),
      });
      return result.exitCode;
    } finally {
      if (handle) await new Promise<void>((resolve) => { sink.end(() => resolve()); });
    }
  }

  /**
   * Run one plugin's own trigger executable, enabled or not (install, update and uninstall of
   * that plugin). False when it has none; TriggerFailed when it exits non-zero.
   */
  async triggerOf<N extends OwnTrigger>(plugin: { name: string; dir: string }, name: N, values: TriggerValues<N>, ctx: RunContext): Promise<boolean> {
    const args = triggerArgv(name, values);
    const file = path.join(plugin.dir, name);
    if (!(await isExecutable(file))) return false;
    for (const observe of this.observers) observe(name, args, ctx);
    const result = await runExecutable(file, args, {
      env: await this.triggerEnv(ctx), stdout: ctx.io.stdout, stderr: ctx.io.stderr, stdin: undefined, signal: ctx.signal, cwd: plugin.dir,
    });
    if (result.exitCode !== 0) throw new TriggerFailed(name, plugin.name, result.exitCode);
    return true;
  }
}
