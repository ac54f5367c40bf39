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
  /** Shared cache for package managers (npm's cache lives here). */
  cacheDir: string;
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
  detect(dir: string): Promise<boolean>;
  /** Why this builder cannot run on this host right now (no Docker, say); undefined when it can. */
  unavailable?(): Promise<string | undefined>;
  build(ctx: BuildContext): Promise<BuildResult>;
}
