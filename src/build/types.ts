// The builder contract: turn an extracted source tree into something a scheduler can run (process
// types, a static site, or an image). Builders are picked by name or by detection (registry.ts).
import type { AppName } from '../names.js';
import type { Out } from '../log.js';

export interface BuildContext {
  app: AppName;
  version: number;
  /** The release's build directory, holding the pushed tree; native builds happen in place. */
  dir: string;
  /** The app's config (global ENV then app ENV), visible to build commands. */
  env: Record<string, string>;
  /** The app's cache for package managers (npm's cache lives here); repo:purge-cache empties it. */
  cacheDir: string;
  /** The app's build-phase docker options (docker-options:add APP build …), as stored. */
  dockerOptions?: readonly string[];
  /** Where the Procfile is in the tree (ps:set procfile-path): relative, checked; `Procfile` when left out. */
  procfilePath?: string;
  /** resource:limit --process-type build: what a Dockerfile build may use (the native builder ignores it). */
  limits?: { memoryBytes?: number; memorySwapBytes?: number };
  out: Out;
  signal: AbortSignal;
}

export interface BuildResult {
  /** Registry name of the builder that ran. */
  builder: string;
  /** What it detected: `node`, `procfile`, `static`, `dockerfile`… */
  kind: string;
  /** Procfile process types (type → command line); empty for a static site. */
  processTypes: Record<string, string>;
  /** Serve the build directory as files through the proxy; no processes. */
  static: boolean;
  /** Image reference, for builders that produce one. */
  image?: string;
}

export interface Builder {
  readonly name: string;
  /** Whether this builder can build the tree (e.g. a Dockerfile exists). */
  /** hints.procfilePath: where the app's Procfile is (ps:set procfile-path), `Procfile` when left out. */
  detect(dir: string, hints?: DetectHints): Promise<boolean>;
  /** Why this builder cannot run on this host right now (no Docker, say); undefined when it can. */
  unavailable?(): Promise<string | undefined>;
  build(ctx: BuildContext): Promise<BuildResult>;
  /**
   * A deploy failed: drop the build's leftovers (dockerfile: the app's dangling stage and step
   * images), and the artifact of `build` too when it never became a release. Quiet without an engine.
   */
  discard?(app: AppName, build: number | undefined): Promise<void>;
  /**
   * A release was deployed (its processes serve): make its artifact the app's current one
   * (dockerfile: tag `latest`) and drop the artifacts of builds no longer kept, never one that
   * runs. Returns what was removed, for the deploy's output. Quiet without an engine.
   */
  released?(app: AppName, release: { image?: string }, kept: (build: number) => Promise<boolean>): Promise<string[]>;
  /**
   * repo:purge-cache: drop what this builder keeps between the app's builds outside its release
   * artifacts (dockerfile: the app's untagged stage and step images no running container uses).
   * Returns how many things went; 0 without an engine.
   */
  purgeCache?(app: AppName): Promise<number>;
  /** apps:rename: move the artifacts to the new name; returns old → new references (release records follow). */
  renamed?(from: AppName, to: AppName): Promise<Record<string, string>>;
}

export interface DetectHints { procfilePath?: string }
