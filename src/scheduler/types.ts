// The scheduler contract: an engine runs generations of an app's processes (one generation per
// release activation) plus one-off commands, and keeps their logs. Engines are picked by name.
import type { Readable, Writable } from 'node:stream';
import type { AppName } from '../names.js';
import type { Scale, Store } from '../store/index.js';
import type { RestartPolicy } from './restart-policy.js';

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
  /** Where the engine tells the deploy's output what it chose or saw; left out: nobody is told. */
  report?: StartReport;
  /** ps:set restart-policy; left out: the engine's own default. */
  restartPolicy?: RestartPolicy;
}

/** Output lines shown for each instance of a start that failed. */
export const FAILED_START_LINES = 20;

/** What an engine says while it starts a generation (the deployer prints it to the pusher). */
export interface StartReport {
  /** One line about a choice the engine made for the user (a fallback, say). */
  warn(line: string): void;
  /** The last output lines of an instance, when the start failed. */
  output(instance: string, lines: readonly string[]): void;
}

/** What an engine says while it publishes a release (the deployer prints it to the pusher). */
export interface PublishReport {
  /** A step (`-----> `). */
  info(line: string): void;
  /** A detail (`       `). */
  verbose(line: string): void;
  /** A ` !     ` line: something the user asked for did not happen, and the deploy goes on. */
  warn(line: string): void;
}

export type InstanceState = 'starting' | 'running' | 'crashed' | 'stopping' | 'stopped';

export interface InstanceInfo {
  /** `web.1`, `worker.2`: Dokku/Heroku dyno names. */
  id: string;
  type: string;
  index: number;
  state: InstanceState;
  pid?: number;
  /** What `enter --container-id` matches: the container id (docker-local), the pid (process). */
  containerId?: string;
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
  /**
   * Engines whose instances move on their own (docker-swarm: tasks rescheduled on another node)
   * call onChange when they did, so the proxy follows; returns the unsubscribe function.
   */
  watch?(onChange: () => void): () => void;
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
  /** Whose docker options a container gets: `run` (the default) or, for the release command, `deploy`. */
  phase?: 'deploy' | 'run';
  /** Its DYNO (`run.N`, `cron.N`: the N of its name APP.run.N, as Dokku's); the engine picks one when unset. */
  dyno?: string;
}

export interface Scheduler {
  readonly name: string;
  /**
   * After a build is recorded, before its release starts: hand the release to where the app's
   * settings say it goes (registry:set push-on-release). A failure fails the deploy. Engines that
   * publish on their own as they start (docker-swarm pushes every release) leave it out.
   */
  publish?(release: ReleaseArtifact, report: PublishReport): Promise<void>;
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
  /**
   * `enter`: run argv beside one running instance of a generation — in its container (docker-local),
   * or in its working directory with its environment (process); resolves to the exit code.
   */
  exec?(generation: Generation, instance: string, argv: readonly string[], io: RunIO, signal: AbortSignal): Promise<number>;
  /** Run a one-off command with the app's env; resolves to its exit code. */
  run(spec: OneOffSpec, io: RunIO, signal: AbortSignal): Promise<number>;
  /**
   * The generation passed its checks and the proxy is about to switch to it (Dokku's core-post-deploy):
   * docker-local joins its containers to the attach-post-deploy networks. A failure fails the deploy.
   */
  deployed?(generation: Generation, say: (line: string) => void): Promise<void>;
  /** The last `lines` output lines of one instance, fresh from the engine (shown when a start fails). */
  lastOutput?(generation: Generation, instance: string, lines: number): Promise<string[]>;
  /** Stop every generation of the app at once and forget it (killAfterMs: ps:set stop-timeout-seconds). */
  destroy(app: AppName, options?: { killAfterMs?: number }): Promise<void>;
  /**
   * Take over what a previous server left running for exactly this spec (same release, scale and
   * config): the same processes, supervised again. Undefined when there is nothing to adopt.
   */
  adopt?(spec: GenerationSpec): Promise<Generation | undefined>;
  /** Once every app was restored or adopted: stop what a previous server left and nothing adopted. */
  settle?(): Promise<void>;
  /** Stop every process of every app; desired state is left as it is. */
  close(): Promise<void>;
  /** Server stop: stop supervising, leave every app running for the next server to adopt. */
  detach(): Promise<void>;
}

export interface SchedulerContext {
  store: Store;
  /** Server log (not a user's terminal). */
  log: (line: string) => void;
}

/** A named way to run apps; the registry creates its Scheduler when the server (or an app) needs it. */
export interface SchedulerEngine {
  name: string;
  /** What the engine needs of the host, named when it does not answer (`Docker`). */
  readonly needs?: string;
  /** Only run apps that chose it with scheduler:set (`auto` never picks it: docker-swarm). */
  readonly explicitOnly?: boolean;
  /** Whether `auto` may pick this engine here (e.g. a Docker daemon answers). */
  available(ctx: SchedulerContext): Promise<boolean>;
  create(ctx: SchedulerContext): Promise<Scheduler>;
  /** The engine's own description of an app's processes (docker-local: container inspect documents). */
  inspect?(ctx: SchedulerContext, app: AppName): Promise<unknown[]>;
  /** The id of an image this engine can run (plugins' get_image_id); NotFoundError when there is none. */
  imageId?(ref: string): Promise<string>;
  /**
   * Remove what the engine still holds for a deleted app (stray containers, images, volumes):
   * a line saying what went, or undefined when nothing did or the engine does not answer.
   */
  removeApp?(app: AppName): Promise<string | undefined>;
  /**
   * `cleanup`: exited or dead containers this installation made that nothing runs any more, and
   * dangling images of the app (every app: undefined); a line per app saying what went.
   */
  cleanup?(store: Store, app: AppName | undefined): Promise<string[]>;
}
