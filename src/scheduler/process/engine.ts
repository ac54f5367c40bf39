// The `process` scheduler: runs an app's Procfile types as supervised local processes (no Docker),
// web ones on a PORT from the pool. The processes are detached (own session, output to files,
// pid files under the app's data folder), so they outlive the server; the next server adopts them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { GenerationRecord, InstanceRecord, Store } from '../../store/index.js';
import type { AppName } from '../../names.js';
import type { Generation, GenerationSpec, InstanceInfo, LogQuery, OneOffSpec, PublishReport, ReleaseArtifact, RunIO, Scheduler, SchedulerContext, SchedulerEngine } from '../types.js';
import { warnNoImage } from '../registry-settings.js';
import type { Scale } from '../../store/index.js';
import { Instance, type Backoff } from './instance.js';
import { PortPool, LOOPBACK } from './ports.js';
import { LogHub } from './log-hub.js';
import { runCommand, runOneOff } from './one-off.js';
import { hostEnv } from '../../os/host-env.js';
import { envDigest, plannedIds } from '../adoption.js';
import { groupsMarked, processAlive, stopGroup } from '../../os/process-group.js';

const DEFAULT_KILL_AFTER_MS = 10_000;
/** In every app process's environment: which data dir's server started it. */
export const OWNER_VAR = 'SLIPWAY_PROCESS_OWNER';
/** In every one-off command's environment (release commands, `run`): the same, for one-offs. */
export const ONE_OFF_VAR = 'SLIPWAY_ONE_OFF_OWNER';

class ProcessGeneration implements Generation {
  stopped?: Promise<void>;
  /** Its record is gone: nothing may write it again. */
  forgotten = false;
  readonly id: string;
  constructor(
    /** The folder of its record (unique across servers). */
    readonly name: string,
    readonly app: AppName,
    readonly version: number,
    readonly dir: string,
    readonly scale: Scale,
    readonly envDigest: string,
    readonly members: Instance[],
  ) {
    this.id = `${app}-${name}`;
  }

  instances(): InstanceInfo[] {
    return this.members.map((m) => m.info());
  }

  record(): GenerationRecord {
    return {
      app: this.app, generation: this.name, version: this.version, dir: this.dir, scale: this.scale,
      envDigest: this.envDigest, instances: this.members.map((m) => m.record()),
    };
  }
}

function running(i: InstanceRecord): i is InstanceRecord & { pid: number } {
  return i.pid !== undefined && processAlive(i.pid, i.startTime ?? '');
}

export interface ProcessSchedulerOptions { backoff?: Backoff }

export class ProcessScheduler implements Scheduler {
  readonly name = 'process';
  private readonly live = new Map<AppName, Set<ProcessGeneration>>();
  /** What a previous server left running, per app, until adopt() takes it or settle() stops it. */
  private readonly leftBehind = new Map<AppName, GenerationRecord[]>();
  private readonly ports = new PortPool();
  private readonly hub: LogHub;
  private readonly closing = new AbortController();
  private sequence = 0;

  constructor(private readonly store: Store, private readonly log: (line: string) => void, private readonly options: ProcessSchedulerOptions = {}) {
    this.hub = new LogHub(store.logs);
  }

  /** Marks every app process with the data dir it belongs to. */
  private get owner(): string { return this.store.processes.owner; }

  /**
   * At server start, before anything runs: keep what a previous server recorded for adopt(); stop
   * what it started and never recorded (killed between spawn and record) and its one-off commands
   * (release commands, `run`: nobody waits for them any more).
   */
  async prepare(): Promise<void> {
    const records = await this.store.processes.all();
    const recorded = new Set<number>();
    for (const record of records) {
      for (const i of record.instances) if (running(i)) recorded.add(i.pid);
      this.leftBehind.set(record.app, [...(this.leftBehind.get(record.app) ?? []), record]);
    }
    await Promise.all(groupsMarked(OWNER_VAR, this.owner).filter((pgid) => !recorded.has(pgid)).map(async (pgid) => {
      this.log(`stopping unrecorded process group ${pgid} left by a previous server`);
      await stopGroup(pgid, 5_000);
    }));
    await Promise.all(groupsMarked(ONE_OFF_VAR, this.owner).map(async (pgid) => {
      this.log(`stopping one-off command (process group ${pgid}) left by a previous server`);
      await stopGroup(pgid, 5_000);
    }));
  }

  /** Build a generation's instances; nothing runs until each is started or adopted. */
  private async generation(name: string, spec: GenerationSpec, ports: Map<string, number | undefined> = new Map()): Promise<ProcessGeneration> {
    const { release } = spec;
    const app = release.app;
    const members: Instance[] = [];
    const generation = new ProcessGeneration(name, app, release.version, release.dir, { ...spec.scale }, envDigest(spec.env), members);
    for (const { type, index, id } of plannedIds(spec)) {
      let port: number | undefined;
      if (type === 'web') {
        port = ports.get(id);
        if (port === undefined) port = await this.ports.allocate();
        else this.ports.claim(port);
      }
      const env: Record<string, string> = { ...hostEnv(), HOME: release.dir, ...spec.env, DYNO: id, PS: id, [OWNER_VAR]: this.owner };
      if (port !== undefined) env.PORT = String(port);
      this.hub.acquire(app, id, await this.store.logs.maxBytes(app));
      members.push(new Instance({
        type, index, command: release.processTypes[type], cwd: release.dir, env, host: LOOPBACK, port,
        backoff: this.options.backoff,
        restartPolicy: spec.restartPolicy,
        output: this.store.processes.output(app, name, id),
        line: (text) => this.hub.write(app, id, text),
        changed: () => this.saveRecord(generation),
      }));
    }
    return generation;
  }

  private saveRecord(generation: ProcessGeneration): void {
    if (generation.forgotten) return;
    this.store.processes.save(generation.record()).catch((error: Error) => this.log(`cannot save the process record of ${generation.id}: ${error.message}`));
  }

  private track(generation: ProcessGeneration): void {
    const set = this.live.get(generation.app) ?? new Set<ProcessGeneration>();
    this.live.set(generation.app, set);
    set.add(generation);
  }

  /** Nothing here is an image: push-on-release gets one warning line. */
  publish(release: ReleaseArtifact, report: PublishReport): Promise<void> {
    return warnNoImage(this.store, release, report);
  }

  async start(spec: GenerationSpec): Promise<Generation> {
    const name = `v${spec.release.version}-${Date.now().toString(36)}-${(++this.sequence).toString(36)}`;
    const generation = await this.generation(name, spec);
    this.track(generation);
    await this.store.processes.save(generation.record());
    for (const member of generation.members) member.start();
    return generation;
  }

  /**
   * Take over the processes a previous server left running for exactly this release, scale and
   * config (same pids; any that died since are started again); undefined when there are none.
   * Whatever else it left for the app is stopped.
   */
  async adopt(spec: GenerationSpec): Promise<Generation | undefined> {
    const app = spec.release.app;
    const candidates = this.leftBehind.get(app) ?? [];
    this.leftBehind.delete(app);
    const wanted = plannedIds(spec).map((p) => p.id).join(',');
    const digest = envDigest(spec.env);
    let best: GenerationRecord | undefined;
    let bestAlive = 0;
    for (const record of candidates) {
      if (record.version !== spec.release.version || record.dir !== spec.release.dir || record.envDigest !== digest) continue;
      if (record.instances.map((i) => i.id).join(',') !== wanted) continue;
      const alive = record.instances.filter(running).length;
      if (alive > bestAlive) [best, bestAlive] = [record, alive];
    }
    await this.stopRecorded(candidates.filter((r) => r !== best), 'it does not run the current release, scale and config');
    if (!best) return undefined;
    const generation = await this.generation(best.generation, spec, new Map(best.instances.map((i) => [i.id, i.port])));
    this.track(generation);
    for (const member of generation.members) {
      const record = best.instances.find((i) => i.id === member.id);
      if (record && running(record)) member.adopt(record);
      else member.start();
    }
    await this.store.processes.save(generation.record());
    return generation;
  }

  /** Once every app was restored: stop what a previous server left and nothing adopted. */
  async settle(): Promise<void> {
    const left = [...this.leftBehind.values()].flat();
    this.leftBehind.clear();
    await this.stopRecorded(left, 'nothing adopted it');
  }

  private async stopRecorded(records: GenerationRecord[], why: string): Promise<void> {
    await Promise.all(records.map(async (record) => {
      await Promise.all(record.instances.filter(running).map(async (i) => {
        this.log(`stopping ${record.app} ${i.id} (pid ${i.pid}) left by a previous server: ${why}`);
        await stopGroup(i.pid, 5_000);
      }));
      await this.store.processes.remove(record.app, record.generation);
    }));
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
    gen.forgotten = true;
    await this.store.processes.remove(gen.app, gen.name);
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
      // What the processes wrote until now is in the history (their output files are read on a timer).
      for (const generation of this.live.get(app) ?? []) for (const member of generation.members) member.pump();
      await this.hub.written(app);
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

  exec(generation: Generation, instance: string, argv: readonly string[], io: RunIO, signal: AbortSignal): Promise<number> {
    if (!(generation instanceof ProcessGeneration)) throw new Error(`generation ${generation.id} does not belong to the process scheduler`);
    const member = generation.members.find((m) => m.info().id === instance);
    if (!member) throw new Error(`${generation.id} has no instance ${instance}`);
    const { cwd, env } = member.workdir;
    // Marked as a one-off, not as the app's process: a next server stops it if this one dies first.
    const own = Object.fromEntries(Object.entries(env).filter(([key]) => key !== OWNER_VAR));
    return runCommand(argv, cwd, { ...own, [ONE_OFF_VAR]: this.owner }, io, signal);
  }

  run(spec: OneOffSpec, io: RunIO, signal: AbortSignal): Promise<number> {
    return runOneOff(spec, io, signal, { [ONE_OFF_VAR]: this.owner });
  }

  async destroy(app: AppName, options: { killAfterMs?: number } = {}): Promise<void> {
    const left = this.leftBehind.get(app) ?? [];
    this.leftBehind.delete(app);
    await this.stopRecorded(left, 'the app is being removed');
    await Promise.all([...(this.live.get(app) ?? [])].map((g) => this.stop(g, options)));
  }

  async close(): Promise<void> {
    this.closing.abort();
    const all = [...this.live.values()].flatMap((set) => [...set]);
    await Promise.all(all.map((g) => this.stop(g)));
    await this.store.processes.flush();
  }

  /** Stop supervising and leave every process running, its record saved for the next server. */
  async detach(): Promise<void> {
    this.closing.abort();
    const all = [...this.live.values()].flatMap((set) => [...set]);
    // Retiring generations finish stopping (their grace period is cut short); the rest keep running.
    await Promise.all(all.flatMap((g) => (g.stopped ? [g.stopped] : [])));
    for (const generation of all.filter((g) => !g.stopped)) {
      for (const member of generation.members) {
        member.detach();
        await this.hub.release(generation.app, member.id);
      }
    }
    this.live.clear();
    await this.store.processes.flush();
  }
}

export const processEngine: SchedulerEngine = {
  name: 'process',
  async available() { return true; },
  async create(ctx: SchedulerContext) {
    const scheduler = new ProcessScheduler(ctx.store, ctx.log);
    await scheduler.prepare();
    return scheduler;
  },
};
