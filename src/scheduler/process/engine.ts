// The `process` scheduler: runs an app's Procfile types as supervised local processes (no Docker),
// web ones on a PORT from the pool, and records their pids so the next server reaps orphans.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store, ProcessRecord } from '../../store/index.js';
import type { AppName } from '../../names.js';
import type { Generation, GenerationSpec, InstanceInfo, LogQuery, OneOffSpec, RunIO, Scheduler } from '../types.js';
import type { SchedulerContext, SchedulerEngine } from '../registry.js';
import type { Scale } from '../../store/index.js';
import { Instance, type Backoff } from './instance.js';
import { PortPool, LOOPBACK } from './ports.js';
import { LogHub } from './log-hub.js';
import { runOneOff } from './one-off.js';
import { hostEnv } from '../host-env.js';
import { groupsMarked, processStartTime, stopGroup } from './groups.js';

const DEFAULT_KILL_AFTER_MS = 10_000;
/** In every app process's environment: which data dir's server started it. */
export const OWNER_VAR = 'SLIPWAY_PROCESS_OWNER';

class ProcessGeneration implements Generation {
  stopped?: Promise<void>;
  constructor(
    readonly id: string,
    readonly app: AppName,
    readonly version: number,
    readonly scale: Scale,
    readonly members: Instance[],
  ) {}

  instances(): InstanceInfo[] {
    return this.members.map((m) => m.info());
  }
}

export interface ProcessSchedulerOptions { backoff?: Backoff }

export class ProcessScheduler implements Scheduler {
  readonly name = 'process';
  private readonly live = new Map<AppName, Set<ProcessGeneration>>();
  private readonly ports = new PortPool();
  private readonly hub: LogHub;
  private readonly records = new Map<number, ProcessRecord>();
  private readonly closing = new AbortController();
  private sequence = 0;

  constructor(private readonly store: Store, private readonly log: (line: string) => void, private readonly options: ProcessSchedulerOptions = {}) {
    this.hub = new LogHub(store.logs);
  }

  /** Marks every app process with the data dir it belongs to (see reapOrphans). */
  private get owner(): string { return this.store.layout.processesFile(); }

  /** Stop processes a previous server left behind (it died without stopping them). */
  async reapOrphans(): Promise<void> {
    const orphans = (await this.store.processes.read()).filter((r) => r.startTime && processStartTime(r.pid) === r.startTime);
    await Promise.all(orphans.map(async (r) => {
      this.log(`stopping orphaned process ${r.app} ${r.id} (pid ${r.pid}) left by a previous server`);
      await stopGroup(r.pid, 5_000);
    }));
    // A server killed between spawning a process and saving its record leaves it unrecorded:
    // it still carries the mark it was started with (nothing of ours runs yet to confuse it with).
    await Promise.all(groupsMarked(OWNER_VAR, this.owner).map(async (pgid) => {
      this.log(`stopping unrecorded orphaned process group ${pgid} left by a previous server`);
      await stopGroup(pgid, 5_000);
    }));
    await this.store.processes.write([]);
  }

  private saveRecords(): void {
    this.store.processes.write([...this.records.values()]).catch((error: Error) => this.log(`cannot save process records: ${error.message}`));
  }

  async start(spec: GenerationSpec): Promise<Generation> {
    const { release } = spec;
    const app = release.app;
    const members: Instance[] = [];
    for (const type of Object.keys(release.processTypes).sort()) {
      for (let index = 1; index <= (spec.scale[type] ?? 0); index++) {
        const port = type === 'web' ? await this.ports.allocate() : undefined;
        const id = `${type}.${index}`;
        const env: Record<string, string> = { ...hostEnv(), HOME: release.dir, ...spec.env, DYNO: id, PS: id, [OWNER_VAR]: this.owner };
        if (port !== undefined) env.PORT = String(port);
        this.hub.acquire(app, id);
        members.push(new Instance({
          type, index, command: release.processTypes[type], cwd: release.dir, env, host: LOOPBACK, port,
          backoff: this.options.backoff,
          output: (text) => this.hub.write(app, id, text),
          spawned: (pid) => {
            this.records.set(pid, { app, id, pid, startTime: processStartTime(pid) });
            this.saveRecords();
          },
          exited: (pid) => {
            this.records.delete(pid);
            this.saveRecords();
          },
        }));
      }
    }
    const generation = new ProcessGeneration(`${app}-v${release.version}-${++this.sequence}`, app, release.version, { ...spec.scale }, members);
    const set = this.live.get(app) ?? new Set<ProcessGeneration>();
    this.live.set(app, set);
    set.add(generation);
    for (const member of members) member.start();
    return generation;
  }

  stop(generation: Generation, options: { graceMs?: number; killAfterMs?: number } = {}): Promise<void> {
    const gen = this.own(generation);
    gen.stopped ??= this.stopGeneration(gen, options.graceMs ?? 0, options.killAfterMs ?? DEFAULT_KILL_AFTER_MS);
    return gen.stopped;
  }

  private own(generation: Generation): ProcessGeneration {
    if (!(generation instanceof ProcessGeneration)) throw new Error(`generation ${generation.id} does not belong to the process scheduler`);
    return generation;
  }

  private async stopGeneration(gen: ProcessGeneration, graceMs: number, killAfterMs: number): Promise<void> {
    for (const member of gen.members) member.retire();
    if (graceMs > 0 && !this.closing.signal.aborted) {
      // Server shutdown cuts the grace period short.
      await sleep(graceMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
    }
    await Promise.all(gen.members.map((m) => m.stop(killAfterMs)));
    for (const member of gen.members) {
      this.ports.release(member.port);
      await this.hub.release(gen.app, member.id);
    }
    const set = this.live.get(gen.app);
    set?.delete(gen);
    if (set?.size === 0) this.live.delete(gen.app);
  }

  generations(app: AppName): Generation[] {
    return [...(this.live.get(app) ?? [])];
  }

  async logs(app: AppName, query: LogQuery, write: (line: string) => void, signal: AbortSignal): Promise<void> {
    // Subscribe first so no line falls between the history and the live stream.
    const buffered: string[] = [];
    let live = false;
    const unsubscribe = query.follow ? this.hub.subscribe(app, query.type, (line) => (live ? write(line) : buffered.push(line))) : undefined;
    try {
      const history = await this.store.logs.tail(app, query.lines, query.type);
      for (const line of history) write(line);
      if (!unsubscribe) return;
      const seen = new Set(history);
      for (const line of buffered) if (!seen.has(line)) write(line);
      live = true;
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      unsubscribe?.();
    }
  }

  run(spec: OneOffSpec, io: RunIO, signal: AbortSignal): Promise<number> {
    return runOneOff(spec, io, signal);
  }

  async destroy(app: AppName): Promise<void> {
    await Promise.all([...(this.live.get(app) ?? [])].map((g) => this.stop(g)));
  }

  async close(): Promise<void> {
    this.closing.abort();
    const all = [...this.live.values()].flatMap((set) => [...set]);
    await Promise.all(all.map((g) => this.stop(g)));
    await this.store.processes.write([...this.records.values()]);
  }
}

export const processEngine: SchedulerEngine = {
  name: 'process',
  async available() { return true; },
  async create(ctx: SchedulerContext) {
    const scheduler = new ProcessScheduler(ctx.store, ctx.log);
    await scheduler.reapOrphans();
    return scheduler;
  },
};
