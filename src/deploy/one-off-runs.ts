// The one-off commands in flight on this server — `run`, `run:detached`, `cron:run` and the scheduled
// cron tasks — on any scheduler: their names (Dokku's APP.run.N / APP.cron.N), deadlines
// (--ttl-seconds), how to stop each, the live output of detached ones (and the recent output of
// attached ones, as Dokku's run:logs reads a running container's), and app.json's concurrency_policy
// between runs of one cron task.
import type { AppName } from '../names.js';
import type { RotatingLog } from '../store/log-files.js';
import type { ConcurrencyPolicy, CronRun, OneOffRun } from './types.js';
import { SlipwayError } from '../errors.js';

/** Dokku's default deadline of a run or cron container: a day. */
export const DEFAULT_RUN_TTL_SECONDS = 86_400;

/** An attached run's output kept for run:logs while it runs: at most this many lines, and bytes. */
export const ATTACHED_RECENT_LINES = 1000;
const ATTACHED_RECENT_BYTES = 1024 * 1024;

/** The last lines of an attached run, bounded in count and size. */
class RecentLines {
  readonly lines: string[] = [];
  private bytes = 0;

  push(line: string): void {
    this.lines.push(line);
    this.bytes += line.length;
    while (this.lines.length > ATTACHED_RECENT_LINES || (this.bytes > ATTACHED_RECENT_BYTES && this.lines.length > 1)) {
      this.bytes -= (this.lines.shift() as string).length;
    }
  }
}

export const CONCURRENCY_POLICIES: readonly ConcurrencyPolicy[] = ['allow', 'forbid', 'replace'];

export interface BeginOptions {
  ttlSeconds: number;
  cron?: CronRun;
  /** The caller's signal (an attached run stops when its caller leaves). */
  signal?: AbortSignal;
  /** Told before running ones are stopped for `replace`. */
  warn(text: string): void;
}

interface Tracked {
  info: OneOffRun;
  app: AppName;
  kind: 'run' | 'cron';
  /** `run.N` / `cron.N`: the DYNO-like id its output carries in the app's logs (detached runs). */
  logId: string;
  cronId?: string;
  deadline: number;
  stop: AbortController;
  ended: Promise<void>;
  /** Detached: its log file; attached: its recent lines; and who follows its output now (run:logs -t). */
  output?: { file?: RotatingLog; recent?: RecentLines; followers: Set<(line: string) => void> };
}

/** What the caller holds while its command runs: the signal to run it with, and end() when it ended. */
export interface RunHandle {
  name: string;
  logId: string;
  signal: AbortSignal;
  /** Detached runs: its output file (run:logs reads it) — set before the command starts. */
  attachOutput(file: RotatingLog): void;
  /** Attached runs: keep its recent output lines in memory for run:logs while it runs. */
  keepRecent(): void;
  /** One formatted output line, for its followers (a detached run's file has it already). */
  emit(line: string): void;
  end(): void;
}

export class OneOffRuns {
  private readonly inFlight = new Map<string, Tracked>();
  private count = 0;

  /** closing: aborted when the server stops; every run still going is stopped then. */
  constructor(private readonly closing: AbortSignal) {}

  /**
   * Track a command about to start. For a cron task, its policy first: `forbid` refuses while
   * another run of the same task goes on (Dokku's words, exit 1); `replace` stops those and waits
   * for their end. The check and the registration happen in one turn, so two runs never both pass.
   */
  async begin(app: AppName, command: string, options: BeginOptions): Promise<RunHandle> {
    const { cron } = options;
    if (cron?.policy === 'forbid' && this.ofTask(app, cron.id).length > 0) {
      throw new SlipwayError('E_CRON_LOCKED', `${app} currently has a cron lock in place for ${cron.id}. Exiting...`, 1);
    }
    if (cron?.policy === 'replace') {
      let running = this.ofTask(app, cron.id);
      if (running.length > 0) options.warn(`Replacing running container for ${cron.id}`);
      // Another run may have started while we waited: stop until none is left.
      while (running.length > 0) {
        for (const run of running) run.stop.abort();
        await Promise.all(running.map((run) => run.ended));
        running = this.ofTask(app, cron.id);
      }
    }
    const kind = cron ? 'cron' : 'run';
    const logId = `${kind}.${++this.count}`;
    const stop = new AbortController();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => { end = resolve; });
    const tracked: Tracked = {
      info: { name: `${app}.${logId}`, command, startedAt: new Date() },
      app, kind, logId, cronId: cron?.id, stop, ended,
      deadline: Date.now() + options.ttlSeconds * 1000,
    };
    this.inFlight.set(tracked.info.name, tracked);
    const timer = setTimeout(() => stop.abort(), Math.min(options.ttlSeconds * 1000, 2 ** 31 - 1));
    timer.unref();
    const onClose = () => stop.abort();
    this.closing.addEventListener('abort', onClose, { once: true });
    const signals = [stop.signal, ...(options.signal ? [options.signal] : [])];
    return {
      name: tracked.info.name,
      logId,
      signal: AbortSignal.any(signals),
      attachOutput(file) { tracked.output = { file, followers: new Set() }; },
      keepRecent() { tracked.output = { recent: new RecentLines(), followers: new Set() }; },
      emit(line) {
        tracked.output?.recent?.push(line);
        for (const follower of tracked.output?.followers ?? []) follower(line);
      },
      end: () => {
        clearTimeout(timer);
        this.closing.removeEventListener('abort', onClose);
        this.inFlight.delete(tracked.info.name);
        end();
      },
    };
  }

  /** run:list: the app's `run` commands (not cron tasks, as Dokku lists only run containers), oldest first. */
  list(app: AppName): OneOffRun[] {
    return this.ofApp(app, 'run').map((t) => t.info);
  }

  /** Is NAME one of the app's `run` commands running now? */
  has(app: AppName, name: string): boolean {
    return this.ofApp(app, 'run').some((t) => t.info.name === name);
  }

  /**
   * run:stop: stop the app's `run` commands (only NAME when given); resolves, once they ended,
   * to the names stopped.
   */
  async stop(app: AppName, name?: string): Promise<string[]> {
    const chosen = this.ofApp(app, 'run').filter((t) => name === undefined || t.info.name === name);
    for (const t of chosen) t.stop.abort();
    await Promise.all(chosen.map((t) => t.ended));
    return chosen.map((t) => t.info.name);
  }

  /** run:retire / ps:retire: stop the runs and cron tasks (of APP, or all) past their deadline, each named. */
  async retireExpired(app: AppName | undefined, each: (name: string) => void): Promise<string[]> {
    const now = Date.now();
    const expired = [...this.inFlight.values()].filter((t) => (app === undefined || t.app === app) && t.deadline <= now);
    for (const t of expired) {
      each(t.info.name);
      t.stop.abort();
    }
    await Promise.all(expired.map((t) => t.ended));
    return expired.map((t) => t.info.name);
  }

  /**
   * run:logs: the `run` commands of the app (or NAME) with their log file (detached) or their recent
   * lines (attached); `follow` subscribes to each one's new lines until it ends. A name not running is refused.
   */
  runOutputs(app: AppName, name: string | undefined): Array<{
    name: string; logId: string; file?: RotatingLog; recent?: readonly string[]; ended: Promise<void>; follow(line: (text: string) => void): () => void;
  }> {
    const chosen = this.ofApp(app, 'run').filter((t) => name === undefined || t.info.name === name);
    if (name !== undefined && chosen.length === 0) throw new SlipwayError('E_CONTAINER_NOT_FOUND', `No such container: ${name}`, 1);
    return chosen.map((t) => ({
      name: t.info.name,
      logId: t.logId,
      file: t.output?.file,
      recent: t.output?.recent?.lines,
      ended: t.ended,
      follow(line) {
        const followers = t.output?.followers;
        followers?.add(line);
        return () => followers?.delete(line);
      },
    }));
  }

  /** Server stop (closing aborted): resolves once every run ended, or after `limitMs` at most. */
  async settled(limitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => { timer = setTimeout(resolve, limitMs); });
    await Promise.race([Promise.all([...this.inFlight.values()].map((t) => t.ended)), limit]);
    clearTimeout(timer);
  }

  private ofApp(app: AppName, kind: 'run' | 'cron'): Tracked[] {
    return [...this.inFlight.values()].filter((t) => t.app === app && t.kind === kind);
  }

  private ofTask(app: AppName, id: string): Tracked[] {
    return [...this.inFlight.values()].filter((t) => t.app === app && t.cronId === id);
  }
}
