// The contract between the git layer and the deploy pipeline: one push of one ref, and the
// platform object the server starts (runtime hooks for core commands, the deployer, commands).
import type { AppName } from '../names.js';
import type { Out } from '../log.js';
import type { AppRuntime } from '../services.js';
import type { CommandSet } from '../commands/registry.js';
import type { ReleaseRecord, Scale } from '../store/index.js';
import type { InstanceInfo, LogQuery, RunIO } from '../scheduler/types.js';

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
  pusher: { keyName: string; fingerprint: string };
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
   */
  deploy(push: PushRequest, out: Out, signal: AbortSignal): Promise<void>;
}

/** What `slipway serve` starts besides SSH: built by src/deploy/platform.ts. */
export interface Platform {
  runtime: AppRuntime;
  /** Set as services.platform so the ps/logs/run/… commands reach the running apps. */
  control: AppPlatform;
  deployer: PushDeployer;
  commandSets: CommandSet[];
  /** Lines for the start banner, e.g. `http: 127.0.0.1:8080 (proxy)`. */
  banner: string[];
  close(): Promise<void>;
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

/**
 * What the ps/logs/run/releases/domains commands ask of the running server (services.platform).
 * Every method that changes processes takes the app's deploy lock and fails fast when it is held.
 */
export interface AppPlatform {
  readonly scheduler: string;
  /** The port the proxy listens on (for `urls`). */
  readonly httpPort: number;
  start(app: AppName, out: Out, signal: AbortSignal): Promise<void>;
  stop(app: AppName, out: Out): Promise<void>;
  restart(app: AppName, out: Out, signal: AbortSignal): Promise<void>;
  /** Build the current release's revision again and deploy it. */
  rebuild(app: AppName, out: Out, signal: AbortSignal, keyName: string): Promise<void>;
  /** Set instance counts (only the types given) and apply them if the app runs. */
  scale(app: AppName, changes: Scale, out: Out, signal: AbortSignal): Promise<void>;
  /** Redeploy an older release's build (the previous deployed one when version is undefined). */
  rollback(app: AppName, version: number | undefined, out: Out, signal: AbortSignal, keyName: string): Promise<void>;
  status(app: AppName): Promise<AppStatus>;
  logs(app: AppName, query: LogQuery, write: (line: string) => void, signal: AbortSignal): Promise<void>;
  run(app: AppName, command: string, io: RunIO, signal: AbortSignal): Promise<number>;
  /** Domains changed: publish the app's route again with its new hostnames. */
  routesChanged(app: AppName): Promise<void>;
}
