// One scheduler for the platform that runs each app on its own engine: the one chosen with
// `scheduler:set APP selected …` (or `--global`), else the server's default. The release decides
// when nothing was chosen: an image runs on docker-local, a build directory on process.
import type { AppName } from '../names.js';
import type { Generation, GenerationSpec, LogQuery, OneOffSpec, PublishReport, ReleaseArtifact, RunIO, Scheduler, SchedulerContext, SchedulerEngine } from './types.js';
import { GLOBAL } from '../store/index.js';
import { DeployFailed } from '../errors.js';

/** The app's explicit choice (app property, then the global one), or undefined. */
export async function selectedScheduler(ctx: Pick<SchedulerContext, 'store'>, app: AppName): Promise<string | undefined> {
  const own = await ctx.store.properties.get('scheduler', app, 'selected');
  if (own) return own;
  return (await ctx.store.properties.get('scheduler', GLOBAL, 'selected')) || undefined;
}

/** Whether an engine can run a release at all: process runs build directories, docker-local images. */
export function canRun(engine: string, release: ReleaseArtifact): boolean {
  if (engine === 'process') return release.image === undefined;
  if (engine === 'docker-local' || engine === 'docker-swarm') return release.image !== undefined;
  return true;
}

export class PerAppScheduler implements Scheduler {
  readonly name: string;
  private readonly ready = new Map<string, Scheduler>();
  private readonly pending = new Map<string, Promise<Scheduler>>();
  private readonly owners = new WeakMap<Generation, Scheduler>();

  constructor(
    private readonly engines: readonly SchedulerEngine[],
    private readonly ctx: SchedulerContext,
    fallback: Scheduler,
  ) {
    this.name = fallback.name;
    this.ready.set(fallback.name, fallback);
  }

  private engine(name: string): Promise<Scheduler> {
    const existing = this.ready.get(name);
    if (existing) return Promise.resolve(existing);
    let creating = this.pending.get(name);
    if (!creating) {
      const engine = this.engines.find((e) => e.name === name);
      if (!engine) {
        return Promise.reject(new DeployFailed(`Scheduler ${name} is not available (available: ${this.engines.map((e) => e.name).join(', ')})`));
      }
      creating = engine.create(this.ctx).then((scheduler) => {
        this.ready.set(name, scheduler);
        return scheduler;
      }).finally(() => this.pending.delete(name));
      this.pending.set(name, creating);
    }
    return creating;
  }

  /** The engine for an app (and the release it is about to run, when there is one). */
  async choose(app: AppName, release?: ReleaseArtifact): Promise<Scheduler> {
    const selected = await selectedScheduler(this.ctx, app);
    if (selected !== undefined) {
      if (release && !canRun(selected, release)) {
        throw new DeployFailed(release.image === undefined
          ? `The ${selected} scheduler selected for ${app} runs Docker images, and v${release.version} was not built as one (use builder:set ${app} selected dockerfile, or scheduler:set ${app} selected process)`
          : `The ${selected} scheduler selected for ${app} cannot run the Docker image of v${release.version} (use scheduler:set ${app} selected docker-local)`);
      }
      return this.engine(selected);
    }
    if (!release || canRun(this.name, release)) return this.engine(this.name);
    const other = this.engines.find((e) => e.name !== this.name && canRun(e.name, release));
    if (!other) throw new DeployFailed(`No scheduler here can run v${release.version} of ${app}`);
    return this.engine(other.name);
  }

  /** The engine that will run the release publishes it (one without publish does nothing here). */
  async publish(release: ReleaseArtifact, report: PublishReport): Promise<void> {
    const scheduler = await this.choose(release.app, release);
    await scheduler.publish?.(release, report);
  }

  async start(spec: GenerationSpec): Promise<Generation> {
    const scheduler = await this.choose(spec.release.app, spec.release);
    const generation = await scheduler.start(spec);
    this.owners.set(generation, scheduler);
    return generation;
  }

  stop(generation: Generation, options?: { graceMs?: number; killAfterMs?: number }): Promise<void> {
    const owner = this.owners.get(generation);
    if (!owner) return Promise.reject(new Error(`generation ${generation.id} was not started here`));
    return owner.stop(generation, options);
  }

  async lastOutput(generation: Generation, instance: string, lines: number): Promise<string[]> {
    const owner = this.owners.get(generation);
    const recent = generation.instances().find((i) => i.id === instance)?.recentOutput ?? [];
    return owner?.lastOutput ? owner.lastOutput(generation, instance, lines) : recent.slice(-lines);
  }

  async deployed(generation: Generation, say: (line: string) => void): Promise<void> {
    await this.owners.get(generation)?.deployed?.(generation, say);
  }

  generations(app: AppName): Generation[] {
    return [...this.ready.values()].flatMap((s) => s.generations(app));
  }

  async logs(app: AppName, query: LogQuery, write: (line: string) => void, signal: AbortSignal): Promise<void> {
    // The engine running the app now; when nothing runs, the one it would run on.
    const running = [...this.ready.values()].find((s) => s.generations(app).length > 0);
    return (running ?? (await this.choose(app))).logs(app, query, write, signal);
  }

  async exec(generation: Generation, instance: string, argv: readonly string[], io: RunIO, signal: AbortSignal): Promise<number> {
    const owner = this.owners.get(generation);
    if (!owner?.exec) throw new Error(`generation ${generation.id} cannot run commands beside its processes`);
    return owner.exec(generation, instance, argv, io, signal);
  }

  async run(spec: OneOffSpec, io: RunIO, signal: AbortSignal): Promise<number> {
    return (await this.choose(spec.release.app, spec.release)).run(spec, io, signal);
  }

  async adopt(spec: GenerationSpec): Promise<Generation | undefined> {
    const scheduler = await this.choose(spec.release.app, spec.release);
    const generation = await scheduler.adopt?.(spec);
    if (generation) this.owners.set(generation, scheduler);
    return generation;
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending.values()]);
    await Promise.all([...this.ready.values()].map((s) => s.settle?.()));
  }

  async detach(): Promise<void> {
    await Promise.allSettled([...this.pending.values()]);
    await Promise.all([...this.ready.values()].map((s) => s.detach()));
  }

  async destroy(app: AppName, options?: { killAfterMs?: number }): Promise<void> {
    await Promise.all([...this.ready.values()].map((s) => s.destroy(app, options)));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending.values()]);
    await Promise.all([...this.ready.values()].map((s) => s.close()));
  }
}

/** The server-wide default engine: SLIPWAY_SCHEDULER, or with `auto` docker-local when Docker answers. */
export async function detectDefault(choice: string, dockerAnswers: () => Promise<boolean>): Promise<{ name: string; reason: string }> {
  if (choice !== 'auto') return { name: choice, reason: `SLIPWAY_SCHEDULER=${choice}` };
  return (await dockerAnswers())
    ? { name: 'docker-local', reason: 'auto: Docker answers' }
    : { name: 'process', reason: 'auto: Docker does not answer' };
}
