// Storage mounts of an app (`storage:mount APP /host/dir:/app/data`): parsed and checked once,
// kept one per line in the `storage` property `mounts`. Engines that run containers (docker-local)
// apply them when they next create them; storage:* edits them through this module only.
import path from 'node:path';
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { shown } from '../names.js';
import { UsageError } from '../errors.js';
import { withLock } from '../store/lock.js';

export interface Mount {
  /** An absolute host path (a bind mount) or a volume name. */
  source: string;
  target: string;
  kind: 'bind' | 'volume';
  readOnly: boolean;
}

const VOLUME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function cleanPath(value: string, what: string, spec: string): string {
  if (!value.startsWith('/')) throw new UsageError(`${what} in ${shown(spec)} must be an absolute path`);
  if (value.split('/').includes('..')) throw new UsageError(`${what} in ${shown(spec)} must not contain '..'`);
  // Commas, control characters and the like would change how the engine reads the mount.
  if (!/^[A-Za-z0-9_./@+~ -]+$/.test(value)) throw new UsageError(`${what} in ${shown(spec)} has characters a mount path cannot have`);
  return path.posix.normalize(value).replace(/(.)\/$/, '$1');
}

/** `/host/dir:/container/dir[:ro|:rw]` or `volume-name:/container/dir[:ro|:rw]`. */
export function parseMount(spec: string): Mount {
  // Dokku's shape check first, in its words; the stricter checks below are ours.
  if (spec.startsWith('/') ? !/^\/.*:\//.test(spec) : !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+:\//.test(spec)) {
    throw new UsageError(spec.startsWith('/')
      ? 'Storage path must be two valid paths divided by colon.'
      : 'Volume name must be two characters or more. Volume name must not contain invalid characters. Storage path must be two valid paths divided by colon.');
  }
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw new UsageError(`Invalid mount ${shown(spec)}: use /host/path:/container/path or volume-name:/container/path`);
  }
  const [source, target, mode] = parts as [string, string, string | undefined];
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw new UsageError(`Invalid mount mode ${shown(mode)}: use ro or rw`);
  const cleanTarget = cleanPath(target, 'the container path', spec);
  if (cleanTarget === '/') throw new UsageError('the container path must not be /');
  if (source.startsWith('/')) {
    return { source: cleanPath(source, 'the host path', spec), target: cleanTarget, kind: 'bind', readOnly: mode === 'ro' };
  }
  if (!VOLUME.test(source) || source.length > 255) {
    throw new UsageError(`Invalid mount source ${shown(source)}: use an absolute host path or a volume name`);
  }
  return { source, target: cleanTarget, kind: 'volume', readOnly: mode === 'ro' };
}

/** Docker's `source:target[:ro]` form (also how mounts are listed and stored). */
export function formatMount(mount: Mount): string {
  return `${mount.source}:${mount.target}${mount.readOnly ? ':ro' : ''}`;
}

export async function readMounts(store: Store, app: AppName): Promise<Mount[]> {
  const text = (await store.properties.get('storage', app, 'mounts')) ?? '';
  return text.split('\n').filter((line) => line.trim() !== '').map(parseMount);
}

/** Change the app's mounts under its lock; returns the new list. */
export async function updateMounts(store: Store, app: AppName, change: (mounts: Mount[]) => Mount[]): Promise<Mount[]> {
  return withLock(store.layout.appLock(app), async () => {
    const next = change(await readMounts(store, app));
    if (next.length === 0) await store.properties.delete('storage', app, 'mounts');
    else await store.properties.set('storage', app, 'mounts', next.map(formatMount).join('\n') + '\n');
    return next;
  });
}
