// Starts what runs apps for `slipway serve`: the proxy, the scheduler (SLIPWAY_SCHEDULER), the
// deploy pipeline, and (once the server calls restore) the apps that were running before.
import type { CoreServices } from '../services.js';
import type { Platform, AppPlatform } from './types.js';
import { PortProxies, ReverseProxy } from '../proxy/index.js';
import { NginxProxy, NginxServer } from '../proxy/nginx/index.js';
import { defaultSchedulers, type SchedulerRegistry } from '../scheduler/registry.js';
import { defaultBuilders, type BuilderRegistry } from '../build/registry.js';
import { AppController } from './controller.js';
import { DeployPipeline } from './pipeline.js';
import { Routes } from './routes.js';
import { nginxTriggers } from './nginx-triggers.js';
import { revertInterruptedRevisions } from './git-rev.js';
import { parseAppName } from '../names.js';

export interface PlatformOptions {
  schedulers?: SchedulerRegistry;
  builders?: BuilderRegistry;
}

export interface RunningPlatform extends Platform {
  /** The port the proxy listens on (useful when SLIPWAY_HTTP_LISTEN asks for port 0). */
  httpPort: number;
  /**
   * Bring back every app that was running before the server start; settles when each came back
   * (or failed to). Called once boot() registered the core's trigger answers; later calls share it.
   */
  restore(): Promise<void>;
}

export async function startPlatform(services: CoreServices, log: (line: string) => void, options: PlatformOptions = {}): Promise<RunningPlatform> {
  const { settings } = services;
  const onError = (error: Error, context: string): void => log(`proxy: ${context}: ${error.message}`);
  const proxy = new ReverseProxy({
    onError,
    trustedProxies: settings.trustedProxies,
    // letsencrypt:enable's HTTP-01 tokens, from the app's acme-challenges folder.
    acmeChallenge: async (app, token) => {
      const name = parseAppName(app);
      return services.store.acme.challenge(name, token);
    },
  });
  await failInterruptedDeploys(services, log);
  const { port: httpPort } = await proxy.listen(settings.httpListen.host, settings.httpListen.port);
  let scheduler;
  let httpsPort: number | undefined;
  try {
    if (settings.httpsListen) httpsPort = (await proxy.listenHttps(settings.httpsListen.host, settings.httpsListen.port)).port;
    scheduler = await (options.schedulers ?? defaultSchedulers()).createPerApp(settings.scheduler, { store: services.store, log });
  } catch (error) {
    await proxy.close();
    throw error;
  }
  const nginx = new NginxProxy(new NginxServer(settings.nginx, services.store.nginx), services.store.nginx);
  // Apps without vhosts (domains:disable) get a listener per host port, beside the shared one.
  const portProxies = new PortProxies(settings.httpListen.host, { onError, trustedProxies: settings.trustedProxies });
  const closing = new AbortController();
  const routes = new Routes(proxy, services.store, httpPort, nginx, { proxies: portProxies, host: settings.httpListen.host }, httpsPort,
    nginxTriggers(services.plugins, log, closing.signal));
  const controller = new AppController(services, scheduler, routes, log);
  const pipeline = new DeployPipeline(services, controller, options.builders ?? defaultBuilders(), () => httpPort, log);

  const control: AppPlatform = {
    scheduler: scheduler.name,
    httpPort,
    httpsPort,
    start: (app, out, request) => controller.start(app, out, request),
    stop: (app, out, request) => controller.stop(app, out, request),
    restart: (app, out, request) => controller.restart(app, out, request),
    rebuild: (app, out, request) => pipeline.rebuild(app, out, request),
    deployRevision: (app, rev, out, request) => pipeline.deployRevision(app, rev, out, request),
    scale: (app, changes, out, request) => controller.scale(app, changes, out, request),
    rollback: (app, version, out, request) => pipeline.rollback(app, version, out, request),
    deployTag: (app, tag, schedulerName, out, request) => pipeline.deployTag(app, tag, schedulerName, out, request),
    status: (app) => controller.status(app),
    logs: (app, query, write, signal) => scheduler.logs(app, query, write, signal),
    run: (app, words, io, signal, options) => controller.run(app, words, io, signal, options),
    runDetached: (app, words, options) => controller.runDetached(app, words, options),
    retire: (app) => controller.retire(app),
    retireRuns: (app, each) => controller.retireRuns(app, each),
    stopRuns: (app, name) => controller.stopRuns(app, name),
    runLogs: (app, name, query, write, signal) => controller.runLogs(app, name, query, write, signal),
    runs: (app) => controller.runs(app),
    enter: (app, instance, argv, io, signal) => controller.enter(app, instance, argv, io, signal),
    routesChanged: (app) => controller.refreshRoute(app),
    routesCleared: (app) => controller.clearRoute(app),
    // A restart waiting on its new processes stops when the caller leaves; the config is already saved.
    configChanged: (app, out, request) => controller.restart(app, out, request, { quietIfIdle: true, source: 'config-redeploy' }),
    destroy: (app, out) => controller.destroy(app, out),
    renamed: (from, to, out, request) => pipeline.renamed(from, to, out, request),
    cancelBuild: (app) => pipeline.builds.cancel(app),
    runChecks: (app, selectors, out, request) => controller.runChecks(app, selectors, out, request),
    nginx,
    nginxCheckApp: (app) => routes.checkNginxConfig(app),
    onActivity: (listener) => controller.activity.listen(listener),
  };

  let restored: Promise<void> | undefined;
  return {
    control,
    deployer: pipeline,
    banner: [
      `http: http://${settings.httpListen.host}:${httpPort} (proxy)`,
      ...(settings.httpsListen && httpsPort !== undefined ? [`https: https://${settings.httpsListen.host}:${httpsPort} (proxy)`] : []),
      `scheduler: ${scheduler.name}`,
    ],
    httpPort,
    restore() {
      restored ??= controller.restoreAll();
      return restored;
    },
    async close(options = {}) {
      controller.abortRestores();
      await restored;
      closing.abort();
      await controller.close(options);
      // Like the apps, the managed nginx outlives a server that stops (keepApps) and keeps serving
      // them; the next server adopts it by its pid file and reloads it. A full close stops it by pid.
      if (options.keepApps) {
        const pid = await nginx.server.masterPid().catch(() => undefined);
        if (pid !== undefined) log(`nginx (pid ${pid}) keeps serving the apps; the next start adopts it`);
      } else {
        await nginx.stop().catch((error: Error) => log(`nginx: cannot stop: ${error.message}`));
      }
      await portProxies.close();
      await proxy.close();
    },
  };
}

/** Deploys a previous server died in (nothing deploys before the platform starts) are failed ones. */
async function failInterruptedDeploys(services: CoreServices, log: (line: string) => void): Promise<void> {
  for (const app of await services.store.apps.list()) {
    const versions = await services.store.releases.failInterrupted(app);
    if (!versions.length) continue;
    log(`${app}: ${versions.map((v) => `v${v}`).join(', ')} marked failed: the previous server stopped during the deploy`);
    await revertInterruptedRevisions(services.store, app, versions);
  }
}
