// Per-process log files under $DOKKU_LIB_ROOT/data/logs/APP: ID.log, rotated to ID.log.1 at a size
// cap, and a bounded tail reader that merges every process's lines by their timestamp prefix.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Layout } from './layout.js';
import type { AppName } from '../names.js';
import { isMissing, unlessMissing } from '../os/missing.js';
import { GLOBAL } from './layout.js';
import type { PropertyStore } from './properties.js';
import { writeFileAtomic } from './atomic.js';

/** What logs:failed shows: the output of each process of the app's last start that failed its checks. */
export interface FailedDeployLogs {
  version: number;
  at: string;
  instances: Array<{ id: string; lines: string[] }>;
}

/** Beside the process logs (not a `.log` file, so `logs` never reads it); gone with the app. */
const FAILED_DEPLOY_FILE = 'failed-deploy.json';

export const LOG_SIZE_CAP = 1024 * 1024;
/** logs:set max-size when unset (Dokku's default is 10m; Slipway keeps its 1 MiB files). */
export const DEFAULT_LOG_MAX_SIZE = '1m';

/** Dokku's max-size (`N` then k, m or g; `unlimited`) in bytes; undefined when it is not one. */
export function logMaxBytes(value: string): number | undefined {
  if (value === 'unlimited') return Infinity;
  const match = /^(\d{1,9})([kmg])$/.exec(value);
  if (!match || Number(match[1]) === 0) return undefined;
  return Number(match[1]) * 1024 ** ({ k: 1, m: 2, g: 3 } as const)[match[2] as 'k' | 'm' | 'g'];
}
const TAIL_CHUNK = 64 * 1024;
/** A tail never reads more than this per file, whatever N asks for. */
const TAIL_MAX_BYTES = 4 * LOG_SIZE_CAP;

/** Appends lines to one file; past the cap the file becomes ID.log.1 and a new one starts. */
export class RotatingLog {
  private stream?: fs.WriteStream;
  private size = 0;
  private last: Promise<void> = Promise.resolve();

  /** Size at which the file rotates (logs:set max-size); may change while it is open. */
  constructor(readonly file: string, public cap = LOG_SIZE_CAP) {}

  write(line: string): void {
    if (!this.stream) this.open();
    const data = line.endsWith('\n') ? line : `${line}\n`;
    // A stream writes in order: once the last write landed, every earlier one did.
    this.last = new Promise((resolve) => this.stream!.write(data, () => resolve()));
    this.size += Buffer.byteLength(data);
    if (this.size >= this.cap) this.rotate();
  }

  private open(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    try {
      this.size = fs.statSync(this.file).size;
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.size = 0;
    }
    // Opened synchronously: a rotation in the same tick must find the file on disk.
    const fd = fs.openSync(this.file, 'a', 0o640);
    this.stream = fs.createWriteStream(this.file, { fd });
    this.stream.on('error', (error) => process.stderr.write(`slipway: log ${this.file}: ${error.message}\n`));
  }

  private rotate(): void {
    // Buffered data still lands in the renamed file: the stream keeps its descriptor.
    this.stream?.end();
    this.stream = undefined;
    try {
      fs.renameSync(this.file, `${this.file}.1`);
    } catch (error) {
      process.stderr.write(`slipway: cannot rotate ${this.file}: ${(error as Error).message}\n`);
    }
  }

  /** Resolves once every line written so far is in the file (a tail read after it sees them). */
  written(): Promise<void> {
    return this.last;
  }

  close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }
}

/** The last `count` lines of a file, reading backwards in chunks (never the whole file). */
async function lastLines(file: string, count: number): Promise<string[]> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let position = size;
    let text = '';
    while (position > 0 && size - position < TAIL_MAX_BYTES) {
      const length = Math.min(TAIL_CHUNK, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      text = buffer.toString('utf8') + text;
      if (text.split('\n').length > count + 1) break;
    }
    const lines = text.split('\n').filter((l) => l !== '');
    if (position > 0) lines.shift(); // probably cut in the middle
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}

export class LogStore {
  constructor(private readonly layout: Layout, private readonly properties?: PropertyStore) {}

  /** The max-size set for the app (its own, else the global one); undefined when neither is set. */
  async maxSizeSetting(app: AppName): Promise<string | undefined> {
    for (const scope of [app, GLOBAL] as const) {
      const value = (await this.properties?.get('logs', scope, 'max-size'))?.trim();
      if (value && logMaxBytes(value) !== undefined) return value;
    }
    return undefined;
  }

  /** The app's logs max-size (app, else global, else the default) in bytes. */
  async maxBytes(app: AppName): Promise<number> {
    for (const scope of [app, GLOBAL] as const) {
      const value = (await this.properties?.get('logs', scope, 'max-size'))?.trim();
      const bytes = value ? logMaxBytes(value) : undefined;
      if (bytes !== undefined) return bytes;
    }
    return logMaxBytes(DEFAULT_LOG_MAX_SIZE) as number;
  }

  file(app: AppName, id: string): string {
    return path.join(this.layout.logsDir(app), `${id}.log`);
  }

  open(app: AppName, id: string, cap = LOG_SIZE_CAP): RotatingLog {
    return new RotatingLog(this.file(app, id), cap);
  }

  /** A start of the app failed its checks: its processes' output, kept until the next start (Dokku's failed-containers). */
  async saveFailedDeploy(app: AppName, record: FailedDeployLogs): Promise<void> {
    await fsp.mkdir(this.layout.logsDir(app), { recursive: true });
    await writeFileAtomic(path.join(this.layout.logsDir(app), FAILED_DEPLOY_FILE), `${JSON.stringify(record)}\n`, 0o640);
  }

  /** The app's last failed start, unless a start came after it. */
  async failedDeploy(app: AppName): Promise<FailedDeployLogs | undefined> {
    const text = await unlessMissing(fsp.readFile(path.join(this.layout.logsDir(app), FAILED_DEPLOY_FILE), 'utf8'), undefined);
    if (text === undefined) return undefined;
    try {
      const record = JSON.parse(text) as FailedDeployLogs;
      return Array.isArray(record.instances) ? record : undefined;
    } catch (error) {
      throw new Error(`${FAILED_DEPLOY_FILE} of ${app} is not JSON: ${(error as Error).message}`, { cause: error });
    }
  }

  /** A new start begins: what failed before no longer describes the app (Dokku removes failed-containers here). */
  async clearFailedDeploy(app: AppName): Promise<void> {
    await fsp.rm(path.join(this.layout.logsDir(app), FAILED_DEPLOY_FILE), { force: true });
  }

  /** The last `count` lines across the app's processes (only `type` when given), oldest first. */
  async tail(app: AppName, count: number, type?: string): Promise<string[]> {
    const names = await unlessMissing(fsp.readdir(this.layout.logsDir(app)), [] as string[]);
    const ids = names.filter((n) => n.endsWith('.log')).map((n) => n.slice(0, -4))
      .filter((id) => type === undefined || id === type || id.startsWith(`${type}.`));
    const lines: string[] = [];
    for (const id of ids) {
      const file = this.file(app, id);
      const recent = await lastLines(file, count);
      const older = recent.length < count ? await lastLines(`${file}.1`, count - recent.length) : [];
      lines.push(...older, ...recent);
    }
    // Lines start with an ISO timestamp, so a stable string sort is a time sort.
    const keyed = lines.map((line, i) => ({ line, i, at: line.slice(0, line.indexOf(' ')) }));
    keyed.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i));
    return keyed.map((e) => e.line).slice(-count);
  }
}
