// Where process output goes: one rotating file per instance id (shared by the old and new
// generation during a switch) and live subscribers (`logs -t`). Lines: `TIME app[web.1]: text`.
import type { LogStore, RotatingLog } from '../../store/log-files.js';
import type { AppName } from '../../names.js';

interface Subscriber { type?: string; write: (line: string) => void }

interface Shared { log: RotatingLog; users: number }

export function matchesType(id: string, type: string | undefined): boolean {
  return type === undefined || id === type || id.startsWith(`${type}.`);
}

export class LogHub {
  private readonly files = new Map<string, Shared>();
  private readonly subscribers = new Map<AppName, Set<Subscriber>>();

  constructor(private readonly store: LogStore) {}

  private key(app: AppName, id: string): string {
    return `${app}/${id}`;
  }

  /** Start writing for an instance; pair every acquire with a release. */
  acquire(app: AppName, id: string, cap?: number): void {
    const key = this.key(app, id);
    const shared = this.files.get(key);
    if (shared) {
      shared.users++;
      if (cap !== undefined) shared.log.cap = cap;
    } else this.files.set(key, { log: this.store.open(app, id, cap), users: 1 });
  }

  async release(app: AppName, id: string): Promise<void> {
    const key = this.key(app, id);
    const shared = this.files.get(key);
    if (!shared || --shared.users > 0) return;
    this.files.delete(key);
    await shared.log.close();
  }

  write(app: AppName, id: string, text: string): void {
    const line = `${new Date().toISOString()} app[${id}]: ${text}`;
    this.files.get(this.key(app, id))?.log.write(line);
    for (const subscriber of this.subscribers.get(app) ?? []) {
      if (matchesType(id, subscriber.type)) subscriber.write(line);
    }
  }

  /** Resolves once every line of the app written so far is in its files. */
  async written(app: AppName): Promise<void> {
    await Promise.all([...this.files.entries()].filter(([key]) => key.startsWith(`${app}/`)).map(([, shared]) => shared.log.written()));
  }

  /** Live lines of an app until the returned function is called. */
  subscribe(app: AppName, type: string | undefined, write: (line: string) => void): () => void {
    const set = this.subscribers.get(app) ?? new Set<Subscriber>();
    this.subscribers.set(app, set);
    const subscriber: Subscriber = { type, write };
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.subscribers.get(app) === set) this.subscribers.delete(app);
    };
  }
}
