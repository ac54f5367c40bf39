// The environment an app's builds and processes see: global ENV, then the app's ENV on top,
// plus a short digest of it that each release records (to tell which config it ran with).
import { createHash } from 'node:crypto';
import type { Store } from '../store/index.js';
import { GLOBAL } from '../store/index.js';
import type { AppName } from '../names.js';

export async function appConfig(store: Store, app: AppName): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [key, value] of await store.config.read(GLOBAL)) env[key] = value;
  for (const [key, value] of await store.config.read(app)) env[key] = value;
  return env;
}

export function configDigest(env: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(env).sort()) hash.update(`${key}=${env[key]}\0`);
  return hash.digest('hex').slice(0, 12);
}

/** A whole number of seconds from the app's config (e.g. DOKKU_WAIT_TO_RETIRE), in ms. */
export function secondsSetting(env: Record<string, string>, key: string, fallbackSeconds: number): number {
  const value = Number(env[key]);
  return (env[key] !== undefined && Number.isFinite(value) && value >= 0 ? value : fallbackSeconds) * 1000;
}
