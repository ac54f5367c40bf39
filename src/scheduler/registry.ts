// Scheduler engines by name: `process`, `docker-local` and `docker-swarm`, registered by defaultSchedulers().
// SLIPWAY_SCHEDULER picks one; `auto` takes the first engine that says it is available (process last;
// never docker-swarm, which an app or the server chooses explicitly).
import type { Scheduler, SchedulerContext, SchedulerEngine } from './types.js';
import { SlipwayError } from '../errors.js';
import { processEngine } from './process/engine.js';
import { dockerLocalEngine } from './docker-local/engine.js';
import { dockerSwarmEngine } from './docker-swarm/engine.js';
import { PerAppScheduler, detectDefault } from './per-app.js';

export class SchedulerRegistry {
  private readonly engines: SchedulerEngine[] = [];

  register(engine: SchedulerEngine): void {
    if (this.engines.some((e) => e.name === engine.name)) throw new Error(`scheduler ${engine.name} registered twice`);
    this.engines.push(engine);
  }

  names(): string[] {
    return this.engines.map((e) => e.name);
  }

  find(name: string): SchedulerEngine | undefined {
    return this.engines.find((e) => e.name === name);
  }

  all(): readonly SchedulerEngine[] {
    return this.engines;
  }

  /** The engine `auto` (or the named choice) means here, and why; what scheduler:report shows. */
  defaultChoice(choice: string, ctx: SchedulerContext): Promise<{ name: string; reason: string }> {
    const docker = this.find('docker-local');
    return detectDefault(choice, async () => (docker ? docker.available(ctx) : false));
  }

  /**
   * The default engine (picked as create() picks it) behind a scheduler that runs each app on
   * the engine chosen with scheduler:set, creating other engines when an app first needs them.
   */
  async createPerApp(choice: string, ctx: SchedulerContext): Promise<Scheduler> {
    return new PerAppScheduler(this.engines, ctx, await this.create(choice, ctx));
  }

  async create(choice: string, ctx: SchedulerContext): Promise<Scheduler> {
    if (choice !== 'auto') {
      const engine = this.engines.find((e) => e.name === choice);
      if (!engine) {
        throw new SlipwayError('E_SCHEDULER', `Unknown scheduler ${choice} (available: ${this.names().join(', ')})`, 1);
      }
      return engine.create(ctx);
    }
    // `process` always works, so it is tried last whatever the registration order.
    const ordered = [...this.engines.filter((e) => e.name !== 'process' && !e.explicitOnly), ...this.engines.filter((e) => e.name === 'process')];
    for (const engine of ordered) {
      if (await engine.available(ctx)) return engine.create(ctx);
    }
    throw new SlipwayError('E_SCHEDULER', 'No scheduler is available', 1);
  }
}

/** The engines this build ships. */
export function defaultSchedulers(): SchedulerRegistry {
  const registry = new SchedulerRegistry();
  registry.register(processEngine);
  registry.register(dockerLocalEngine);
  registry.register(dockerSwarmEngine);
  return registry;
}
