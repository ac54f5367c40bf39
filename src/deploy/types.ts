// The contract between the git layer and the deploy pipeline: one push of one ref, and the
// platform the server starts (AppPlatform for the commands, the deployer for the git layer).
import type { NginxProxy } from '../proxy/nginx/index.js';
import type { AppName } from '../names.js';
import type { Out } from '../log.js';
import type { ReleaseRecord, Scale } from '../store/index.js';
import type { InstanceInfo, LogQuery, RunIO } from '../scheduler/types.js';
import type { Identity, RequestContext } from '../request-context.js';
import type { CancelOutcome } from './builds.js';
import type { ActivityListener } from './activity.js';

export interface PushRequest {
  app: AppName;
  /** Full ref name, e.g. refs/heads/main. */
  ref: string;
  oldRev: string;
  newRev: string;
  /** The bare repo ($DOKKU_ROOT/APP). */
  repoDir: string;
  /**
   * Variables git gave the pre-receive hook (GIT_QUARANTINE_PATH, GIT_OBJECT_DIRECTORY,
   * GIT_ALTERNATE_OBJECT_DIRECTORIES): without them the pushed objects cannot be read yet.
   */
  gitEnv: Record<string, string>;
  /** Who pushed: the deploy's triggers see their SSH_USER and SSH_NAME; the release records the key's name. */
  pusher: Identity;
  /**
   * Called under the deploy lock before anything is built: throws when the ref is no longer at
   * oldRev (another push landed since this one was advertised), so git would refuse it anyway.
   */
  checkRef?: () => Promise<void>;
  /** Settles when git is done updating refs; a successful deploy keeps the deploy lock until then. */
  landed?: Promise<unknown>;
}

export interface PushDeployer {
  /**
   * Build, release and start `newRev`; resolves when the new release serves. Rejects with a
   * SlipwayError (DeployFailed, deploy lock held, …) and the push is then refused.
   * All progress goes to out as Dokku-style lines; they reach the pusher as `remote:` lines.
   * signal: the pusher left; the deploy stops, its release is marked failed, the old one keeps serving.
   */
  deploy(push: PushRequest, out: Out, signal: AbortSignal): Promise<void>;
}

/** What `slipway serve` starts besides SSH: built by src/deploy/platform.ts. */
export interface Platform {
  /** Given to boot() as services.platform, so core commands reach the running apps. */
  control: AppPlatform;
  deployer: PushDeployer;
  /** Lines for the start banner, e.g. `http: 127.0.0.1:8080 (proxy)`. */
  banner: string[];
  /** Stop serving; the apps stop too unless keepApps (a server stop: the next server adopts them). */
  close(options?: { keepApps?: boolean }): Promise<void>;
}

/** An app's state as ps:report and tests see it. */
export interface AppStatus {
  /** The release that should be serving, if the app was ever deployed. */
  release?: ReleaseRecord;
  /** Processes (or the static site) are serving; false after ps:stop or before a deploy. */
  running: boolean;
  static: boolean;
  instances: InstanceInfo[];
  /** Older generations still finishing their grace period after a switch. */
  retiring: number;
}

/** app.json's cron `concurrency_policy` (Dokku's words): run beside, refuse, or stop the running one. */
export type ConcurrencyPolicy = 'allow' | 'forbid' | 'replace';

/** A run of an app.json cron task (`cron:run`, or the schedule): its id and concurrency_policy. */
export interface CronRun { id: string; policy: ConcurrencyPolicy }

/** How one one-off command runs (deploy/one-off-runs.ts). */
export interface OneOffOptions {
  /** `run -e KEY=VALUE`: variables over the app's config, for this one command only. */
  env?: Record<string, string>;
  /** Dokku's --ttl-seconds: stopped once it ran this long (default a day). */
  ttlSeconds?: number;
  /** A run of an app.json cron task: named APP.cron.N, its concurrency_policy applied first. */
  cron?: CronRun;
  /** Where the `replace` policy's warning goes (default: the caller's stderr, or the server log). */
  warn?(text: string): void;
}

/** One running `run` command, as run:list shows it. */
export interface OneOffRun {
  /** APP.run.N, like Dokku's run container names. */
  name: string;
  command: string;
  startedAt: Date;
}

/**
 * What core commands ask of the running server (services.platform): ps/logs/run/releases/domains,
 * and the apps and config commands telling it what changed. Every method that changes processes
 * takes the app's deploy lock and fails fast when it is held. `request` is the command's (an
 * Invocation is one): the triggers fired see its identity, and its signal stops the work where
 * stopping is safe (a new generation still starting is stopped, the serving one stays).
 */
export interface AppPlatform {
  readonly scheduler: string;
  /** The port the proxy listens on (for `urls`). */
  readonly httpPort: number;
  /** The proxy's HTTPS port; undefined when SLIPWAY_HTTPS_LISTEN is off. */
  readonly httpsPort?: number;
  start(app: AppName, out: Out, request: RequestContext): Promise<void>;
  /** Never stopped half-way: the caller leaving does not interrupt it. */
  stop(app: AppName, out: Out, request: RequestContext): Promise<void>;
  restart(app: AppName, out: Out, request: RequestContext): Promise<void>;
  /** Build the current release's revision again and deploy it. */
  rebuild(app: AppName, out: Out, request: RequestContext): Promise<void>;
  /** Build a revision that is in the app's repo and deploy it (apps:clone deploys the old app's). */
  deployRevision(app: AppName, rev: string, out: Out, request: RequestContext): Promise<void>;
  /** Set instance counts (only the types given) and apply them if the app runs. */
  scale(app: AppName, changes: Scale, out: Out, request: RequestContext): Promise<void>;
  /** `deploy APP [TAG]`: the current release again (started, checked, switched), or another release's build by its tag. */
  deployTag(app: AppName, tag: string | undefined, schedulerName: string, out: Out, request: RequestContext): Promise<void>;
  /** Redeploy an older release's build (the previous deployed one when version is undefined). */
  rollback(app: AppName, version: number | undefined, out: Out, request: RequestContext): Promise<void>;
  status(app: AppName): Promise<AppStatus>;
  logs(app: AppName, query: LogQuery, write: (line: string) => void, signal: AbortSignal): Promise<void>;
  /** `run APP WORDS…`: a Procfile entry, one command line, or words passed exactly (deploy/one-off-command.ts). */
  run(app: AppName, words: readonly string[], io: RunIO, signal: AbortSignal, options?: OneOffOptions): Promise<number>;
  /** run:detached: started in the background (stopped after ttlSeconds); resolves to its name, APP.run.N. */
  runDetached(app: AppName, words: readonly string[], options?: OneOffOptions): Promise<string>;
  /** ps:retire: stop stray generations; says what it stopped. */
  retire(app: AppName | undefined): Promise<string[]>;
  /** run:retire and ps:retire: stop run and cron commands (of APP, or all) past their --ttl-seconds, each named. */
  retireRuns(app: AppName | undefined, each: (name: string) => void): Promise<string[]>;
  /** run:stop: stop the app's `run` commands (or NAME); resolves to the names stopped once they ended. */
  stopRuns(app: AppName, name?: string): Promise<string[]>;
  /** run:logs: the detached `run` commands' output (of the app, or NAME), following it with `follow`. */
  runLogs(app: AppName, name: string | undefined, query: { lines: number; follow: boolean }, write: (line: string) => void, signal: AbortSignal): Promise<void>;
  /** enter: argv (no shell) beside the running instance TYPE.N of the app; resolves to its exit code. */
  enter(app: AppName, instance: string, argv: readonly string[], io: RunIO, signal: AbortSignal): Promise<number>;
  /** run:list: the app's one-off commands running now (started by `run` on this server), oldest first. */
  runs(app: AppName): OneOffRun[];
  /** Domains changed: publish the app's route again with its new hostnames. */
  routesChanged(app: AppName): Promise<void>;
  /** proxy:clear-config: the app's route off its proxy (nginx: its nginx.conf removed) until it is published again. */
  routesCleared(app: AppName): Promise<void>;
  /** Config changed: restart the app's processes so they see it; nothing when it does not run. */
  configChanged(app: AppName, out: Out, request: RequestContext): Promise<void>;
  /** The app is being destroyed: stop and remove every process, container and route of it. */
  destroy(app: AppName, out: Out): Promise<void>;
  /** The app was renamed: move routes and processes to the new name (never stopped half-way). */
  renamed(from: AppName, to: AppName, out: Out, request: RequestContext): Promise<void>;
  /** Stop the app's running build (its processes' groups) and mark it canceled; resolves once it ended. */
  cancelBuild(app: AppName): Promise<CancelOutcome>;
  /** checks:run: the deploy checks against the app's serving processes (all, or TYPE / TYPE.N). */
  runChecks(app: AppName, selectors: string[] | undefined, out: Out, request: RequestContext): Promise<void>;
  /** nginx:validate-config APP: the app's nginx.conf checked alone (in a plugin's validate-config wrapper if one answers); undefined without one. */
  nginxCheckApp(app: AppName): Promise<{ text: string; check: { ok: boolean; message: string } } | undefined>;
  /** The nginx behind proxy type nginx (nginx:* commands: check, reload, paths). */
  readonly nginx: NginxProxy;
  /** Hear every app's build starts and ends and process/release changes (src/deploy/activity.ts); returns the stop function. */
  onActivity(listener: ActivityListener): () => void;
}
