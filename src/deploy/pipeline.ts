// The deploy pipeline: lock → extract the pushed tree → build → record the release → publish it
// (push-on-release) → activate (start, check, switch, retire) → prune old builds. Rollback and
// rebuild share the same path; a failed deploy drops its build's leftovers, and apps:rename moves
// the builders' artifacts.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CoreServices } from '../services.js';
import type { AppName } from '../names.js';
import type { Out } from '../log.js';
import type { ReleaseRecord } from '../store/index.js';
import type { PushDeployer, PushRequest } from './types.js';
import type { RequestContext } from '../request-context.js';
import type { BuilderRegistry } from '../build/registry.js';
import type { Builder } from '../build/types.js';
import type { AppController } from './controller.js';
import { log } from '../log.js';
import { DeployFailed, SlipwayError } from '../errors.js';
import { applyBuildDir, applyDockerfilePath } from './source-layout.js';
import { extractRevision } from './extract.js';
import { appConfig, configDigest } from './app-env.js';
import { fire } from './triggers.js';
import { buildResources } from '../scheduler/resources.js';
import { withDeployLock } from './locks.js';
import { appUrls } from './routes.js';
import { imageTag } from './image-tag.js';
import { lineSink } from '../os/lines.js';
import { RELEASE_TYPE } from './controller.js';
import type { BuildTracker } from './builds.js';
import { deployBranchOf, keepGitDir, recordRevision, revEnvVar } from './git-rev.js';
import { addGitDir } from './git-dir.js';
import { DEFAULT_PROCFILE_PATH, procfilePath } from './ps-settings.js';
import { appJsonPath, parseAppJson } from './app-json.js';
import { checkCronEntries } from './cron-schedule.js';
import { readNginxTemplate, recordNginxTemplate } from './nginx-template.js';
import { templateDeprecations } from '../proxy/nginx/index.js';
import { unlessMissing } from '../os/missing.js';
import { APP_JSON } from './checks.js';
import { publishReport } from './start-report.js';

/** Dokku's DOKKU_IMAGE (the herokuish base image), told to the builder-*-dokku-image triggers. */
export function dokkuImage(env: Record<string, string>): string {
  return env.DOKKU_IMAGE || process.env.DOKKU_IMAGE || 'gliderlabs/herokuish:latest-24';
}

interface Source { app: AppName; rev: string; repoDir: string; gitEnv: Record<string, string> }

/** Anything thrown inside a deploy becomes one clear DeployFailed line for the pusher. */
function asDeployFailed(error: unknown, serverLog: (line: string) => void): DeployFailed {
  if (error instanceof DeployFailed) return error;
  if (error instanceof SlipwayError) return new DeployFailed(error.message, { cause: error });
  serverLog(`deploy failed unexpectedly: ${error instanceof Error ? error.stack : String(error)}`);
  return new DeployFailed(`Deploy failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export class DeployPipeline implements PushDeployer {
  /** Every deploy below is a build record with its log; builds:cancel stops the running one. */
  get builds(): BuildTracker { return this.controller.builds; }

  constructor(
    private readonly services: CoreServices,
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
      await this.builds.track(push.app, 'build', 'git-hook', out, { identity: push.pusher, signal }, (o, r) => this.buildAndRelease({
        app: push.app, rev: push.newRev, repoDir: push.repoDir, gitEnv: push.gitEnv,
      }, o, r));
    }, { holdUntil: push.landed, deploy: true });
  }

  /** ps:rebuild: build the current release's revision again from the app's repo. */
  async rebuild(app: AppName, out: Out, request: RequestContext): Promise<void> {
    await this.store.apps.require(app);
    const current = await this.store.releases.current(app);
    if (!current) throw new SlipwayError('E_NOT_DEPLOYED', `App ${app} has not been deployed`, 1);
    await this.deployRevision(app, current.rev, out, request, 'ps:rebuild');
  }

  /** Build one revision already in the app's repo and deploy it (ps:rebuild, apps:clone). */
  async deployRevision(app: AppName, rev: string, out: Out, request: RequestContext, source = 'apps:clone'): Promise<void> {
    await this.store.apps.require(app);
    const repoDir = this.store.layout.appDir(app);
    await withDeployLock(this.store, app, () => this.builds.track(app, 'build', source, out, request,
      (o, r) => this.buildAndRelease({ app, rev, repoDir, gitEnv: {} }, o, r)), { deploy: true });
  }

  /** A failure, or the caller leaving, marks the release failed (or drops it, before it was recorded): the old one keeps serving. */
  private async buildAndRelease(source: Source, out: Out, request: RequestContext): Promise<void> {
    const { app, rev } = source;
    const { signal } = request;
    const { version, dir } = await this.store.releases.reserve(app);
    let recorded = false;
    let builder: Builder | undefined;
    let restoreConfig: (() => Promise<void>) | undefined;
    let restoreTemplate: (() => Promise<void>) | undefined;
    try {
      log.info1(out, `Extracting ${app} at ${rev.slice(0, 7)} into release v${version}`);
      await extractRevision({ repoDir: source.repoDir, rev, gitEnv: source.gitEnv, dest: dir, signal });
      if (await keepGitDir(this.store, app)) {
        log.verbose(out, 'Keeping the .git directory (keep-git-dir)');
        await addGitDir({ repoDir: source.repoDir, rev, branch: await deployBranchOf(this.store, app), gitEnv: source.gitEnv, dest: dir, signal });
      }
      await this.arrangeSources(app, dir, out);
      const nginxTemplate = await readNginxTemplate(this.store, app, dir);
      if (nginxTemplate !== undefined && await this.controller.routes.prevalidateNginxTemplate(app, nginxTemplate, () => log.info1(out, 'Pre-validating custom nginx.conf.sigil'))) {
        for (const warning of templateDeprecations(nginxTemplate)) log.warn(out, warning);
      }
      const env = await appConfig(this.store, app);
      // Dokku's git_build: the revision goes into the app's config (GIT_REV, or git:set rev-env-var).
      const revVar = await revEnvVar(this.store, app);
      if (revVar) env[revVar] = rev;
      const selected = await this.store.properties.effective('builder', app, 'selected');
      const procfile = await procfilePath(this.store, app);
      const appJson = await appJsonPath(this.store, app);
      if (appJson !== APP_JSON) log.verbose(out, `Reading app.json from ${appJson} (app-json:set appjson-path)`);
      // Dokku refuses a deploy whose app.json cron schedule does not parse; so does Slipway, before building.
      const appJsonText = appJson.split('/').includes('..') ? undefined : await unlessMissing(fs.readFile(path.join(dir, appJson), 'utf8'), undefined);
      if (appJsonText !== undefined) checkCronEntries(parseAppJson(appJsonText));
      if (procfile !== DEFAULT_PROCFILE_PATH) log.verbose(out, `Reading the Procfile from ${procfile} (ps:set procfile-path)`);
      builder = await this.builders.select(dir, selected, out, { procfilePath: procfile });
      const scope = { plugins: this.services.plugins, out, request };
      await fire(scope, 'post-extract', { APP: app, TMP_WORK_DIR: dir, REV: rev });
      await fire(scope, 'pre-receive-app', { APP: app, IMAGE_SOURCE_TYPE: builder.name, TMP_WORK_DIR: dir, REV: rev });
      log.info1(out, `Building ${app} with the ${builder.name} builder`);
      const build = { BUILDER_TYPE: builder.name, APP: app, SOURCECODE_WORK_DIR: dir, DOKKU_IMAGE: dokkuImage(env) };
      await fire(scope, 'builder-create-dokku-image', build);
      const image = (await fire(scope, 'builder-dokku-image', build, { capture: true })).trim();
      if (image) log.verbose(out, `builder-dokku-image answered ${image}; the ${builder.name} builder builds without a base image, so it is not used`);
      await fire(scope, 'pre-build', build);
      const cacheDir = this.store.layout.buildCacheDir(app);
      const dockerOptions = await this.store.dockerOptions.get(app, 'build');
      const limits = await buildResources(this.store, app);
      const result = await builder.build({ app, version, dir, env, cacheDir, dockerOptions, procfilePath: procfile, limits, out, signal });
      await fire(scope, 'post-build', build);
      const release: ReleaseRecord = {
        version, rev, createdAt: new Date().toISOString(), configDigest: configDigest(env), pusher: request.identity.keyName,
        builder: result.builder, kind: result.kind, processTypes: result.processTypes, static: result.static,
        image: result.image, build: version, status: 'built',
        ...(appJson !== APP_JSON ? { appJsonPath: appJson } : {}),
      };
      log.info1(out, `Releasing ${app} v${version} (${result.kind}${result.static ? '' : `: ${Object.keys(result.processTypes).join(', ')}`})`);
      await this.store.releases.record(app, release);
      recorded = true;
      // Written only once the build stands; a failed release puts the old value back.
      if (revVar) restoreConfig = await recordRevision(this.store, app, revVar, rev);
      // Dokku's post-release-builder: registry:set push-on-release pushes the new image now.
      await this.controller.scheduler.publish?.(this.controller.artifact(app, release), publishReport(out));
      restoreTemplate = await recordNginxTemplate(this.store, app, nginxTemplate);
      await this.releasePhase(app, release, env, out, signal);
      await this.activateRelease(app, release, out, request);
    } catch (error) {
      if (recorded) await this.store.releases.setStatus(app, version, 'failed');
      else await this.store.releases.discard(app, version);
      await restoreConfig?.().catch((e: Error) => log.warn(out, e.message));
      await restoreTemplate?.().catch((e: Error) => log.warn(out, e.message));
      // A build that never became a release leaves nothing behind; a failed release keeps its build.
      await builder?.discard?.(app, recorded ? undefined : version).catch((e: Error) => log.warn(out, e.message));
      throw asDeployFailed(error, this.serverLog);
    }
  }

  /** Dokku's post-extract steps: the app's build-dir becomes the root, then its dockerfile-path the Dockerfile. */
  private async arrangeSources(app: AppName, dir: string, out: Out): Promise<void> {
    const property = (plugin: string, key: string) => this.store.properties.effective(plugin, app, key);
    const buildDir = await property('builder', 'build-dir');
    if (buildDir) {
      log.info1(out, `Building from ${buildDir.replace(/^\/+|\/+$/g, '')} (build-dir)`);
      await applyBuildDir(dir, buildDir);
    }
    const dockerfilePath = await property('builder-dockerfile', 'dockerfile-path');
    if (dockerfilePath && dockerfilePath !== 'Dockerfile') {
      log.info1(out, `Using ${dockerfilePath} as the Dockerfile (dockerfile-path)`);
      await applyDockerfilePath(dir, dockerfilePath);
    }
  }

  /**
   * apps:rename, once the store moved the app's data: stop the old name's processes, move the
   * builders' artifacts (images) to the new name and point the release records at them, restart.
   */
  async renamed(from: AppName, to: AppName, out: Out, request: RequestContext): Promise<void> {
    await this.controller.renamed(from, to, out, request, async () => {
      const moved: Record<string, string> = {};
      for (const builder of this.builders.all()) {
        try {
          Object.assign(moved, await builder.renamed?.(from, to));
        } catch (error) {
          log.warn(out, (error as Error).message);
        }
      }
      await this.store.releases.replaceImages(to, moved);
      const count = Object.keys(moved).length;
      if (count > 0) log.verbose(out, `Retagged ${count} image tag(s) as dokku/${to}`);
    });
  }

  /**
   * Dokku's `deploy APP [TAG]`: run an existing build again, without building. No tag, `latest` or
   * the current release's tag (`vN`, or its image's tag): the current release, started, checked and
   * switched to as a deploy does (a stopped app starts). Another release's tag: a rollback to it.
   */
  async deployTag(app: AppName, tag: string | undefined, schedulerName: string, out: Out, request: RequestContext): Promise<void> {
    await this.store.apps.require(app);
    const current = await this.store.releases.current(app);
    if (!current) throw new SlipwayError('E_NOT_DEPLOYED', `App ${app} has not been deployed`, 1);
    const releases = await this.store.releases.list(app);
    const numbered = tag !== undefined && /^v?\d+$/.test(tag) ? Number(tag.replace(/^v/, '')) : undefined;
    const target = tag === undefined || tag === 'latest' ? current
      : [...releases].reverse().find((r) => r.status === 'deployed' && (r.version === numbered || imageTag(r) === tag))
        ?? releases.find((r) => r.version === numbered);
    if (!target) throw new SlipwayError('E_RELEASE_NOT_FOUND', `No release of ${app} has the tag ${tag} (tags: latest, vN for release N, or an image tag)`, 1);
    if (target.version !== current.version && target.build !== current.build) {
      await this.rollback(app, target.version, out, request);
      return;
    }
    await withDeployLock(this.store, app, () => this.builds.track(app, 'deploy', 'deploy', out, request, async (o, r) => {
      const release = await this.store.releases.current(app);
      if (!release) throw new SlipwayError('E_NOT_DEPLOYED', `App ${app} has not been deployed`, 1);
      log.info1(o, `Deploying ${app} via the ${schedulerName} scheduler...`);
      await this.activateRelease(app, release, o, r);
    }), { deploy: true });
  }

  /** Redeploy an older release's build as a new release, without building. */
  async rollback(app: AppName, version: number | undefined, out: Out, request: RequestContext): Promise<void> {
    await this.store.apps.require(app);
    await withDeployLock(this.store, app, () => this.builds.track(app, 'deploy', 'releases:rollback', out, request, async (out, request) => {
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
        ...target, version: next, createdAt: new Date().toISOString(), configDigest: configDigest(env), pusher: request.identity.keyName,
        note: `rollback to v${target.version}`, status: 'built',
      };
      log.info1(out, `Rolling back ${app} to v${target.version} (${target.rev.slice(0, 7)}) as v${next}`);
      await this.store.releases.record(app, release);
      try {
        await this.activateRelease(app, release, out, request);
      } catch (error) {
        await this.store.releases.setStatus(app, next, 'failed');
        throw asDeployFailed(error, this.serverLog);
      }
    }), { deploy: true });
  }

  /** Procfile `release:` runs once per newly built release, before its processes start. */
  private async releasePhase(app: AppName, release: ReleaseRecord, env: Record<string, string>, out: Out, signal: AbortSignal): Promise<void> {
    const command = release.processTypes[RELEASE_TYPE];
    if (command === undefined) return;
    log.info1(out, `Running the release command: ${command}`);
    // One splitter per stream: a line (or a character) is never cut by the other stream's output.
    const stdout = lineSink((line) => log.verbose(out, line));
    const stderr = lineSink((line) => log.verbose(out, line));
    const artifact = this.controller.artifact(app, release);
    const code = await this.controller.scheduler.run({ release: artifact, env, command, phase: 'deploy' }, { stdout, stderr }, signal);
    stdout.end();
    stderr.end();
    if (signal.aborted) throw new DeployFailed('Deploy aborted (release command)');
    if (code !== 0) throw new DeployFailed(`The release command failed (exit ${code})`);
  }

  private async activateRelease(app: AppName, release: ReleaseRecord, out: Out, request: RequestContext): Promise<void> {
    await this.controller.activate(app, release, { out, request });
    await this.store.ps.setRestore(app, true);
    await this.store.releases.setStatus(app, release.version, 'deployed');
    const pruned = await this.store.releases.pruneBuilds(app, this.services.settings.keepReleases);
    if (pruned.length) log.verbose(out, `Removed old builds: ${pruned.map((v) => `v${v}`).join(', ')}`);
    // Only now, with the release serving and marked deployed, may `latest` move to it.
    const kept = (build: number) => this.store.releases.hasBuild(app, { build });
    for (const builder of this.builders.all()) {
      try {
        const removed = (await builder.released?.(app, release, kept)) ?? [];
        if (removed.length) log.verbose(out, `Removed old images: ${removed.join(', ')}`);
      } catch (error) {
        log.warn(out, (error as Error).message); // only disk space: the deploy stands
      }
    }
    log.info2(out, 'Application deployed:');
    for (const url of appUrls(await this.controller.routes.hostnames(app), this.httpPort())) log.verbose(out, url);
  }
}
