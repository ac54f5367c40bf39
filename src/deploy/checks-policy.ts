// Dokku's checks properties, read for a deploy: the process types whose checks are skipped
// (`skipped`) or whose zero downtime is off (`disabled`), each a comma list or `_all_`, and the
// grace period old processes get after a switch (`wait-to-retire`, app → global → config → 10 s).
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { GLOBAL } from '../store/index.js';

export const CHECKS_PLUGIN = 'checks';
export const ALL_TYPES = '_all_';
/** Slipway's default grace period (Dokku's is 60 s); DOKKU_WAIT_TO_RETIRE in the config also sets it. */
export const DEFAULT_WAIT_TO_RETIRE = 10;

/** `enabled`: checks run; `skipped`: no checks, zero downtime kept; `disabled`: no checks, old processes stop first. */
export type CheckMode = 'enabled' | 'skipped' | 'disabled';

export function parseTypeList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((t) => t.trim()).filter(Boolean);
}

export interface ChecksPolicy {
  disabled: string[];
  skipped: string[];
  /** Disabled wins over skipped, as in Dokku's deploy. */
  mode(type: string): CheckMode;
}

export async function checksPolicy(store: Store, app: AppName): Promise<ChecksPolicy> {
  const disabled = parseTypeList(await store.properties.get(CHECKS_PLUGIN, app, 'disabled'));
  const skipped = parseTypeList(await store.properties.get(CHECKS_PLUGIN, app, 'skipped'));
  const has = (list: string[], type: string) => list.includes(ALL_TYPES) || list.includes(type);
  return {
    disabled,
    skipped,
    mode: (type) => (has(disabled, type) ? 'disabled' : has(skipped, type) ? 'skipped' : 'enabled'),
  };
}

function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

export interface WaitToRetire { app: string; global: string; computed: number }

/** The app's and the global property as stored, and the seconds a deploy uses. */
export async function waitToRetire(store: Store, app: AppName | undefined, env: Record<string, string>): Promise<WaitToRetire> {
  const own = app === undefined ? undefined : await store.properties.get(CHECKS_PLUGIN, app, 'wait-to-retire');
  const global = await store.properties.get(CHECKS_PLUGIN, GLOBAL, 'wait-to-retire');
  const computed = seconds(own) ?? seconds(global) ?? seconds(env.DOKKU_WAIT_TO_RETIRE) ?? DEFAULT_WAIT_TO_RETIRE;
  return { app: own ?? '', global: global ?? '', computed };
}
