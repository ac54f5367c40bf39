// What a command can reach: settings, the store, the plugin host, and — in `slipway serve` — the
// platform that runs apps. Built once per process in src/boot.ts and frozen there.
import type { Settings } from './settings.js';
import type { Store } from './store/index.js';
import type { PluginHost } from './plugins/host.js';
import type { AppPlatform } from './deploy/types.js';

/** What every process has, before (and without) a platform: the platform itself is built on it. */
export interface CoreServices {
  readonly settings: Settings;
  readonly store: Store;
  readonly plugins: PluginHost;
  readonly version: string;
}

/** The running server's web dashboard, as dashboard:login sees it. */
export interface DashboardDoor {
  /** The address users open (SLIPWAY_DASHBOARD_URL, else the listener's); undefined until it listens. */
  url(): string | undefined;
}

export interface Services extends CoreServices {
  /** The running server's apps (scheduler, proxy, releases); absent in a local CLI process. */
  readonly platform?: AppPlatform;
  /** The running server's dashboard; absent in a local CLI process and when SLIPWAY_DASHBOARD_LISTEN is off. */
  readonly dashboard?: DashboardDoor;
}
