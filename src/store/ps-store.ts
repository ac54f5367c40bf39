// Desired process state of an app: scale per process type and whether it should run (restore),
// kept as `ps` plugin properties so a restarted server brings apps back as they were.
import type { PropertyStore } from './properties.js';
import type { AppName } from '../names.js';

export type Scale = Record<string, number>;

/** `web=2\nworker=1` ↔ {web: 2, worker: 1}, the format of Dokku's DOKKU_SCALE file. */
export function parseScaleText(text: string): Scale {
  const scale: Scale = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z0-9_-]+)\s*=\s*(\d+)\s*$/.exec(line);
    if (match) scale[match[1]] = Number(match[2]);
  }
  return scale;
}

export function formatScale(scale: Scale, separator = '\n'): string {
  return Object.keys(scale).sort().map((type) => `${type}=${scale[type]}`).join(separator);
}

export class PsStore {
  constructor(private readonly properties: PropertyStore) {}

  /** Counts set with ps:scale; types never scaled are absent (web defaults to 1, others to 0). */
  async scale(app: AppName): Promise<Scale> {
    return parseScaleText((await this.properties.get('ps', app, 'scale')) ?? '');
  }

  async setScale(app: AppName, scale: Scale): Promise<void> {
    await this.properties.set('ps', app, 'scale', formatScale(scale) + '\n');
  }

  /** False after ps:stop: the app stays stopped across server restarts until ps:start. */
  async restore(app: AppName): Promise<boolean> {
    return (await this.properties.get('ps', app, 'restore')) !== 'false';
  }

  async setRestore(app: AppName, restore: boolean): Promise<void> {
    if (restore) await this.properties.delete('ps', app, 'restore');
    else await this.properties.set('ps', app, 'restore', 'false');
  }
}
