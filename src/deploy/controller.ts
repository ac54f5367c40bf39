// Runs releases: activate (start a generation, check it, switch the proxy, retire the old one),
// and the app-level operations built on it: start, stop, restart, scale, destroy, rename, restore.
// Each runs for a request (src/request-context.ts): its triggers see the caller's SSH_USER/SSH_NAME
// and the caller's signal stops what is safe to stop (the waiting start of a new generation: the
// previous one keeps serving). Restores at server start run as SERVER_IDENTITY.
import { Writable } from 'node:stream';
import type { CoreServices } from '../services.js';
import type { AppName } from '../names.js';
import type { Out } from '../log.js';
import type { ReleaseRecord, Scale } from '../store/index.js';
import type { Generation, Scheduler, ReleaseArtifact, RunIO } from '../scheduler/types.js';
import type { AppStatus, OneOffOptions, OneOffRun } from './types.js';
import { SERVER_IDENTITY, uncancellable, type RequestContext } from '../request-context.js';
import { log } from '../log.js';
import { formatScale } from '../store/index.js';
import { SlipwayError } from '../errors.js';
import { appConfig, secondsSetting } from './app-env.js';
import { loadCheckPlan } from './checks.js';
import { checkGeneration, checkInstance } from './health.js';
import { checksPolicy, waitToRetire } from './checks-policy.js';
import { BuildTracker } from './builds.js';
import { ActivityFeed } from './activity.js';
import { fire, type TriggerScope } from './triggers.js';
import { imageTag } from './image-tag.js';
import { processListeners, Routes, type RouteTarget } from './routes.js';
import { withDeployLock } from './locks.js';
import { keepingOutput, reportFailedStart, startReport, type FailedOutput } from './start-report.js';
import { oneOffCommand } from './one-off-command.js';
import { DEFAULT_RUN_TTL_SECONDS, OneOffRuns, type RunHandle } from './one-off-runs.js';
import { restartPolicy, stopTimeoutMs } from './ps-settings.js';
import { lineSink } from '../os/lines.js';
import { staticWebListener } from '../scheduler/networks.js';

/** What the proxy serves for an app right now, and from which release. */
interface Live {
  release: ReleaseRecord;
  generation?: Generation;
  target: RouteTarget;
}

export interface ActivateOptions { out: Out; request: RequestContext }

/** The Procfile type run once per deploy (release phase), never as a long-running process. */
export const RELEASE_TYPE = 'release';

/** web defaults to 1 instance, every other type to 0 (Dokku's default scale). */
export function effectiveScale(processTypes: Record<string, string>, stored: Scale): Scale {
  const scale: Scale = {};
  for (const type of Object.keys(processTypes).sort()) {
    if (type !== RELEASE_TYPE) scale[type] = stored[type] ?? (type === 'web' ? 1 : 0);
  }
  return scale;
}

export class AppController {
  private readonly live = new Map<AppName, Live>();
  /** Unsubscribe functions of the generations followed (their instances move on their own). */
  private readonly following = new Map<AppName, () => void>();
  /** Build records for every deploy (the pipeline's builds, and redeploys: start, restart, scale). */
  readonly builds: BuildTracker;
  /** Build starts and ends, and changes of the serving processes, as they happen (the dashboard listens). */
  readonly activity: ActivityFeed;
  /** Generations already told to stop (still listed by the scheduler until they are gone). */
  private readonly retiring = new WeakSet<Generation>();
  /** Aborted by close(): restores still waiting on health checks give up. */
  private readonly closing = new AbortController();
  /** One-off commands in flight (run, run:detached, cron tasks): run:list, run:stop, run:logs, retire. */
  private readonly oneOffs = new OneOffRuns(this.closing.signal);
  /** The server's own work (restores): its identity, stopped only when the server stops. */
  private readonly serverRequest: RequestContext = { identity: SERVER_IDENTITY, signal: this.closing.signal };

  constructor(
    private readonly services: CoreServices,
    readonly scheduler: Scheduler,
    readonly routes: Routes,
    private readonly serverLog: (line: string) => void,
  ) {
    this.activity = new ActivityFeed(serverLog);
    this.builds = new BuildTracker(services.store, this.activity);
  }

  private get store() { return this.services.store; }

  /** What the proxy serves for the app now; a generation whose instances move is followed. */
  private setLive(app: AppName, live: Live): void {
    this.live.set(app, live);
    this.following.get(app)?.();
    this.following.delete(app);
    this.activity.announce({ kind: 'changed', app });
    const { generation } = live;
    if (!generation?.watch || live.target.kind !== 'upstreams') return;
    this.following.set(app, generation.watch(() => {
      if (this.live.get(app) !== live) return;
      this.activity.announce({ kind: 'changed', app });
      const upstreams = generation.instances().filter((i) => i.type === 'web' && i.state === 'running' && i.port !== undefined)
        .map((i) => ({ host: i.host, port: i.port as number }));
      // Every task gone (a cluster outage): keep the last known ones rather than a 503 page.
      if (upstreams.length === 0) return;
      live.target = { kind: 'upstreams', upstreams, processes: processListeners(generation.instances()) };
      this.routes.apply(app, live.target).catch((error: Error) => this.serverLog(`${app}: cannot follow its tasks: ${error.message}`));
    }));
  }

  private dropLive(app: AppName): void {
    this.live.delete(app);
    this.following.get(app)?.();
    this.following.delete(app);
    this.activity.announce({ kind: 'changed', app });
  }

  artifact(app: AppName, release: ReleaseRecord): ReleaseArtifact {
    return { app, version: release.version, dir: this.store.releases.buildDir(app, release), image: release.image, processTypes: release.processTypes };
  }

  /**
   * Make `release` the serving one. The caller holds the deploy lock. On any failure the new
   * processes are stopped, the previous ones keep serving, and DeployFailed is thrown.
   */
  async activate(app: AppName, release: ReleaseRecord, options: ActivateOptions): Promise<void> {
    const { out, request } = options;
    const { signal } = request;
    const scope = this.scope(out, request);
    const artifact = this.artifact(app, release);
    const env = await appConfig(this.store, app);
    // Dokku forgets the last failed deploy's containers as a new deploy starts; so does logs:failed here.
    await this.store.logs.clearFailedDeploy(app);
    await fire(scope, 'pre-deploy', { APP: app, IMAGE_TAG: imageTag(release) });
    const previous = this.live.get(app);
    const graceMs = (await waitToRetire(this.store, app, env)).computed * 1000;
    if (release.static) {
      log.info1(out, `Serving ${app} v${release.version} as a static site`);
      await this.switchTo(app, { release, target: { kind: 'static', dir: artifact.dir } }, previous, scope, ['', '']);
      this.retireOthers(app, undefined, graceMs, out, await stopTimeoutMs(this.store, app));
      return;
    }
    const scale = effectiveScale(release.processTypes, await this.store.ps.scale(app));
    const policy = await checksPolicy(this.store, app);
    const starting = Object.keys(scale).filter((type) => scale[type] > 0);
    const disabled = starting.filter((type) => policy.mode(type) === 'disabled');
    const skipped = starting.filter((type) => policy.mode(type) === 'skipped');
    // checks:disable: a generation is replaced as a whole, so any disabled type stops all old processes first.
    if (disabled.length) await this.stopBeforeStart(app, `Zero downtime is disabled for ${app} (${disabled.join(',')})`, out, await stopTimeoutMs(this.store, app));
    log.info1(out, `Starting ${app} v${release.version} (${formatScale(scale, ' ') || 'no process types'})`);
    if (skipped.length) log.info1(out, `Zero downtime checks skipped for ${app} (${skipped.join(',')})`);
    const { report, shown } = keepingOutput(startReport(out));
    let generation: Generation;
    try {
      generation = await this.scheduler.start({ release: artifact, scale, env, report, restartPolicy: await restartPolicy(this.store, app) });
    } catch (error) {
      if (shown.length) await this.keepFailedOutput(app, release, shown, out);
      throw error;
    }
    try {
      const web = generation.instances().filter((i) => i.type === 'web');
      for (const i of web) log.verbose(out, `${i.id} on ${i.host}:${i.port}`);
      try {
        await checkGeneration(generation, {
          plan: await loadCheckPlan(artifact.dir, release.appJsonPath),
          startTimeoutMs: secondsSetting(env, 'SLIPWAY_START_TIMEOUT', 60),
          hostHeader: (await this.routes.hostnames(app))[0] ?? 'localhost',
          out,
          signal,
          checked: (type) => policy.mode(type) === 'enabled',
        });
      } catch (error) {
        await this.keepFailedOutput(app, release, await reportFailedStart(this.scheduler, generation, report), out);
        throw error;
      }
      for (const i of web) await fire(scope, 'check-deploy', { APP: app, CONTAINER_ID: i.id, PROC_TYPE: i.type, PORT: String(i.port ?? ''), IP: i.host });
      await this.scheduler.deployed?.(generation, (line) => log.info1(out, line));
      // network:set static-web-listener: web traffic goes there instead of to the app's web processes.
      const listener = await staticWebListener(this.store, app);
      const target: RouteTarget = listener !== undefined
        ? { kind: 'upstreams', upstreams: [listener], processes: processListeners(generation.instances()) }
        : web.length
          ? { kind: 'upstreams', upstreams: web.map((i) => ({ host: i.host, port: i.port as number })), processes: processListeners(generation.instances()) }
          : { kind: 'stopped' };
      const first = web[0];
      await this.switchTo(app, { release, generation, target }, previous, scope, [String(first?.port ?? ''), first?.host ?? '']);
    } catch (error) {
      await this.scheduler.stop(generation, { killAfterMs: 5_000 });
      throw error;
    }
    this.retireOthers(app, generation, graceMs, out, await stopTimeoutMs(this.store, app));
  }

  /** logs:failed shows it until the app's next start; failing to keep it does not change the deploy's outcome. */
  private async keepFailedOutput(app: AppName, release: ReleaseRecord, instances: FailedOutput, out: Out): Promise<void> {
    await this.store.logs.saveFailedDeploy(app, { version: release.version, at: new Date().toISOString(), instances })
      .catch((error: Error) => log.warn(out, `Cannot keep the failed processes' output for logs:failed: ${error.message}`));
  }

  /** Switch the proxy, fire post-deploy; if that fails, switch back and rethrow. */
  private async switchTo(app: AppName, next: Live, previous: Live | undefined, scope: TriggerScope, portHost: [string, string]): Promise<void> {
    log.info1(scope.out, `Switching traffic to v${next.release.version}`);
    await this.routes.apply(app, next.target, (line) => log.info1(scope.out, line));
    this.setLive(app, next);
    try {
      await fire(scope, 'post-deploy', { APP: app, INTERNAL_PORT: portHost[0], INTERNAL_IP_ADDRESS: portHost[1], IMAGE_TAG: imageTag(next.release) });
    } catch (error) {
      if (previous) await this.routes.apply(app, previous.target);
      else await this.routes.remove(app);
      if (previous) this.setLive(app, previous);
      else this.dropLive(app);
      throw error;
    }
  }

  /** checks:disable: stop the app's running generations now, before the new one starts (downtime). */
  private async stopBeforeStart(app: AppName, why: string, out: Out, killAfterMs: number): Promise<void> {
    for (const old of this.scheduler.generations(app)) {
      if (this.retiring.has(old)) continue;
      this.retiring.add(old);
      log.info1(out, `${why}: stopping v${old.version} processes before the new ones start`);
      await this.scheduler.stop(old, { killAfterMs });
    }
  }

  /**
   * checks:run APP [TYPE|TYPE.N,…]: the deploy checks against the serving processes (web: accepts
   * connections and passes CHECKS / app.json; others: running). Disabled types are skipped, as in Dokku.
   */
  async runChecks(app: AppName, selectors: string[] | undefined, out: Out, request: RequestContext): Promise<void> {
    const release = await this.requireRelease(app);
    log.info1(out, 'Running pre-flight checks');
    const generation = this.live.get(app)?.generation;
    if (!generation) throw new SlipwayError('E_NOT_DEPLOYED', `App ${app} is not running`, 1);
    const policy = await checksPolicy(this.store, app);
    const env = await appConfig(this.store, app);
    const options = {
      plan: await loadCheckPlan(this.store.releases.buildDir(app, release), release.appJsonPath),
      startTimeoutMs: secondsSetting(env, 'SLIPWAY_START_TIMEOUT', 60),
      hostHeader: (await this.routes.hostnames(app))[0] ?? 'localhost',
      out,
      signal: request.signal,
    };
    const types = Object.keys(generation.scale);
    for (const selector of selectors ?? [undefined]) {
      const [type, index] = selector === undefined ? [undefined, undefined] : selector.split('.');
      if (type !== undefined && !types.includes(type)) throw new SlipwayError('E_UNKNOWN_PROCESS_TYPE', `Invalid process type specified (${app}.${type})`, 1);
      for (const checkedType of type === undefined ? types : [type]) {
        if (policy.mode(checkedType) === 'disabled') {
          log.info1(out, `Zero downtime is disabled for app (${app}.${checkedType}). Skipping checks`);
          continue;
        }
        const instances = generation.instances().filter((i) => i.type === checkedType && (index === undefined || String(i.index) === index));
        if (index !== undefined && instances.length === 0) throw new SlipwayError('E_UNKNOWN_PROCESS_TYPE', `Invalid container index specified (${app}.${checkedType}.${index})`, 1);
        for (const instance of instances) {
          log.info1(out, `Running checks for app (${app}.${instance.id})`);
          await checkInstance(generation, instance.id, options);
        }
      }
    }
  }

  /** Stop every other generation of the app after the grace period (in the background). */
  private retireOthers(app: AppName, keep: Generation | undefined, graceMs: number, out: Out, killAfterMs: number): void {
    for (const old of this.scheduler.generations(app)) {
      if (old === keep || this.retiring.has(old)) continue;
      this.retiring.add(old);
      log.info1(out, `Retiring v${old.version} processes${graceMs ? ` in ${graceMs / 1000}s` : ''}`);
      this.scheduler.stop(old, { graceMs, killAfterMs }).catch((error: Error) => this.serverLog(`${app}: cannot stop v${old.version}: ${error.message}`));
    }
  }

  private async requireRelease(app: AppName): Promise<ReleaseRecord> {
    await this.store.apps.require(app);
    const release = await this.store.releases.current(app);
    if (!release) throw new SlipwayError('E_NOT_DEPLOYED', `App ${app} has not been deployed`, 1);
    return release;
  }

  async start(app: AppName, out: Out, request: RequestContext): Promise<void> {
    const release = await this.requireRelease(app);
    await withDeployLock(this.store, app, async () => {
      await this.store.ps.setRestore(app, true);
      if (this.isRunning(app)) {
        log.info1(out, `App ${app} is already running`);
        return;
      }
      await this.builds.track(app, 'deploy', 'ps:start', out, request, async (o, r) => {
        await fire(this.scope(o, r), 'pre-start', { APP: app });
        await this.activate(app, release, { out: o, request: r });
      });
    });
  }

  /** Stopping is never abandoned half-way; post-stop runs to its end even when the caller left. */
  async stop(app: AppName, out: Out, request: RequestContext): Promise<void> {
    const release = await this.requireRelease(app);
    await withDeployLock(this.store, app, async () => {
      log.info1(out, `Stopping ${app}`);
      await this.store.ps.setRestore(app, false);
      await this.scheduler.destroy(app, { killAfterMs: await stopTimeoutMs(this.store, app) });
      await this.routes.apply(app, { kind: 'stopped' });
      this.setLive(app, { release, target: { kind: 'stopped' } });
    });
    await fire(this.scope(out, this.finishing(request)), 'post-stop', { APP: app });
  }

  /** Start a fresh generation of the current release (new config); nothing when not running. */
  async restart(app: AppName, out: Out, request: RequestContext, options: { quietIfIdle?: boolean; source?: string } = {}): Promise<void> {
    await this.store.apps.require(app);
    const release = await this.store.releases.current(app);
    if (!release || !(await this.store.ps.restore(app))) {
      if (!options.quietIfIdle) log.info1(out, `App ${app} is not running (${release ? 'stopped' : 'not deployed'}); nothing to restart`);
      return;
    }
    await withDeployLock(this.store, app, async () => {
      await this.builds.track(app, 'deploy', options.source ?? 'ps:restart', out, request, async (o, r) => {
        log.info1(o, `Restarting ${app}`);
        await this.activate(app, release, { out: o, request: r });
      });
    });
  }

  async scale(app: AppName, changes: Scale, out: Out, request: RequestContext): Promise<void> {
    await this.store.apps.require(app);
    await withDeployLock(this.store, app, async () => {
      const release = await this.store.releases.current(app);
      if (release && !release.static) {
        const unknown = Object.keys(changes).filter((t) => release.processTypes[t] === undefined);
        if (unknown.length) {
          throw new SlipwayError('E_UNKNOWN_PROCESS_TYPE', `${unknown.join(', ')} not found in the Procfile of ${app} (types: ${Object.keys(release.processTypes).join(', ')})`, 1);
        }
      }
      await this.store.ps.setScale(app, { ...(await this.store.ps.scale(app)), ...changes });
      this.activity.announce({ kind: 'changed', app });
      log.info1(out, `Scaling ${app} processes: ${formatScale(changes, ' ')}`);
      if (release && !release.static && (await this.store.ps.restore(app))) {
        await this.builds.track(app, 'deploy', 'ps:scale', out, request, (o, r) => this.activate(app, release, { out: o, request: r }));
      }
    });
  }

  isRunning(app: AppName): boolean {
    const live = this.live.get(app);
    return live !== undefined && live.target.kind !== 'stopped';
  }

  async status(app: AppName): Promise<AppStatus> {
    const release = await this.store.releases.current(app);
    const live = this.live.get(app);
    return {
      release,
      running: this.isRunning(app),
      static: release?.static ?? false,
      instances: live?.generation?.instances() ?? [],
      retiring: this.scheduler.generations(app).filter((g) => g !== live?.generation).length,
    };
  }

  /**
   * A one-off command in the current release with the app's env (and `run -e` pairs); resolves to
   * its exit code. It is stopped when the caller leaves, by run:stop, or after its ttlSeconds; a
   * cron task's run first follows its concurrency_policy (one-off-runs.ts).
   */
  async run(app: AppName, words: readonly string[], io: RunIO, signal: AbortSignal, options: OneOffOptions = {}): Promise<number> {
    const release = await this.requireRelease(app);
    const command = oneOffCommand(words, release.processTypes);
    const env = { ...(await appConfig(this.store, app)), ...options.env };
    const handle = await this.oneOffs.begin(app, command, {
      ttlSeconds: options.ttlSeconds ?? DEFAULT_RUN_TTL_SECONDS,
      cron: options.cron,
      signal,
      warn: options.warn ?? ((text) => log.warn({ stdout: io.stdout, stderr: io.stderr }, text)),
    });
    // What the caller sees is also kept, as Dokku's run:logs reads a running attached container's output.
    const kept = options.cron ? undefined : keptOutput(handle, io);
    try {
      return await this.scheduler.run({ release: this.artifact(app, release), env, command, dyno: handle.logId }, kept?.io ?? io, handle.signal);
    } finally {
      kept?.end();
      handle.end();
    }
  }

  /**
   * run:detached: the same one-off, left running after the caller leaves; its output goes to the
   * app's logs as `run.N` (`cron.N` for a cron task). It is stopped after ttlSeconds (Dokku's
   * --ttl-seconds), by run:stop, by run:retire/ps:retire once past it, or when the server stops.
   * Resolves to its name (APP.run.N) once it started.
   */
  async runDetached(app: AppName, words: readonly string[], options: OneOffOptions = {}): Promise<string> {
    const release = await this.requireRelease(app);
    const command = oneOffCommand(words, release.processTypes);
    const env = { ...(await appConfig(this.store, app)), ...options.env };
    const handle = await this.oneOffs.begin(app, command, {
      ttlSeconds: options.ttlSeconds ?? DEFAULT_RUN_TTL_SECONDS,
      cron: options.cron,
      warn: options.warn ?? ((text) => this.serverLog(`${app}: ${text}`)),
    });
    const { logId } = handle;
    const file = this.store.logs.open(app, logId, await this.store.logs.maxBytes(app));
    handle.attachOutput(file);
    const emit = (text: string) => {
      const line = `${new Date().toISOString()} app[${logId}]: ${text}`;
      file.write(line);
      handle.emit(line);
    };
    const [stdout, stderr] = [lineSink(emit), lineSink(emit)];
    void this.scheduler.run({ release: this.artifact(app, release), env, command, dyno: logId }, { stdout, stderr }, handle.signal)
      .then((code) => emit(`[slipway] ${handle.name} exited with code ${code}`))
      .catch((error: Error) => this.serverLog(`${handle.name}: ${error.message}`))
      .finally(() => {
        stdout.end();
        stderr.end();
        // Followers (run:logs -t) have every line once the file has it.
        void file.written().then(() => { handle.end(); return file.close(); });
      });
    return handle.name;
  }

  /**
   * ps:retire: stop what should no longer run — generations of the app (or of every app) that
   * neither serve nor are already retiring. Returns one line per generation stopped.
   */
  async retire(app: AppName | undefined): Promise<string[]> {
    const apps = app === undefined ? await this.store.apps.list() : [app];
    const generations: string[] = [];
    for (const name of apps) {
      const live = this.live.get(name)?.generation;
      for (const old of this.scheduler.generations(name)) {
        if (old === live || this.retiring.has(old)) continue;
        this.retiring.add(old);
        generations.push(`${name} v${old.version} (${old.id})`);
        await this.scheduler.stop(old, { killAfterMs: await stopTimeoutMs(this.store, name) });
      }
    }
    return generations;
  }

  /** run:retire (and ps:retire): stop the run and cron commands (of APP, or all) past their --ttl-seconds. */
  retireRuns(app: AppName | undefined, each: (name: string) => void): Promise<string[]> {
    return this.oneOffs.retireExpired(app, each);
  }

  /** run:stop: the app's `run` commands (or only NAME), stopped; resolves to their names once they ended. */
  stopRuns(app: AppName, name?: string): Promise<string[]> {
    return this.oneOffs.stop(app, name);
  }

  /**
   * run:logs: the last `lines` of each detached `run` command of the app (or of NAME), and with
   * `follow` their new lines until they all ended or the caller left.
   */
  async runLogs(app: AppName, name: string | undefined, query: { lines: number; follow: boolean }, write: (line: string) => void, signal: AbortSignal): Promise<void> {
    const outputs = this.oneOffs.runOutputs(app, name);
    const stops: Array<() => void> = [];
    try {
      for (const output of outputs) {
        // Subscribe first so no line falls between the history and the live stream.
        const buffered: string[] = [];
        let live = false;
        if (query.follow) stops.push(output.follow((line) => (live ? write(line) : buffered.push(line))));
        await output.file?.written();
        const history = output.file ? await this.store.logs.tail(app, query.lines, output.logId)
          : query.lines > 0 ? (output.recent ?? []).slice(-query.lines) : [];
        for (const line of history) write(line);
        const seen = new Set(history);
        for (const line of buffered) if (!seen.has(line)) write(line);
        live = true;
      }
      if (!query.follow || signal.aborted) return;
      const left = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await Promise.race([Promise.all(outputs.map((o) => o.ended)), left]);
    } finally {
      for (const stop of stops) stop();
    }
  }

  /** `enter`: argv beside one running instance (TYPE.N) of the serving generation; its exit code. */
  async enter(app: AppName, instance: string, argv: readonly string[], io: RunIO, signal: AbortSignal): Promise<number> {
    const generation = this.live.get(app)?.generation;
    if (!generation || !this.scheduler.exec) throw new SlipwayError('E_NO_CONTAINERS', 'No containers found for app', 1);
    return this.scheduler.exec(generation, instance, argv, io, signal);
  }

  /** run:list: the app's `run` commands still running, oldest first (APP.run.N; cron tasks are APP.cron.N). */
  runs(app: AppName): OneOffRun[] {
    return this.oneOffs.list(app);
  }

  /** Publish the route again (domains changed). */
  async refreshRoute(app: AppName): Promise<void> {
    const live = this.live.get(app);
    if (live) await this.routes.apply(app, live.target);
  }

  /** The route off every proxy; the processes keep running, and the next publish brings it back. */
  async clearRoute(app: AppName): Promise<void> {
    await this.routes.remove(app);
  }

  async destroy(app: AppName, out: Out): Promise<void> {
    await withDeployLock(this.store, app, async () => {
      if (this.live.has(app)) log.info1(out, `Stopping ${app} processes`);
      await this.scheduler.destroy(app);
      await this.routes.remove(app);
      this.dropLive(app);
    });
  }

  /**
   * `moveArtifacts` runs once the old name's processes are gone and before the new name starts;
   * from there the new name's start runs to its end even when the caller left.
   */
  async renamed(from: AppName, to: AppName, out: Out, request: RequestContext, moveArtifacts: () => Promise<void> = async () => undefined): Promise<void> {
    const wasRunning = this.isRunning(from);
    await this.destroy(from, out);
    await moveArtifacts();
    await this.store.domains.renameDefaults(from, to);
    if (wasRunning) await this.restart(to, out, this.finishing(request), { source: 'apps:rename' });
  }

  private scope(out: Out, request: RequestContext): TriggerScope {
    return { plugins: this.services.plugins, out, request };
  }

  /** The caller's identity for work that must not stop half-done once begun: only a server stop ends it. */
  private finishing(request: RequestContext): RequestContext {
    return uncancellable(request, this.closing.signal);
  }

  /**
   * At server start: bring back every app that was running (its current release and scale).
   * Dokku's pre-restore comes first; a plugin failing it is logged, and the apps still come back.
   */
  async restoreAll(): Promise<void> {
    await fire(this.scope(serverOut(this.serverLog, 'pre-restore'), this.serverRequest), 'pre-restore', {})
      .catch((error: Error) => this.serverLog(`pre-restore: ${error.message}`));
    const apps = await this.store.apps.list();
    const queue = [...apps];
    const worker = async () => {
      for (let app = queue.shift(); app !== undefined; app = queue.shift()) await this.restore(app);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    // What a previous server left running and no app took back (stopped or removed apps, another
    // release, scale or config) stops now.
    await this.scheduler.settle?.().catch((error: Error) => this.serverLog(`cannot stop what the previous server left: ${error.message}`));
  }

  private async restore(app: AppName): Promise<void> {
    const release = await this.store.releases.current(app);
    if (!release) return;
    const out = serverOut(this.serverLog, app);
    try {
      await withDeployLock(this.store, app, async () => {
        if (!(await this.store.ps.restore(app))) {
          await this.routes.apply(app, { kind: 'stopped' });
          this.setLive(app, { release, target: { kind: 'stopped' } });
          return;
        }
        if (await this.adopt(app, release)) return;
        await fire(this.scope(out, this.serverRequest), 'pre-start', { APP: app });
        await this.activate(app, release, { out, request: this.serverRequest });
        this.serverLog(`restored ${app} v${release.version}`);
      });
    } catch (error) {
      const message = error instanceof SlipwayError ? error.message : (error as Error).stack ?? String(error);
      this.serverLog(`cannot restore ${app}: ${message}`);
      // Deployed but not running: the 503 page says so better than "no app for this host".
      if (!this.live.has(app)) {
        await this.routes.apply(app, { kind: 'stopped' }).catch((e: Error) => this.serverLog(`${app}: ${e.message}`));
      }
    }
  }

  /**
   * Serve the processes a previous server left running for this release, as they are (no
   * restart, no checks, no triggers: the app never stopped). False when there are none.
   */
  private async adopt(app: AppName, release: ReleaseRecord): Promise<boolean> {
    if (release.static || !this.scheduler.adopt) return false;
    const scale = effectiveScale(release.processTypes, await this.store.ps.scale(app));
    const generation = await this.scheduler.adopt({
      release: this.artifact(app, release), scale, env: await appConfig(this.store, app), restartPolicy: await restartPolicy(this.store, app),
    });
    if (!generation) return false;
    const web = generation.instances().filter((i) => i.type === 'web');
    const target: RouteTarget = web.length
      ? { kind: 'upstreams', upstreams: web.map((i) => ({ host: i.host, port: i.port as number })), processes: processListeners(generation.instances()) }
      : { kind: 'stopped' };
    await this.routes.apply(app, target);
    this.setLive(app, { release, generation, target });
    const pids = generation.instances().map((i) => `${i.id} pid ${i.pid ?? '-'}`).join(', ');
    this.serverLog(`adopted ${app} v${release.version}, still running from the previous server (${pids || 'no processes'})`);
    return true;
  }

  /** Stop waiting on restores; stop every process (their desired state stays for the next start). */
  abortRestores(): void {
    this.closing.abort();
  }

  /** With keepApps (a server stop), the apps keep running for the next server to adopt. */
  async close(options: { keepApps?: boolean } = {}): Promise<void> {
    this.closing.abort();
    // One-off commands are stopped with the server (their containers removed) whether apps stay or not.
    await this.oneOffs.settled(15_000);
    if (options.keepApps) await this.scheduler.detach();
    else await this.scheduler.close();
  }
}

/** Progress of server-initiated work (restores) goes to the server log, one line per line. */
function serverOut(serverLog: (line: string) => void, app: string): Out {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) serverLog(`${app}: ${line.trim()}`);
      done();
    },
  });
  return { stdout: sink, stderr: sink, quiet: true };
}

/**
 * An attached run's output as its caller gets it (same pace), each line also handed to the run's
 * handle as `TIME app[run.N]: text` (run:logs); end() hands on the last partial lines.
 */
function keptOutput(handle: RunHandle, io: RunIO): { io: RunIO; end(): void } {
  handle.keepRecent();
  const emit = (text: string) => handle.emit(`${new Date().toISOString()} app[${handle.logId}]: ${text}`);
  const tee = (target: Writable): { stream: Writable; lines: Writable } => {
    const lines = lineSink(emit);
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.write(chunk);
        target.write(chunk, () => done());
      },
    });
    return { stream, lines };
  };
  const [stdout, stderr] = [tee(io.stdout), tee(io.stderr)];
  return {
    io: { stdin: io.stdin, stdout: stdout.stream, stderr: stderr.stream },
    end() {
      stdout.lines.end();
      stderr.lines.end();
    },
  };
}
