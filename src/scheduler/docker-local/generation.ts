// One generation of docker-local containers and what the scheduler last learned about each:
// the engine is asked in the background (see engine.ts), so instances() stays synchronous.
import type { Readable } from 'node:stream';
import type { ContainerState, LogLine } from '../../docker/index.js';
import type { AppName } from '../../names.js';
import type { Scale } from '../../store/index.js';
import type { Generation, InstanceInfo, InstanceState } from '../types.js';

const RECENT = 20;

export interface InstancePlan {
  type: string;
  index: number;
  /** `web.1` */
  dyno: string;
  /** Where the proxy reaches it (web only): 127.0.0.1 and a port from the pool. */
  host: string;
  port?: number;
}

export class DockerInstance {
  containerId?: string;
  name?: string;
  /** The last inspect; undefined until the container was created and looked at. */
  state?: ContainerState;
  /** Docker's status text at the last look (`Up 3 seconds (healthy)`): a change means look again. */
  statusText = '';
  gone = false;
  private lastExit?: number;
  follower?: Readable & AsyncIterable<LogLine>;
  private readonly recent: string[] = [];

  constructor(readonly plan: InstancePlan) {}

  get id(): string { return this.plan.dyno; }

  remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  info(stopping: boolean): InstanceInfo {
    const s = this.state;
    const exited = s !== undefined && !s.running && (s.status === 'exited' || s.status === 'dead');
    // Docker restarts a crashed container itself (on-failure): each restart is one unexpected exit.
    const exits = (s?.restartCount ?? 0) + (exited && !stopping ? 1 : 0) + (this.gone && !stopping ? 1 : 0);
    // Once Docker restarted it, the engine reports exit code 0 again: keep the last one seen.
    if (s !== undefined && s.exitCode !== 0) this.lastExit = s.exitCode;
    return {
      id: this.plan.dyno,
      type: this.plan.type,
      index: this.plan.index,
      state: instanceState(s, stopping, this.gone),
      pid: s?.pid,
      containerId: this.containerId,
      host: this.plan.host,
      port: this.plan.port,
      exits,
      // Running again after a restart, the engine no longer knows the code: left out, not 0.
      lastExitCode: exits > 0 ? this.lastExit ?? (s?.running ? undefined : s?.exitCode ?? null) : undefined,
      startedAt: s?.startedAt && !s.startedAt.startsWith('0001-') ? s.startedAt : undefined,
      recentOutput: [...this.recent],
    };
  }
}

function instanceState(s: ContainerState | undefined, stopping: boolean, gone: boolean): InstanceState {
  if (stopping) return s?.running ? 'stopping' : 'stopped';
  if (gone) return 'crashed';
  if (s === undefined || s.status === 'created') return 'starting';
  if (s.status === 'restarting' || s.status === 'exited' || s.status === 'dead') return 'crashed';
  if (s.health === 'starting') return 'starting';
  return s.running ? 'running' : 'stopped';
}

export class DockerGeneration implements Generation {
  stopping?: Promise<void>;

  constructor(
    readonly id: string,
    readonly app: AppName,
    readonly version: number,
    readonly scale: Scale,
    readonly image: string,
    readonly members: DockerInstance[],
  ) {}

  instances(): InstanceInfo[] {
    return this.members.map((m) => m.info(this.stopping !== undefined));
  }
}
