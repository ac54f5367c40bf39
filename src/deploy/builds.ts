// Build tracking: every deploy this server runs gets a build record and a log of its output
// (a tee of what the pusher sees), and can be cancelled by builds:cancel while it runs.
import { Writable } from 'node:stream';
import type { WriteStream } from 'node:fs';
import type { Store, BuildKind } from '../store/index.js';
import type { AppName } from '../names.js';
import type { Out } from '../log.js';
import type { RequestContext } from '../request-context.js';
import { log, prefix } from '../log.js';
import { DeployFailed, userMessage } from '../errors.js';
import { GLOBAL, type Scope } from '../store/index.js';
import type { ActivityFeed } from './activity.js';

export const DEFAULT_BUILD_RETENTION = 20;

interface Running { id: string; controller: AbortController; canceled: boolean; done: Promise<FinalStatus> }
type FinalStatus = 'succeeded' | 'failed' | 'canceled';

/** What builds:cancel found. */
export type CancelOutcome = { state: 'idle' } | { state: FinalStatus; id: string };

/** Retention for one app: its own property, then the global one, then 20 (as Dokku). */
export async function buildRetention(store: Store, app: AppName | typeof GLOBAL): Promise<number> {
  const scopes: Scope[] = app === GLOBAL ? [GLOBAL] : [app, GLOBAL];
  for (const scope of scopes) {
    const raw = await store.properties.get('builds', scope, 'retention');
    if (raw !== undefined && /^\d+$/.test(raw) && Number(raw) >= 1) return Number(raw);
  }
  return DEFAULT_BUILD_RETENTION;
}

/** Everything written to target also goes to the build log; the pusher's pace is kept. */
function tee(target: Writable, file: WriteStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      file.write(chunk);
      target.write(chunk, () => done());
    },
  });
}

export class BuildTracker {
  private readonly running = new Map<AppName, Running>();

  /** activity hears each build start and end (the dashboard follows the log from there). */
  constructor(private readonly store: Store, private readonly activity?: ActivityFeed) {}

  /** The id of the build running for app in this server, if any. */
  current(app: AppName): string | undefined {
    return this.running.get(app)?.id;
  }

  /**
   * Run one deploy as a build: a record (running → succeeded/failed/canceled), its output in the
   * log, a signal that builds:cancel aborts. A cancelled build fails with one line for the pusher.
   */
  async track(app: AppName, kind: BuildKind, source: string, out: Out, request: RequestContext, fn: (out: Out, request: RequestContext) => Promise<void>): Promise<void> {
    const { signal } = request;
    const { record, log: file } = await this.store.builds.start(app, kind, source);
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    let finished!: (status: FinalStatus) => void;
    let status: FinalStatus = 'failed';
    const entry: Running = { id: record.id, controller, canceled: false, done: new Promise((resolve) => { finished = resolve; }) };
    this.running.set(app, entry);
    this.activity?.announce({ kind: 'build-started', app, id: record.id });
    const tracked: Out = { stdout: tee(out.stdout, file), stderr: tee(out.stderr, file), quiet: out.quiet };
    try {
      await fn(tracked, { identity: request.identity, signal: controller.signal });
      status = 'succeeded';
      await this.close(app, record.id, file, status, 0);
    } catch (error) {
      const failure = entry.canceled ? new DeployFailed(`Build ${record.id} was canceled (builds:cancel ${app})`, { cause: error }) : error;
      file.write(`${prefix.warn}${userMessage(failure)}\n`);
      status = entry.canceled ? 'canceled' : 'failed';
      await this.close(app, record.id, file, status, entry.canceled ? -1 : 1);
      throw failure;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (this.running.get(app) === entry) this.running.delete(app);
      finished(status);
      // After the record is final and the log closed: a listener reads both as they end.
      this.activity?.announce({ kind: 'build-finished', app, id: record.id, status });
      await this.store.builds.prune(app, await buildRetention(this.store, app)).catch((e: Error) => log.warn(out, `builds:prune ${app}: ${e.message}`));
    }
  }

  private async close(app: AppName, id: string, file: WriteStream, status: FinalStatus, code: number): Promise<void> {
    await new Promise<void>((resolve) => file.end(resolve));
    await this.store.builds.finish(app, id, status, code);
  }

  /** Abort the app's running build (its build steps' process groups stop) and wait until it ended. */
  async cancel(app: AppName): Promise<CancelOutcome> {
    const entry = this.running.get(app);
    if (!entry) return { state: 'idle' };
    entry.canceled = true;
    entry.controller.abort(new DeployFailed(`Build ${entry.id} was canceled`));
    return { state: await entry.done, id: entry.id };
  }
}
