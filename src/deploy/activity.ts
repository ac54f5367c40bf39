// What the running server announces in-process as it changes an app: a build started or finished,
// and "the app's processes or releases changed" (a new generation serves, the app stopped). The
// dashboard's live pages listen here instead of polling the store or the scheduler per page.
import type { AppName } from '../names.js';

export type AppActivity =
  | { kind: 'build-started'; app: AppName; id: string }
  | { kind: 'build-finished'; app: AppName; id: string; status: 'succeeded' | 'failed' | 'canceled' }
  /** Processes (the serving generation, its instances) or release records may differ now. */
  | { kind: 'changed'; app: AppName };

export type ActivityListener = (event: AppActivity) => void;

/** A plain list of listeners: announcing never waits for one and one that throws never stops the rest. */
export class ActivityFeed {
  private readonly listeners = new Set<ActivityListener>();

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Listen to every app's activity; returns the function that stops listening. */
  listen(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  announce(event: AppActivity): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log(`activity listener (${event.kind} ${event.app}): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
