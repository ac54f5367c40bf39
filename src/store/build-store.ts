// Build records in Dokku's layout ($DOKKU_LIB_ROOT/data/builds/APP/ID.json and ID.log): one per
// deploy, with its captured output. `abandoned` is computed on read (running, but its process died).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Layout } from './layout.js';
import type { AppName } from '../names.js';
import { writeFileAtomic } from './atomic.js';
import { unlessMissing } from '../os/missing.js';

export type BuildKind = 'build' | 'deploy';
export type BuildStatus = 'running' | 'succeeded' | 'failed' | 'canceled';
export type BuildDisplayStatus = BuildStatus | 'abandoned';

/** Dokku's record fields, with its JSON names. */
export interface BuildRecord {
  id: string;
  app: string;
  kind: BuildKind;
  pid: number;
  started_at: string;
  finished_at?: string;
  status: BuildStatus;
  /** What started it: `git-hook`, `ps:rebuild`, `releases:rollback`, … */
  source: string;
  exit_code?: number;
}

const ID = /^[0-9a-z]{14}$/;

/** Build ids are 14 base36 characters (8 of time, 6 random): they sort by start time. */
export function isBuildId(value: string): boolean {
  return ID.test(value);
}

function newBuildId(now = Date.now()): string {
  const time = now.toString(36).padStart(8, '0').slice(-8);
  const random = BigInt(`0x${crypto.randomBytes(6).toString('hex')}`).toString(36).padStart(6, '0').slice(-6);
  return time + random;
}

function pidAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function displayStatus(record: BuildRecord): BuildDisplayStatus {
  return record.status === 'running' && !pidAlive(record.pid) ? 'abandoned' : record.status;
}

/** Whole seconds from start to finish (to now while running), as Go prints a duration: 1m14s. */
export function buildDuration(record: BuildRecord, now = Date.now()): string {
  const end = record.finished_at ? Date.parse(record.finished_at) : now;
  let seconds = Math.max(0, Math.round((end - Date.parse(record.started_at)) / 1000));
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  seconds -= h * 3600;
  const m = Math.floor(seconds / 60);
  seconds -= m * 60;
  if (h) return `${h}h${m}m${seconds}s`;
  if (m) return `${m}m${seconds}s`;
  return `${seconds}s`;
}

/** RFC 3339 without fractions, as Dokku shows times. */
function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export class BuildStore {
  constructor(private readonly layout: Layout) {}

  recordPath(app: AppName, id: string): string { return path.join(this.layout.buildsDir(app), `${id}.json`); }
  logPath(app: AppName, id: string): string { return path.join(this.layout.buildsDir(app), `${id}.log`); }

  private async write(record: BuildRecord): Promise<void> {
    await writeFileAtomic(this.recordPath(record.app as AppName, record.id), JSON.stringify(record, null, 2) + '\n', 0o644);
  }

  /** A new running record and its (empty) log, opened for appending. */
  async start(app: AppName, kind: BuildKind, source: string): Promise<{ record: BuildRecord; log: fs.WriteStream }> {
    await fsp.mkdir(this.layout.buildsDir(app), { recursive: true });
    const record: BuildRecord = { id: newBuildId(), app, kind, pid: process.pid, started_at: now(), status: 'running', source };
    await this.write(record);
    const log = fs.createWriteStream(this.logPath(app, record.id), { flags: 'a', mode: 0o644 });
    log.on('error', () => undefined); // a full disk loses log lines, never the deploy
    return { record, log };
  }

  /** Finalize a record that is still running; a record already final is left as it is. */
  async finish(app: AppName, id: string, status: Exclude<BuildStatus, 'running'>, exitCode: number): Promise<BuildRecord | undefined> {
    const record = await this.read(app, id);
    if (!record || record.status !== 'running') return record;
    const done: BuildRecord = { ...record, status, finished_at: now(), exit_code: exitCode };
    await this.write(done);
    return done;
  }

  async read(app: AppName, id: string): Promise<BuildRecord | undefined> {
    if (!isBuildId(id)) return undefined;
    const text = await unlessMissing(fsp.readFile(this.recordPath(app, id), 'utf8'), undefined);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as BuildRecord;
    } catch {
      return undefined; // a torn record (the rename is atomic, so only a hand edit) is skipped
    }
  }

  /** Every record of the app, newest first. */
  async list(app: AppName): Promise<BuildRecord[]> {
    const names = await unlessMissing(fsp.readdir(this.layout.buildsDir(app)), [] as string[]);
    const records: BuildRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const record = await this.read(app, name.slice(0, -'.json'.length));
      if (record) records.push(record);
    }
    return records.sort((a, b) => (a.started_at === b.started_at ? (a.id < b.id ? 1 : -1) : a.started_at < b.started_at ? 1 : -1));
  }

  async hasLog(app: AppName, id: string): Promise<boolean> {
    return isBuildId(id) && (await unlessMissing(fsp.stat(this.logPath(app, id)), undefined)) !== undefined;
  }

  /**
   * Dokku's prune: running records whose process died become `failed` (exit -1), then only the
   * newest `retention` finished records are kept (live ones always are). Returns the ids removed.
   */
  async prune(app: AppName, retention: number): Promise<string[]> {
    const removed: string[] = [];
    const finished: BuildRecord[] = [];
    for (const record of await this.list(app)) {
      if (displayStatus(record) === 'abandoned') {
        finished.push((await this.finish(app, record.id, 'failed', -1)) ?? record);
      } else if (record.status !== 'running') finished.push(record);
    }
    for (const record of finished.slice(retention)) {
      await fsp.rm(this.recordPath(app, record.id), { force: true });
      await fsp.rm(this.logPath(app, record.id), { force: true });
      removed.push(record.id);
    }
    return removed;
  }
}
