// The contract between the git layer and the deploy pipeline: one push of one ref, and the
// platform object the server starts (runtime hooks for core commands, the deployer, commands).
import type { AppName } from '../names.js';
import type { Out } from '../log.js';
import type { AppRuntime } from '../services.js';
import type { CommandSet } from '../commands/registry.js';

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
  deployer: PushDeployer;
  commandSets: CommandSet[];
  /** Lines for the start banner, e.g. `http: 127.0.0.1:8080 (proxy)`. */
  banner: string[];
  close(): Promise<void>;
}
