// Named storage entries (Dokku ≥ 0.38): names, chown presets, modes, and which apps mount an entry.
// An app's mounts stay `source:target` lines; a mount belongs to the entry whose host path it binds.
// A mount of a path no entry owns shows as Dokku's migrated `legacy-<hash>` entry (computed, not stored).
import { createHash } from 'node:crypto';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import type { StorageEntry } from '../../store/index.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { readMounts, type Mount } from '../../scheduler/mounts.js';

export const DOCKER_LOCAL = 'docker-local';
export const LEGACY_PREFIX = 'legacy-';
const MAX_NAME = 45;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const VOLUME_TOKEN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Dokku's rule for entry names: a DNS-1123 label of at most 45 characters, not `legacy-…`. */
export function checkEntryName(name: string | undefined, allowLegacy = false): string {
  if (!name) throw new UsageError('storage entry name is required');
  const shown = JSON.stringify(name);
  if (name.length > MAX_NAME) throw new UsageError(`storage entry name ${shown} is too long (at most ${MAX_NAME} characters)`);
  if (!DNS_LABEL.test(name)) {
    throw new UsageError(`storage entry name ${shown} must be a DNS-1123 label (lowercase letters, digits and dashes; no dash first or last)`);
  }
  if (!allowLegacy && name.startsWith(LEGACY_PREFIX)) throw new UsageError(`storage entry name ${shown} must not start with the reserved prefix "${LEGACY_PREFIX}"`);
  return name;
}

/** A host path is absolute, or a Docker named-volume token (the engine resolves it). */
export function isVolumeToken(hostPath: string): boolean {
  return !hostPath.startsWith('/') && VOLUME_TOKEN.test(hostPath);
}

/** Dokku's --chown values: a preset, `false` (no chown), or a numeric id 0–65535. */
export function chownId(value: string): number | false {
  switch (value) {
    case 'herokuish': return 32767;
    case 'heroku': return 1000;
    case 'paketo': case 'packeto': return 2000;
    case 'root': return 0;
    case 'false': return false;
    default:
      if (/^[0-9]+$/.test(value) && Number(value) <= 65535) return Number(value);
      throw new UsageError('Unsupported chown permissions');
  }
}

/** A 3 or 4 digit octal mode, stored as 4 digits (`755` → `0755`); empty stays empty. */
export function normalizeMode(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[0-7]{3,4}$/.test(value)) throw new UsageError(`Unsupported directory mode ${JSON.stringify(value)}: use a 3 or 4 digit octal mode such as 0755`);
  return value.length === 3 ? `0${value}` : value;
}

/** The name Dokku's migration gives a colon-form mount's host path: `legacy-` + 10 hex of its sha1. */
export function legacyName(source: string): string {
  const input = source.startsWith('/') ? source : `vol:${source}`;
  return LEGACY_PREFIX + createHash('sha1').update(input).digest('hex').slice(0, 10);
}

export interface EntryView {
  entry: StorageEntry;
  /** Computed from a colon-form mount, not in the registry. */
  legacy: boolean;
}

interface Inventory {
  entries: EntryView[];
  mounts: Array<{ app: AppName; mount: Mount }>;
}

async function inventory(services: Services): Promise<Inventory> {
  const registered = await services.store.storage.list();
  const mounts: Inventory['mounts'] = [];
  for (const app of await services.store.apps.list()) {
    for (const mount of await readMounts(services.store, app)) mounts.push({ app, mount });
  }
  const owned = new Set(registered.map((e) => e.host_path));
  const legacy = new Map<string, StorageEntry>();
  for (const { mount } of mounts) {
    if (owned.has(mount.source)) continue;
    const name = legacyName(mount.source);
    legacy.set(name, { name, scheduler: DOCKER_LOCAL, host_path: mount.source, schema_version: 1 });
  }
  const entries = [
    ...registered.map((entry) => ({ entry, legacy: false })),
    ...[...legacy.values()].map((entry) => ({ entry, legacy: true })),
  ].sort((a, b) => (a.entry.name < b.entry.name ? -1 : a.entry.name > b.entry.name ? 1 : 0));
  return { entries, mounts };
}

/** Every entry (registered, and the legacy ones apps' colon-form mounts stand for), sorted by name. */
export async function allEntries(services: Services): Promise<EntryView[]> {
  return (await inventory(services)).entries;
}

/** Each entry with the apps that mount it (sorted, once each). */
export async function entriesWithUse(services: Services): Promise<Array<EntryView & { mountedBy: AppName[] }>> {
  const { entries, mounts } = await inventory(services);
  return entries.map((view) => ({
    ...view,
    mountedBy: [...new Set(mounts.filter(({ mount }) => mount.source === view.entry.host_path).map(({ app }) => app))].sort(),
  }));
}

/** The entry by name, or Dokku's "does not exist". */
export async function requireEntry(services: Services, name: string | undefined): Promise<EntryView> {
  const wanted = checkEntryName(name, true);
  const view = (await allEntries(services)).find((v) => v.entry.name === wanted);
  if (!view) throw new NotFoundError('E_STORAGE_ENTRY_NOT_FOUND', `storage entry ${JSON.stringify(wanted)} does not exist`);
  return view;
}

/** The entry name a mount belongs to: a registered entry binding the same source, else its legacy name. */
export function entryNameOf(mount: Mount, registered: readonly StorageEntry[]): string {
  return registered.find((e) => e.host_path === mount.source)?.name ?? legacyName(mount.source);
}
