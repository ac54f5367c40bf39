// Starts what runs apps for `slipway serve`: the proxy, the scheduler (SLIPWAY_SCHEDULER), the
// deploy pipeline, and the restore of apps that were running; hands the server its hooks.
import type { Services, AppRuntime } from '../services.js';
import type { Platform, AppPlatform } from './types.js';
import { ReverseProxy } from '../proxy/index.js';
import { defaultSchedulers, type SchedulerRegistry } from '../scheduler/registry.js';
import { defaultBuilders, type BuilderRegistry } from '../build/registry.js';
import { AppController } from './controller.js';
import { DeployPipeline } from './pipeline.js';
import { Routes } from './routes.js';

export interface PlatformOptions {
  schedulers?: SchedulerRegistry;
  builders?: BuilderRegistry;
}

export interface RunningPlatform extends Platform {
  /** The port the proxy listens on (useful when SLIPWAY_HTTP_LISTEN asks for port 0). */
  httpPort: number;
  /** Settles when every app that was running before the server start was brought back (or failed to). */
  restored: Promise<void>;
}

export async function startPlatform(services: Services, log: (line: string) => void, options: PlatformOptions = {}): Promise<RunningPlatform> {
  const { settings } = services;
  const proxy = new ReverseProxy({ onError: (error, context) => log(`proxy: ${context}: ${error.message}`) });
  const { port: httpPort } = await proxy.listen(settings.httpListen.host, settings.httpListen.port);
  let scheduler;
  try {
    scheduler = await (options.schedulers ?? defaultSchedulers()).createPerApp(settings.scheduler, { store: services.store, log });
  } catch (error) {
    await proxy.close();
    throw error;
  }
  const controller = new AppController(services, scheduler, new Routes(proxy, services.store), log);
  const pipeline = new DeployPipeline(services, controller, options.builders ?? defaultBuilders(), () => httpPort, log);

  const runtime: AppRuntime = {
    restart: (app, out) => controller.restart(app, out, new AbortController().signal, { quietIfIdle: true }),
    destroy: (app, out) => controller.destroy(app, out),
    renamed: (from, to, out) => controller.renamed(from, to, out),
  };
  const control: AppPlatform = {
    scheduler: scheduler.name,
    httpPort,
    start: (app, out, signal) => controller.start(app, out, signal),
    stop: (app, out) => controller.stop(app, out),
    restart: (app, out, signal) => controller.restart(app, out, signal),
    rebuild: (app, out, signal, keyName) => pipeline.rebuild(app, out, signal, keyName),
    scale: (app, changes, out, signal) => controller.scale(app, changes, out, signal),
    rollback: (app, version, out, signal, keyName) => pipeline.rollback(app, version, out, signal, keyName),
    status: (app) => controller.status(app),
    logs: (app, query, write, signal) => scheduler.logs(app, query, write, signal),
    run: (app, command, io, signal) => controller.run(app, command, io, signal),
    routesChanged: (app) => controller.refreshRoute(app),
  };

  const restored = controller.restoreAll();
  return {
    runtime,
    control,
    deployer: pipeline,
    commandSets: [],
    banner: [`http: http://${settings.httpListen.host}:${httpPort} (proxy)`, `scheduler: ${scheduler.name}`],
    httpPort,
    restored,
    async close() {
      controller.abortRestores();
      await restored;
      await controller.close();
      await proxy.close();
    },
  };
}
