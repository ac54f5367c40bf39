// What a command can reach: settings, the store, the plugin host, and the app runtime that
// later layers (deploy, scheduler, proxy) plug in. Built once per process in src/boot.ts.
import type { Settings } from './settings.js';
import type { Store } from './store/index.js';
import type { PluginHost } from './plugins/host.js';
import type { AppName } from './names.js';
import type { Out } from './log.js';
import type { AppPlatform } from './deploy/types.js';

/** Hooks the running platform offers to core commands; the CLI alone has a no-op runtime. */
export interface AppRuntime {
  /** Restart the app's processes so they see new config; nothing when it is not running. */
  restart(app: AppName, out: Out): Promise<void>;
  /** Stop and remove every process, container and route of the app. */
  destroy(app: AppName, out: Out): Promise<void>;
  /** Move routes and processes to the new name. */
  renamed(from: AppName, to: AppName, out: Out): Promise<void>;
}

export interface Services {
  settings: Settings;
  store: Store;
  plugins: PluginHost;
  runtime: AppRuntime;
  /** The running server's apps (scheduler, proxy, releases); absent in a local CLI process. */
  platform?: AppPlatform;
  version: string;
}

export const idleRuntime: AppRuntime = {
  async restart() { /* nothing runs in this process */ },
  async destroy() { /* nothing runs in this process */ },
  async renamed() { /* nothing runs in this process */ },
};
