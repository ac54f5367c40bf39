// Releases of one app: an index (releases.json, written atomically under the app's lock) and one
// build directory per built release (releases/APP/vN). A rollback is a new record reusing a build.
import fs from 'node:fs/promises';
import type { Layout } from './layout.js';
import type { AppName } from '../names.js';
import { readFileOr, writeFileAtomic, exists } from './atomic.js';
import { withLock } from './lock.js';
import { unlessMissing } from '../os/missing.js';

export type ReleaseStatus = 'built' | 'deployed' | 'failed';

export interface ReleaseRecord {
  version: number;
  /** The git commit deployed. */
  rev: string;
  createdAt: string;
  /** Short digest of the merged config the release was deployed with. */
  configDigest: string;
  /** Name of the SSH key that pushed (or ran the command that made the release). */
  pusher: string;
  /** Builder name (`native`, `dockerfile`) and what it detected (`node`, `procfile`, `static`). */
  builder: string;
  kind: string;
  /** Procfile process types: type → command line. */
  processTypes: Record<string, string>;
  /** Served by the proxy from the build directory; no processes. */
  static: boolean;
  /** Image reference, for builders that produce one. */
  image?: string;
  /** Version whose build directory this release runs: itself, or an older one for a rollback. */
  build: number;
  /** Where app.json was read from in the build (app-json:set appjson-path), when not `app.json`. */
  appJsonPath?: string;
  note?: string;
  status: ReleaseStatus;
}

interface ReleaseIndex { current: number | null; releases: ReleaseRecord[] }

/** Records kept in the index; build directories are pruned separately (keepBuilds). */
const MAX_RECORDS = 100;

export class ReleaseStore {
  constructor(private readonly layout: Layout) {}

  private async index(app: AppName): Promise<ReleaseIndex> {
    const text = await readFileOr(this.layout.releasesIndex(app), '');
    if (!text) return { current: null, releases: [] };
    return JSON.parse(text) as ReleaseIndex;
  }

  private update(app: AppName, mutate: (index: ReleaseIndex) => void): Promise<void> {
    return withLock(this.layout.appLock(app), async () => {
      const index = await this.index(app);
      mutate(index);
      index.releases = index.releases.slice(-MAX_RECORDS);
      await writeFileAtomic(this.layout.releasesIndex(app), JSON.stringify(index, null, 2) + '\n', 0o644);
    });
  }

  async list(app: AppName): Promise<ReleaseRecord[]> {
    return (await this.index(app)).releases;
  }

  async get(app: AppName, version: number): Promise<ReleaseRecord | undefined> {
    return (await this.list(app)).find((r) => r.version === version);
  }

  /** The release that should be running (last successful deploy), if any. */
  async current(app: AppName): Promise<ReleaseRecord | undefined> {
    const index = await this.index(app);
    return index.current === null ? undefined : index.releases.find((r) => r.version === index.current);
  }

  buildDir(app: AppName, release: Pick<ReleaseRecord, 'build'>): string {
    return this.layout.releaseDir(app, release.build);
  }

  hasBuild(app: AppName, release: Pick<ReleaseRecord, 'build'>): Promise<boolean> {
    return exists(this.buildDir(app, release));
  }

  private async dirVersions(app: AppName): Promise<number[]> {
    const names = await unlessMissing(fs.readdir(this.layout.releasesDir(app)), [] as string[]);
    return names.flatMap((n) => (/^v\d+$/.test(n) ? [Number(n.slice(1))] : []));
  }

  /** The next version number: above every record and every build directory (even unrecorded). */
  async nextVersion(app: AppName): Promise<number> {
    const versions = [...(await this.list(app)).map((r) => r.version), ...(await this.dirVersions(app))];
    return Math.max(0, ...versions) + 1;
  }

  /** Reserve the next version and create its empty build directory (callers hold the deploy lock). */
  async reserve(app: AppName): Promise<{ version: number; dir: string }> {
    const version = await this.nextVersion(app);
    const dir = this.layout.releaseDir(app, version);
    await fs.mkdir(this.layout.releasesDir(app), { recursive: true });
    await fs.mkdir(dir);
    return { version, dir };
  }

  /** Remove a build directory that never became a release. */
  async discard(app: AppName, version: number): Promise<void> {
    await fs.rm(this.layout.releaseDir(app, version), { recursive: true, force: true });
  }

  async record(app: AppName, release: ReleaseRecord): Promise<void> {
    await this.update(app, (index) => {
      index.releases = index.releases.filter((r) => r.version !== release.version);
      index.releases.push(release);
      index.releases.sort((a, b) => a.version - b.version);
    });
  }

  /** Mark a release's outcome; a deployed release becomes the current one. */
  async setStatus(app: AppName, version: number, status: ReleaseStatus): Promise<void> {
    await this.update(app, (index) => {
      const release = index.releases.find((r) => r.version === version);
      if (!release) throw new Error(`release v${version} of ${app} is not recorded`);
      release.status = status;
      if (status === 'deployed') index.current = version;
    });
  }

  /** After apps:rename moved the images: records naming an old reference name the new one. */
  async replaceImages(app: AppName, moved: Readonly<Record<string, string>>): Promise<void> {
    const renamed = (release: ReleaseRecord) => release.image !== undefined && Object.hasOwn(moved, release.image);
    if (!(await this.list(app)).some(renamed)) return;
    await this.update(app, (index) => {
      for (const release of index.releases) if (renamed(release)) release.image = moved[release.image as string];
    });
  }

  /**
   * At server start, when no deploy runs: a release still `built` was being deployed when the
   * previous server died. Mark it failed (it never served); returns the versions marked.
   */
  async failInterrupted(app: AppName): Promise<number[]> {
    if (!(await this.list(app)).some((r) => r.status === 'built')) return [];
    const marked: number[] = [];
    await this.update(app, (index) => {
      for (const release of index.releases) {
        if (release.status !== 'built') continue;
        release.status = 'failed';
        release.note = [release.note, 'interrupted: the server stopped during this deploy'].filter(Boolean).join('; ');
        marked.push(release.version);
      }
    });
    return marked;
  }

  /** Keep the build directories of the last `keep` releases and of the current one; remove the rest. */
  async pruneBuilds(app: AppName, keep: number): Promise<number[]> {
    const index = await this.index(app);
    const kept = new Set(index.releases.slice(-keep).map((r) => r.build));
    const current = index.releases.find((r) => r.version === index.current);
    if (current) kept.add(current.build);
    const recorded = new Set(index.releases.map((r) => r.version));
    const removed: number[] = [];
    for (const version of await this.dirVersions(app)) {
      // Unrecorded directories belong to a build in progress or a crashed one: only the latter
      // exist below the newest record, so those are removed too.
      const newest = Math.max(0, ...recorded);
      if (kept.has(version) || (!recorded.has(version) && version > newest)) continue;
      await fs.rm(this.layout.releaseDir(app, version), { recursive: true, force: true });
      removed.push(version);
    }
    return removed.sort((a, b) => a - b);
  }

  /**
   * `cleanup`: the build directories no release can run again — those of failed releases and the
   * unrecorded ones a crashed build left (callers hold the deploy lock, so none is in progress).
   * A directory that any other release (the current one, a rollback) runs stays. Returns the versions.
   */
  async removeCruft(app: AppName): Promise<number[]> {
    const index = await this.index(app);
    const used = new Set(index.releases.filter((r) => r.status !== 'failed' || r.version === index.current).map((r) => r.build));
    const removed: number[] = [];
    for (const version of await this.dirVersions(app)) {
      if (used.has(version)) continue;
      await fs.rm(this.layout.releaseDir(app, version), { recursive: true, force: true });
      removed.push(version);
    }
    return removed.sort((a, b) => a - b);
  }
}
