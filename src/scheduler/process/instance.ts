// One supervised process (`web.1`): `sh -c` of its Procfile line in its own process group, output
// to the log hub, restarted with exponential backoff when it exits, stopped by group.
import { spawn, type ChildProcess } from 'node:child_process';
import type { InstanceInfo, InstanceState } from '../types.js';
import { eachLine } from './lines.js';
import { signalGroup, stopGroup } from './groups.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A run longer than this counts as healthy: the next crash starts the backoff again. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 10_000 };

export interface InstanceOptions {
  type: string;
  index: number;
  command: string;
  cwd: string;
  env: Record<string, string>;
  host: string;
  port?: number;
  backoff?: Backoff;
  /** One line of output (or a supervisor note) for the log. */
  output(text: string): void;
  spawned(pid: number): void;
  exited(pid: number): void;
}

const RECENT = 20;

export class Instance {
  readonly id: string;
  private child?: ChildProcess;
  private state: InstanceState = 'starting';
  private exits = 0;
  private consecutive = 0;
  private lastExitCode?: number | null;
  private startedAt?: number;
  private restartTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private noRestart = false;
  private readonly recent: string[] = [];

  constructor(private readonly options: InstanceOptions) {
    this.id = `${options.type}.${options.index}`;
  }

  get port(): number | undefined { return this.options.port; }

  start(): void {
    const { command, cwd, env } = this.options;
    // detached: the child leads a new process group, so a stop reaches everything it started.
    const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = Date.now();
    this.state = 'running';
    const pid = child.pid;
    if (pid !== undefined) this.options.spawned(pid);
    eachLine(child.stdout!, (line) => this.line(line));
    eachLine(child.stderr!, (line) => this.line(line));
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      this.onExit(child, pid, code, signal);
    };
    child.once('error', (error) => {
      this.line(`[slipway] cannot start: ${error.message}`);
      // A failed spawn may never emit 'exit'.
      if (pid === undefined) finish(null, null);
    });
    child.once('exit', (code, signal) => finish(code, signal));
  }

  private line(text: string): void {
    this.recent.push(text);
    if (this.recent.length > RECENT) this.recent.shift();
    this.options.output(text);
  }

  private onExit(child: ChildProcess, pid: number | undefined, code: number | null, signal: NodeJS.Signals | null): void {
    if (pid !== undefined) {
      // The leader died on its own: anything it left in its group (a server it forked) goes too.
      // (A stop lets the group's other members finish their own graceful shutdown instead.)
      if (!this.stopping) signalGroup(pid, 'SIGKILL');
      this.options.exited(pid);
    }
    if (this.child !== child) return;
    this.child = undefined;
    if (this.stopping || this.noRestart) {
      this.state = 'stopped';
      return;
    }
    this.exits++;
    this.lastExitCode = code;
    this.state = 'crashed';
    const { initialMs, maxMs, resetAfterMs } = this.options.backoff ?? DEFAULT_BACKOFF;
    if (this.startedAt !== undefined && Date.now() - this.startedAt > resetAfterMs) this.consecutive = 0;
    const delay = Math.min(initialMs * 2 ** this.consecutive, maxMs);
    this.consecutive++;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    this.line(`[slipway] ${this.id} exited with ${how}; restarting in ${Math.round(delay / 100) / 10}s`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping && !this.noRestart) this.start();
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
    const child = this.child;
    if (!child || child.pid === undefined) {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    const closed = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    await stopGroup(child.pid, killAfterMs);
    await closed;
    this.state = 'stopped';
  }

  info(): InstanceInfo {
    return {
      id: this.id,
      type: this.options.type,
      index: this.options.index,
      state: this.state,
      pid: this.child?.pid,
      host: this.options.host,
      port: this.options.port,
      exits: this.exits,
      lastExitCode: this.lastExitCode,
      startedAt: this.startedAt === undefined ? undefined : new Date(this.startedAt).toISOString(),
      recentOutput: [...this.recent],
    };
  }
}
