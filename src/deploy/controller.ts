// Runs releases: activate (start a generation, check it, switch the proxy, retire the old one),
// and the app-level operations built on it: start, stop, restart, scale, destroy, rename, restore.
import { Writable } from 'node:stream';
import type { Services } from '../services.js';
import type { AppName } from '../names.js';
import type { Out } from '../log.js';
import type { ReleaseRecord, Scale } from '../store/index.js';
import type { Generation, Scheduler, ReleaseArtifact, RunIO } from '../scheduler/types.js';
import type { AppStatus } from './types.js';
import { log } from '../log.js';
import { formatScale } from '../store/index.js';
import { SlipwayError } from '../errors.js';
import { appConfig, secondsSetting } from './app-env.js';
import { loadCheckPlan } from './checks.js';
import { checkGeneration } from './health.js';
import { fire, type TriggerScope } from './triggers.js';
import { Routes, type RouteTarget } from './routes.js';
import { withDeployLock } from './locks.js';

/** What the proxy serves for an app right now, and from which release. */
interface Live {
  release: ReleaseRecord;
  generation?: Generation;
  target: RouteTarget;
}

export interface ActivateOptions { out: Out; signal: AbortSignal; keyName: string }

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
  /** Generations already told to stop (still listed by the scheduler until they are gone). */
  private readonly retiring = new WeakSet<Generation>();
  /** Aborted by close(): restores still waiting on health checks give up. */
  private readonly closing = new AbortController();

  constructor(
    private readonly services: Services,
    readonly scheduler: Scheduler,
    readonly routes: Routes,
    private readonly serverLog: (line: string) => void,
  ) {}

  private get store() { return this.services.store; }

  artifact(app: AppName, release: ReleaseRecord): ReleaseArtifact {
    return { app, version: release.version, dir: this.store.releases.buildDir(app, release), image: release.image, processTypes: release.processTypes };
  }

  /**
   * Make `release` the serving one. The caller holds the deploy lock. On any failure the new
   * processes are stopped, the previous ones keep serving, and DeployFailed is thrown.
   */
  async activate(app: AppName, release: ReleaseRecord, options: ActivateOptions): Promise<void> {
    const { out, signal } = options;
    const scope: TriggerScope = { plugins: this.services.plugins, out, signal, keyName: options.keyName };
    const artifact = this.artifact(app, release);
    const env = await appConfig(this.store, app);
    await fire(scope, 'pre-deploy', [app, `v${release.version}`]);
    const previous = this.live.get(app);
    const graceMs = secondsSetting(env, 'DOKKU_WAIT_TO_RETIRE', 10);
    if (release.static) {
      log.info1(out, `Serving ${app} v${release.version} as a static site`);
      await this.switchTo(app, { release, target: { kind: 'static', dir: artifact.dir } }, previous, scope, ['', '']);
      this.retireOthers(app, undefined, graceMs, out);
      return;
    }
    const scale = effectiveScale(release.processTypes, await this.store.ps.scale(app));
    log.info1(out, `Starting ${app} v${release.version} (${formatScale(scale, ' ') || 'no process types'})`);
    const generation = await this.scheduler.start({ release: artifact, scale, env });
    try {
      const web = generation.instances().filter((i) => i.type === 'web');
      for (const i of web) log.verbose(out, `${i.id} on ${i.host}:${i.port}`);
      await checkGeneration(generation, {
        plan: await loadCheckPlan(artifact.dir),
        startTimeoutMs: secondsSetting(env, 'SLIPWAY_START_TIMEOUT', 60),
        hostHeader: (await this.routes.hostnames(app))[0] ?? 'localhost',
        out,
        signal,
      });
      for (const i of web) await fire(scope, 'check-deploy', [app, i.id, i.type, String(i.port ?? ''), i.host]);
      const target: RouteTarget = web.length
        ? { kind: 'upstreams', upstreams: web.map((i) => ({ host: i.host, port: i.port as number })) }
        : { kind: 'stopped' };
      const first = web[0];
      await this.switchTo(app, { release, generation, target }, previous, scope, [String(first?.port ?? ''), first?.host ?? '']);
    } catch (error) {
      await this.scheduler.stop(generation, { killAfterMs: 5_000 });
      throw error;
    }
    this.retireOthers(app, generation, graceMs, out);
  }

  /** Switch the proxy, fire post-deploy; if that fails, switch back and rethrow. */
  private async switchTo(app: AppName, next: Live, previous: Live | undefined, scope: TriggerScope, portHost: [string, string]): Promise<void> {
    log.info1(scope.out, `Switching traffic to v${next.release.version}`);
    await this.routes.apply(app, next.target);
    this.live.set(app, next);
    try {
      await fire(scope, 'post-deploy', [app, ...portHost, `v${next.release.version}`]);
    } catch (error) {
      if (previous) await this.routes.apply(app, previous.target);
      else this.routes.remove(app);
      if (previous) this.live.set(app, previous);
      else this.live.delete(app);
      throw error;
    }
  }

  /** Stop every other generation of the app after the grace period (in the background). */
  private retireOthers(app: AppName, keep: Generation | undefined, graceMs: number, out: Out): void {
    for (const old of this.scheduler.generations(app)) {
      if (old === keep || this.retiring.has(old)) continue;
      this.retiring.add(old);
      log.info1(out, `Retiring v${old.version} processes${graceMs ? ` in ${graceMs / 1000}s` : ''}`);
      this.scheduler.stop(old, { graceMs }).catch((error: Error) => this.serverLog(`${app}: cannot stop v${old.version}: ${error.message}`));
    }
  }

  private async requireRelease(app: AppName): Promise<ReleaseRecord> {
    await this.store.apps.require(app);
    const release = await this.store.releases.current(app);
    if (!release) throw new SlipwayError('E_NOT_DEPLOYED', `App ${app} has not been deployed`, 1);
    return release;
  }

  async start(app: AppName, out: Out, signal: AbortSignal): Promise<void> {
    const release = await this.requireRelease(app);
    await withDeployLock(this.store, app, async () => {
      await this.store.ps.setRestore(app, true);
      if (this.isRunning(app)) {
        log.info1(out, `App ${app} is already running`);
        return;
      }
      await this.activate(app, release, { out, signal, keyName: 'admin' });
    });
  }

  async stop(app: AppName, out: Out): Promise<void> {
    const release = await this.requireRelease(app);
    await withDeployLock(this.store, app, async () => {
      log.info1(out, `Stopping ${app}`);
      await this.store.ps.setRestore(app, false);
      await this.scheduler.destroy(app);
      await this.routes.apply(app, { kind: 'stopped' });
      this.live.set(app, { release, target: { kind: 'stopped' } });
    });
    await fire({ plugins: this.services.plugins, out, signal: new AbortController().signal, keyName: 'admin' }, 'post-stop', [app]);
  }

  /** Start a fresh generation of the current release (new config); nothing when not running. */
  async restart(app: AppName, out: Out, signal: AbortSignal, options: { quietIfIdle?: boolean } = {}): Promise<void> {
    await this.store.apps.require(app);
    const release = await this.store.releases.current(app);
    if (!release || !(await this.store.ps.restore(app))) {
      if (!options.quietIfIdle) log.info1(out, `App ${app} is not running (${release ? 'stopped' : 'not deployed'}); nothing to restart`);
      return;
    }
    await withDeployLock(this.store, app, async () => {
      log.info1(out, `Restarting ${app}`);
      await this.activate(app, release, { out, signal, keyName: 'admin' });
    });
  }

  async scale(app: AppName, changes: Scale, out: Out, signal: AbortSignal): Promise<void> {
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
      log.info1(out, `Scaling ${app} processes: ${formatScale(changes, ' ')}`);
      if (release && !release.static && (await this.store.ps.restore(app))) {
        await this.activate(app, release, { out, signal, keyName: 'admin' });
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

  /** A one-off command in the current release with the app's env; resolves to its exit code. */
  async run(app: AppName, command: string, io: RunIO, signal: AbortSignal): Promise<number> {
    const release = await this.requireRelease(app);
    return this.scheduler.run({ release: this.artifact(app, release), env: await appConfig(this.store, app), command }, io, signal);
  }

  /** Publish the route again (domains changed). */
  async refreshRoute(app: AppName): Promise<void> {
    const live = this.live.get(app);
    if (live) await this.routes.apply(app, live.target);
  }

  async destroy(app: AppName, out: Out): Promise<void> {
    await withDeployLock(this.store, app, async () => {
      if (this.live.has(app)) log.info1(out, `Stopping ${app} processes`);
      await this.scheduler.destroy(app);
      this.routes.remove(app);
      this.live.delete(app);
    });
  }

  async renamed(from: AppName, to: AppName, out: Out): Promise<void> {
    const wasRunning = this.isRunning(from);
    await this.destroy(from, out);
    await this.store.domains.renameDefaults(from, to);
    if (wasRunning) await this.restart(to, out, new AbortController().signal);
  }

  /** At server start: bring back every app that was running (its current release and scale). */
  async restoreAll(): Promise<void> {
    const apps = await this.store.apps.list();
    const queue = [...apps];
    const worker = async () => {
      for (let app = queue.shift(); app !== undefined; app = queue.shift()) await this.restore(app);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  private async restore(app: AppName): Promise<void> {
    const release = await this.store.releases.current(app);
    if (!release) return;
    const out = serverOut(this.serverLog, app);
    try {
      await withDeployLock(this.store, app, async () => {
        if (!(await this.store.ps.restore(app))) {
          await this.routes.apply(app, { kind: 'stopped' });
          this.live.set(app, { release, target: { kind: 'stopped' } });
          return;
        }
        await this.activate(app, release, { out, signal: this.closing.signal, keyName: 'admin' });
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

  /** Stop waiting on restores; stop every process (their desired state stays for the next start). */
  abortRestores(): void {
    this.closing.abort();
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.scheduler.close();
  }
}

/** Progress of server-initiated work (restores) goes to the server log, one line per line. */
function serverOut(serverLog: (line: string) => void, app: AppName): Out {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) serverLog(`${app}: ${line.trim()}`);
      done();
    },
  });
  return { stdout: sink, stderr: sink, quiet: true };
}
