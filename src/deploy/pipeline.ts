// The deploy pipeline: lock → extract the pushed tree → build → record the release → activate
// (start, check, switch, retire) → prune old builds. Rollback and rebuild share the same path.
import type { Services } from '../services.js';
import type { AppName } from '../names.js';
import type { Out } from '../log.js';
import type { ReleaseRecord } from '../store/index.js';
import type { PushDeployer, PushRequest } from './types.js';
import type { BuilderRegistry } from '../build/registry.js';
import type { AppController } from './controller.js';
import { log } from '../log.js';
import { DeployFailed, SlipwayError } from '../errors.js';
import { extractRevision } from './extract.js';
import { appConfig, configDigest } from './app-env.js';
import { fire } from './triggers.js';
import { withDeployLock } from './locks.js';
import { appUrls } from './routes.js';
import { lineSink } from './line-sink.js';
import { RELEASE_TYPE } from './controller.js';
import { GLOBAL } from '../store/index.js';

/** Build directories kept per app (the current release's is always kept too). */
export const KEEP_BUILDS = 5;

interface Source { app: AppName; rev: string; repoDir: string; gitEnv: Record<string, string>; keyName: string }

/** Anything thrown inside a deploy becomes one clear DeployFailed line for the pusher. */
function asDeployFailed(error: unknown, serverLog: (line: string) => void): DeployFailed {
  if (error instanceof DeployFailed) return error;
  if (error instanceof SlipwayError) return new DeployFailed(error.message, { cause: error });
  serverLog(`deploy failed unexpectedly: ${error instanceof Error ? error.stack : String(error)}`);
  return new DeployFailed(`Deploy failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export class DeployPipeline implements PushDeployer {
  constructor(
    private readonly services: Services,
    private readonly controller: AppController,
    private readonly builders: BuilderRegistry,
    private readonly httpPort: () => number,
    private readonly serverLog: (line: string) => void,
  ) {}

  private get store() { return this.services.store; }

  async deploy(push: PushRequest, out: Out, signal: AbortSignal): Promise<void> {
    if (/^0+$/.test(push.newRev)) {
      log.info1(out, `${push.ref} deleted: nothing to deploy`);
      return;
    }
    await this.store.apps.require(push.app);
    await withDeployLock(this.store, push.app, async () => {
      await push.checkRef?.();
      await this.buildAndRelease({
        app: push.app, rev: push.newRev, repoDir: push.repoDir, gitEnv: push.gitEnv, keyName: push.pusher.keyName,
      }, out, signal);
    }, { holdUntil: push.landed });
  }

  /** ps:rebuild: build the current release's revision again from the app's repo. */
  async rebuild(app: AppName, out: Out, signal: AbortSignal, keyName: string): Promise<void> {
    await this.store.apps.require(app);
    const current = await this.store.releases.current(app);
    if (!current) throw new SlipwayError('E_NOT_DEPLOYED', `App ${app} has not been deployed`, 1);
    const repoDir = this.store.layout.appDir(app);
    await withDeployLock(this.store, app, () => this.buildAndRelease({ app, rev: current.rev, repoDir, gitEnv: {}, keyName }, out, signal));
  }

  private async buildAndRelease(source: Source, out: Out, signal: AbortSignal): Promise<void> {
    const { app, rev } = source;
    const { version, dir } = await this.store.releases.reserve(app);
    let recorded = false;
    try {
      log.info1(out, `Extracting ${app} at ${rev.slice(0, 7)} into release v${version}`);
      await extractRevision({ repoDir: source.repoDir, rev, gitEnv: source.gitEnv, dest: dir, signal });
      const env = await appConfig(this.store, app);
      const selected = (await this.store.properties.get('builder', app, 'selected')) || (await this.store.properties.get('builder', GLOBAL, 'selected'));
      const builder = await this.builders.select(dir, selected, out);
      const scope = { plugins: this.services.plugins, out, signal, keyName: source.keyName };
      // Dokku's pre-receive-app: APP IMAGE_SOURCE_TYPE TMP_WORK_DIR REV, once the tree is readable.
      await fire(scope, 'pre-receive-app', [app, builder.name, dir, rev]);
      log.info1(out, `Building ${app} with the ${builder.name} builder`);
      await fire(scope, 'pre-build', [app, builder.name, dir]);
      const cacheDir = this.store.layout.buildCacheDir();
      const result = await builder.build({ app, version, dir, env, cacheDir, out, signal });
      await fire(scope, 'post-build', [app, builder.name, dir]);
      const release: ReleaseRecord = {
        version, rev, createdAt: new Date().toISOString(), configDigest: configDigest(env), pusher: source.keyName,
        builder: result.builder, kind: result.kind, processTypes: result.processTypes, static: result.static,
        image: result.image, build: version, status: 'built',
      };
      log.info1(out, `Releasing ${app} v${version} (${result.kind}${result.static ? '' : `: ${Object.keys(result.processTypes).join(', ')}`})`);
      await this.store.releases.record(app, release);
      recorded = true;
      await this.releasePhase(app, release, env, out, signal);
      await this.activateRelease(app, release, out, signal, source.keyName);
    } catch (error) {
      if (recorded) await this.store.releases.setStatus(app, version, 'failed');
      else await this.store.releases.discard(app, version);
      throw asDeployFailed(error, this.serverLog);
    }
  }

  /** Redeploy an older release's build as a new release, without building. */
  async rollback(app: AppName, version: number | undefined, out: Out, signal: AbortSignal, keyName: string): Promise<void> {
    await this.store.apps.require(app);
    await withDeployLock(this.store, app, async () => {
      const releases = await this.store.releases.list(app);
      const current = await this.store.releases.current(app);
      const target = version !== undefined
        ? releases.find((r) => r.version === version)
        : [...releases].reverse().find((r) => r.status === 'deployed' && current && r.version < current.version && r.build !== current.build);
      if (!target) {
        throw new SlipwayError('E_RELEASE_NOT_FOUND', version !== undefined ? `Release v${version} of ${app} does not exist` : `${app} has no earlier release to roll back to`, 1);
      }
      if (!(await this.store.releases.hasBuild(app, target))) {
        throw new SlipwayError('E_RELEASE_PRUNED', `The build of v${target.version} of ${app} was pruned; push that revision again instead`, 1);
      }
      const env = await appConfig(this.store, app);
      const next = await this.store.releases.nextVersion(app);
      const release: ReleaseRecord = {
        ...target, version: next, createdAt: new Date().toISOString(), configDigest: configDigest(env), pusher: keyName,
        note: `rollback to v${target.version}`, status: 'built',
      };
      log.info1(out, `Rolling back ${app} to v${target.version} (${target.rev.slice(0, 7)}) as v${next}`);
      await this.store.releases.record(app, release);
      try {
        await this.activateRelease(app, release, out, signal, keyName);
      } catch (error) {
        await this.store.releases.setStatus(app, next, 'failed');
        throw asDeployFailed(error, this.serverLog);
      }
    });
  }

  /** Procfile `release:` runs once per newly built release, before its processes start. */
  private async releasePhase(app: AppName, release: ReleaseRecord, env: Record<string, string>, out: Out, signal: AbortSignal): Promise<void> {
    const command = release.processTypes[RELEASE_TYPE];
    if (command === undefined) return;
    log.info1(out, `Running the release command: ${command}`);
    const lines = lineSink((line) => log.verbose(out, line));
    const artifact = this.controller.artifact(app, release);
    const code = await this.controller.scheduler.run({ release: artifact, env, command }, { stdout: lines, stderr: lines }, signal);
    lines.end();
    if (code !== 0) throw new DeployFailed(`The release command failed (exit ${code})`);
  }

  private async activateRelease(app: AppName, release: ReleaseRecord, out: Out, signal: AbortSignal, keyName: string): Promise<void> {
    await this.controller.activate(app, release, { out, signal, keyName });
    await this.store.ps.setRestore(app, true);
    await this.store.releases.setStatus(app, release.version, 'deployed');
    const pruned = await this.store.releases.pruneBuilds(app, KEEP_BUILDS);
    if (pruned.length) log.verbose(out, `Removed old builds: ${pruned.map((v) => `v${v}`).join(', ')}`);
    log.info2(out, 'Application deployed:');
    for (const url of appUrls(await this.controller.routes.hostnames(app), this.httpPort())) log.verbose(out, url);
  }
}
