// The scheduler contract: an engine runs generations of an app's processes (one generation per
// release activation) plus one-off commands, and keeps their logs. Engines are picked by name.
import type { Readable, Writable } from 'node:stream';
import type { AppName } from '../names.js';
import type { Scale } from '../store/index.js';

/** What an engine needs to run one release. */
export interface ReleaseArtifact {
  app: AppName;
  version: number;
  /** The release's build directory (the process engine runs commands in it). */
  dir: string;
  /** Image reference, for engines that run images (docker-local). */
  image?: string;
  /** Procfile process types: type → command line. */
  processTypes: Record<string, string>;
}

export interface GenerationSpec {
  release: ReleaseArtifact;
  /** Instances per process type; types absent or 0 do not run. */
  scale: Scale;
  /** The app's config, global ENV then app ENV; engines add PORT, DYNO and their own basics. */
  env: Record<string, string>;
}

export type InstanceState = 'starting' | 'running' | 'crashed' | 'stopping' | 'stopped';

export interface InstanceInfo {
  /** `web.1`, `worker.2`: Dokku/Heroku dyno names. */
  id: string;
  type: string;
  index: number;
  state: InstanceState;
  pid?: number;
  /** Where the proxy reaches a web instance. */
  host: string;
  port?: number;
  /** How many times the instance exited unexpectedly (a health check fails on any). */
  exits: number;
  lastExitCode?: number | null;
  startedAt?: string;
  /** The last few output lines, shown when a deploy fails. */
  recentOutput: readonly string[];
}

/** One set of running processes of one release. Replaced as a whole on deploy/restart/scale. */
export interface Generation {
  readonly id: string;
  readonly app: AppName;
  readonly version: number;
  readonly scale: Scale;
  instances(): InstanceInfo[];
}

export interface LogQuery {
  /** Lines of history first (default 100). */
  lines: number;
  /** Keep streaming new lines until the signal aborts. */
  follow: boolean;
  /** Only this process type (`web`) or instance (`web.1`). */
  type?: string;
}

export interface RunIO { stdin?: Readable; stdout: Writable; stderr: Writable }

export interface OneOffSpec {
  release: ReleaseArtifact;
  env: Record<string, string>;
  /** The command line, run by `sh -c` in the release (it is the app's own code). */
  command: string;
}

export interface Scheduler {
  readonly name: string;
  /** Start a generation beside any running one; resolves once its processes were spawned. */
  start(spec: GenerationSpec): Promise<Generation>;
  /**
   * Stop a generation: no more restarts, then a graceful stop (SIGTERM, then SIGKILL after
   * killAfterMs). With graceMs the processes keep serving in-flight requests that long first.
   */
  stop(generation: Generation, options?: { graceMs?: number; killAfterMs?: number }): Promise<void>;
  /** Generations of an app whose processes are not all gone yet (serving, starting or retiring). */
  generations(app: AppName): Generation[];
  /** Write log lines (`TIME app[web.1]: text`) to write; with follow, until signal aborts. */
  logs(app: AppName, query: LogQuery, write: (line: string) => void, signal: AbortSignal): Promise<void>;
  /** Run a one-off command with the app's env; resolves to its exit code. */
  run(spec: OneOffSpec, io: RunIO, signal: AbortSignal): Promise<number>;
  /** Stop every generation of the app at once and forget it. */
  destroy(app: AppName): Promise<void>;
  /** Stop every process of every app (server shutdown); desired state is left as it is. */
  close(): Promise<void>;
}
