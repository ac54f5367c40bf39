// An app's docker options, where Dokku keeps them: one property list per phase at
// $DOKKU_LIB_ROOT/config/docker-options/APP/_default_.PHASE (one option per line, sorted).
import type { AppName } from '../names.js';
import type { PropertyStore } from './properties.js';
import type { Layout } from './layout.js';
import { withLock } from './lock.js';

export const DOCKER_OPTION_PHASES = ['build', 'deploy', 'run'] as const;
export type DockerOptionPhase = typeof DOCKER_OPTION_PHASES[number];

const PLUGIN = 'docker-options';
/** Dokku's scope key for options that apply to every container of the app (not one process type). */
const DEFAULT_SCOPE = '_default_';

function property(phase: DockerOptionPhase): string {
  return `${DEFAULT_SCOPE}.${phase}`;
}

/** Go's sort.Strings: byte order, not locale order. */
function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

export class DockerOptionsStore {
  constructor(private readonly layout: Layout, private readonly properties: PropertyStore) {}

  /** The stored options of one phase, blank lines dropped (Dokku trims them too). */
  async get(app: AppName, phase: DockerOptionPhase): Promise<string[]> {
    const text = (await this.properties.get(PLUGIN, app, property(phase))) ?? '';
    return text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  }

  /**
   * Change several phases under the app's lock. `change` runs for every phase before anything is
   * written, so one that throws leaves every phase as it was. `undefined` deletes the phase's file.
   */
  async update(app: AppName, phases: readonly DockerOptionPhase[], change: (options: string[], phase: DockerOptionPhase) => string[] | undefined): Promise<void> {
    await withLock(this.layout.appLock(app), async () => {
      const next = new Map<DockerOptionPhase, string[] | undefined>();
      for (const phase of phases) next.set(phase, change(await this.get(app, phase), phase));
      for (const [phase, options] of next) {
        if (options === undefined) await this.properties.delete(PLUGIN, app, property(phase));
        else await this.properties.set(PLUGIN, app, property(phase), options.sort(byteOrder).map((o) => `${o}\n`).join(''));
      }
    });
  }
}
