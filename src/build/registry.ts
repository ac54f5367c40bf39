// Builders by name: `native` and `dockerfile`. An app may pin one with the
// `builder` property `selected` (Dokku's builder:set); otherwise the first that detects wins.
import type { Builder, DetectHints } from './types.js';
import { DeployFailed } from '../errors.js';
import { nativeBuilder } from './native.js';
import { dockerfileBuilder } from './dockerfile.js';
import type { Out } from '../log.js';
import { log } from '../log.js';

export class BuilderRegistry {
  private readonly builders: Builder[] = [];

  /** Earlier registrations are tried first by detection. */
  register(builder: Builder): void {
    if (this.builders.some((b) => b.name === builder.name)) throw new Error(`builder ${builder.name} registered twice`);
    this.builders.push(builder);
  }

  names(): string[] {
    return this.builders.map((b) => b.name);
  }

  find(name: string): Builder | undefined {
    return this.builders.find((b) => b.name === name);
  }

  all(): readonly Builder[] {
    return this.builders;
  }

  /** With `out`, a builder that detects the tree but cannot run here is skipped, saying why. */
  async select(dir: string, selected?: string, out?: Out, hints?: DetectHints): Promise<Builder> {
    if (selected) {
      const builder = this.builders.find((b) => b.name === selected);
      if (!builder) throw new DeployFailed(`Builder ${selected} is not available (available: ${this.names().join(', ')})`);
      const why = await builder.unavailable?.();
      if (why !== undefined) throw new DeployFailed(`Builder ${selected} was selected for this app, but ${why}`);
      return builder;
    }
    for (const builder of this.builders) {
      if (!(await builder.detect(dir, hints))) continue;
      const why = await builder.unavailable?.();
      if (why === undefined) return builder;
      if (out) log.warn(out, `${builder.name} builder detected, but ${why}: trying the other builders`);
    }
    throw new DeployFailed('Unable to select a builder: add a Procfile, a package.json or an index.html');
  }
}

/** The builders this build ships, `dockerfile` first so a Dockerfile wins detection. */
export function defaultBuilders(): BuilderRegistry {
  const registry = new BuilderRegistry();
  registry.register(dockerfileBuilder());
  registry.register(nativeBuilder);
  return registry;
}
