// Core commands are written in TypeScript but look like plugins: each set has a name, a
// summary and help lines, so `help`, `NAME:help` and dispatch treat them like bash plugins.
import type { HelpLine, Invocation } from './types.js';
import type { Services } from '../services.js';
import type { RunContext } from '../plugins/host.js';

export interface CoreCommand {
  name: string;
  /** Undefined for internal commands (config:set-norestart) that help does not list. */
  help?: HelpLine;
  run(inv: Invocation, services: Services, ctx: RunContext): Promise<number | void>;
}

export interface CommandSet {
  plugin: string;
  summary: string;
  commands: CoreCommand[];
}

export class Registry {
  private readonly byName = new Map<string, CoreCommand>();
  readonly sets: CommandSet[] = [];

  add(set: CommandSet): void {
    this.sets.push(set);
    for (const command of set.commands) {
      if (this.byName.has(command.name)) throw new Error(`core command ${command.name} registered twice`);
      this.byName.set(command.name, command);
    }
  }

  find(name: string): CoreCommand | undefined {
    return this.byName.get(name);
  }

  findSet(plugin: string): CommandSet | undefined {
    return this.sets.find((s) => s.plugin === plugin);
  }
}
