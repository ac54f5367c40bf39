// One supervised process (`web.1`): `sh -c` of its Procfile line in its own session and process
// group, writing to its output file (so it outlives the server; src/os/spawn.ts's detached mode),
// restarted with exponential backoff when it exits, stopped by group. A process a previous server
// started is adopted: the same pid, watched through /proc, restarted like any other once it exits.
import fs from 'node:fs';
import { startDetached, type DetachedChild } from '../../os/spawn.js';
import type { InstanceInfo, InstanceState } from '../types.js';
import type { InstanceRecord } from '../../store/index.js';
import type { ProcessOutput } from '../../store/process-output.js';
import { LineSplitter, MAX_LINE } from '../../os/lines.js';
import { processAlive, processStartTime, signalGroup, stopGroup } from '../../os/process-group.js';
import { restartsAfter, type RestartPolicy } from '../restart-policy.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A run longer than this counts as healthy: the next crash starts the backoff again. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 10_000 };

/** How often output is read and an adopted process is looked at. */
const TICK_MS = 200;

export interface InstanceOptions {
  type: string;
  index: number;
  command: string;
  cwd: string;
  env: Record<string, string>;
  host: string;
  port?: number;
  backoff?: Backoff;
  /** ps:set restart-policy; without one, every exit is followed by a restart (with backoff). */
  restartPolicy?: RestartPolicy;
  /** The file the process writes to. */
  output: ProcessOutput;
  /** One line of output (or a supervisor note) for the log. */
  line(text: string): void;
  /** The instance's pid changed (spawned, adopted or exited): its record is saved again. */
  changed(): void;
}

/** One run of the process: spawned here (child) or adopted from a previous server. */
interface Run {
  pid: number;
  startTime: string;
  child?: DetachedChild;
  done: boolean;
}

/** The last lines remembered (shown when a start fails, and kept for logs:failed), bounded in count and size. */
const RECENT = 200;
const RECENT_BYTES = 256 * 1024;

export class Instance {
  readonly id: string;
  private current?: Run;
  private state: InstanceState = 'starting';
  private exits = 0;
  private consecutive = 0;
  private lastExitCode?: number | null;
  private startedAt?: number;
  private restartTimer?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private noRestart = false;
  private detached = false;
  private readonly recent: string[] = [];
  private recentBytes = 0;
  private readonly splitter = new LineSplitter(MAX_LINE);

  constructor(private readonly options: InstanceOptions) {
    this.id = `${options.type}.${options.index}`;
  }

  get port(): number | undefined { return this.options.port; }

  start(): void {
    const { command, cwd, env } = this.options;
    let child: DetachedChild;
    let fd: number;
    try {
      fd = this.options.output.openForWriter();
    } catch (error) {
      this.line(`[slipway] cannot open the output file: ${(error as Error).message}`);
      this.crashed(null, null);
      return;
    }
    try {
      // Its own session and group: the server's death or stop (SIGTERM, SIGINT from a terminal)
      // never reaches it, and a stop reaches all it started.
      child = startDetached({
        file: 'sh', args: ['-c', command], cwd, env, outputFd: fd,
        onError: (error) => this.line(`[slipway] ${error.message}`),
      });
    } finally {
      fs.closeSync(fd);
    }
    this.startedAt = Date.now();
    this.state = 'running';
    const pid = child.pid;
    if (pid === undefined) {
      void child.exited.then(({ startError }) => {
        this.line(`[slipway] cannot start: ${startError?.message ?? 'unknown error'}`);
        this.crashed(null, null);
      });
      return;
    }
    const run: Run = { pid, startTime: processStartTime(pid), child, done: false };
    this.current = run;
    void child.exited.then(({ code, signal }) => this.onExit(run, code, signal));
    this.watch();
    this.options.changed();
  }

  /** Take over a process a previous server started (it runs: the caller checked). */
  adopt(record: InstanceRecord & { pid: number }): void {
    this.current = { pid: record.pid, startTime: record.startTime ?? '', done: false };
    this.startedAt = record.startedAt ? Date.parse(record.startedAt) : Date.now();
    this.state = 'running';
    this.watch();
  }

  /** What the record of this instance says now. */
  record(): InstanceRecord {
    const run = this.current;
    return {
      id: this.id, type: this.options.type, index: this.options.index, port: this.options.port,
      pid: run?.pid, startTime: run?.startTime,
      startedAt: run && this.startedAt !== undefined ? new Date(this.startedAt).toISOString() : undefined,
    };
  }

  private watch(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  private tick(): void {
    this.pump();
    const run = this.current;
    // A child of ours says when it exits; an adopted process is not ours to wait for.
    if (run && !run.child && !run.done && !processAlive(run.pid, run.startTime)) this.onExit(run, null, null);
  }

  /** Read what the process wrote since the last look (also before `logs` reads the log files). */
  pump(): void {
    try {
      for (let text = this.options.output.read(); text; text = this.options.output.read()) {
        for (const line of this.splitter.push(text)) this.line(line);
      }
    } catch (error) {
      this.line(`[slipway] cannot read the output: ${(error as Error).message}`);
    }
  }

  private line(text: string): void {
    this.recent.push(text);
    this.recentBytes += text.length;
    while (this.recent.length > RECENT || (this.recentBytes > RECENT_BYTES && this.recent.length > 1)) {
      this.recentBytes -= (this.recent.shift() as string).length;
    }
    this.options.line(text);
  }

  private onExit(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    if (run.done || this.detached) return;
    run.done = true;
    this.pump();
    // The leader died on its own: anything it left in its group (a server it forked) goes too.
    // (A stop lets the group's other members finish their own graceful shutdown instead.)
    if (!this.stopping) signalGroup(run.pid, 'SIGKILL');
    if (this.current !== run) return;
    this.current = undefined;
    this.options.changed();
    if (this.stopping || this.noRestart) {
      this.state = 'stopped';
      return;
    }
    this.crashed(code, signal);
  }

  private crashed(code: number | null, signal: NodeJS.Signals | null): void {
    this.exits++;
    this.lastExitCode = code;
    this.state = 'crashed';
    const policy = this.options.restartPolicy;
    if (policy && !restartsAfter(policy, signal ? null : code, this.exits - 1)) {
      const how = signal ? `signal ${signal}` : code === null ? 'an unknown status' : `code ${code}`;
      this.line(`[slipway] ${this.id} exited with ${how}; not restarted (restart-policy ${describe(policy)})`);
      if (code === 0 && !signal) this.state = 'stopped';
      return;
    }
    const { initialMs, maxMs, resetAfterMs } = this.options.backoff ?? DEFAULT_BACKOFF;
    if (this.startedAt !== undefined && Date.now() - this.startedAt > resetAfterMs) this.consecutive = 0;
    const delay = Math.min(initialMs * 2 ** this.consecutive, maxMs);
    this.consecutive++;
    const how = signal ? `signal ${signal}` : code === null ? 'an unknown status' : `code ${code}`;
    this.line(`[slipway] ${this.id} exited with ${how}; restarting in ${Math.round(delay / 100) / 10}s`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping && !this.noRestart && !this.detached) this.start();
    }, delay);
  }

  /** Keep running but never restart again (a retiring generation). */
  retire(): void {
    this.noRestart = true;
  }

  stop(killAfterMs: number): Promise<void> {
    this.stopping ??= this.doStop(killAfterMs);
    return this.stopping;
  }

  private async doStop(killAfterMs: number): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const run = this.current;
    if (run && !run.done) {
      this.state = 'stopping';
      const closed = run.child?.exited;
      await stopGroup(run.pid, killAfterMs);
      await closed;
      this.onExit(run, null, null);
    }
    this.quiet();
    this.state = 'stopped';
  }

  /** Stop supervising and leave the process running (the server stops; the next one adopts it). */
  detach(): void {
    this.quiet();
    this.detached = true;
  }

  private quiet(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.pump();
    for (const line of this.splitter.flush()) this.line(line);
    this.options.output.close();
  }

  /** Where and with what environment the process runs (`enter` runs its commands the same way). */
  get workdir(): { cwd: string; env: Record<string, string> } {
    return { cwd: this.options.cwd, env: this.options.env };
  }

  info(): InstanceInfo {
    return {
      id: this.id,
      type: this.options.type,
      index: this.options.index,
      state: this.state,
      pid: this.current?.pid,
      containerId: this.current?.pid === undefined ? undefined : String(this.current.pid),
      host: this.options.host,
      port: this.options.port,
      exits: this.exits,
      lastExitCode: this.lastExitCode,
      startedAt: this.startedAt === undefined ? undefined : new Date(this.startedAt).toISOString(),
      recentOutput: [...this.recent],
    };
  }
}

function describe(policy: RestartPolicy): string {
  return policy.kind === 'on-failure' ? `on-failure${policy.max ? `:${policy.max}` : ''}` : policy.kind;
}
