// Dokku's ps properties a deploy honours (ps:set, app → --global → default): the Procfile's path
// in the pushed tree, the restart policy of the app's processes, and how long a stop waits before
// it kills (stop-timeout-seconds).
import type { Store, Scope } from '../store/index.js';
import { GLOBAL } from '../store/index.js';
import { DEFAULT_RESTART_POLICY, parseRestartPolicy, type RestartPolicy } from '../scheduler/restart-policy.js';

export const PS_PLUGIN = 'ps';
export const DEFAULT_PROCFILE_PATH = 'Procfile';
/** Dokku's default is 30 s; Slipway's engines have always given processes 10 s (README: ps:set). */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

export interface PsSetting { app: string; global: string; computed: string }

/** The app's and the global value as stored ('' when unset), and the one in force. */
export async function psSetting(store: Store, scope: Scope, property: string, fallback: string): Promise<PsSetting> {
  const read = async (s: Scope) => (await store.properties.get(PS_PLUGIN, s, property))?.trim() ?? '';
  const app = scope === GLOBAL ? '' : await read(scope);
  const global = await read(GLOBAL);
  return { app, global, computed: app || global || fallback };
}

/** The Procfile's path inside the release, without leading or trailing slashes (as Dokku trims it). */
export async function procfilePath(store: Store, scope: Scope): Promise<string> {
  return (await psSetting(store, scope, 'procfile-path', DEFAULT_PROCFILE_PATH)).computed.replace(/^\/+|\/+$/g, '') || DEFAULT_PROCFILE_PATH;
}

export async function restartPolicy(store: Store, scope: Scope): Promise<RestartPolicy> {
  const text = (await psSetting(store, scope, 'restart-policy', DEFAULT_RESTART_POLICY)).computed;
  return parseRestartPolicy(text) ?? (parseRestartPolicy(DEFAULT_RESTART_POLICY) as RestartPolicy);
}

export async function stopTimeoutMs(store: Store, scope: Scope): Promise<number> {
  const text = (await psSetting(store, scope, 'stop-timeout-seconds', String(DEFAULT_STOP_TIMEOUT_SECONDS))).computed;
  return (/^\d{1,6}$/.test(text) ? Number(text) : DEFAULT_STOP_TIMEOUT_SECONDS) * 1000;
}
