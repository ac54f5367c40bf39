// The running server's note for local CLIs: which control socket and data folders it uses, kept in
// ~/.slipway/run/server-<hash of the package root>.json from start to stop (written atomically).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../settings.js';

export interface ServerRecord {
  pid: number;
  packageRoot: string;
  home: string;
  keysDir: string;
  controlSocket: string;
  startedAt: string;
}

/** One record per user (home folder) and installed copy of Slipway (package root). */
export function recordPath(packageRoot: string, userHome: string = os.homedir()): string {
  const id = crypto.createHash('sha256').update(packageRoot).digest('hex').slice(0, 16);
  return path.join(userHome, '.slipway', 'run', `server-${id}.json`);
}

/** Writes this server's record; the returned function removes it (only while it is still ours). */
export function publishRecord(settings: Settings, controlSocket: string, file: string = recordPath(settings.packageRoot)): () => void {
  const record: ServerRecord = {
    pid: process.pid,
    packageRoot: settings.packageRoot,
    home: settings.home,
    keysDir: settings.keysDir,
    controlSocket,
    startedAt: new Date().toISOString(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
  return () => {
    if (readRecord(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
}

function isRecord(value: unknown): value is ServerRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.pid === 'number' && ['packageRoot', 'home', 'keysDir', 'controlSocket'].every((k) => typeof r[k] === 'string');
}

/** The record at `file`, or undefined when there is none or it is not one of ours. */
export function readRecord(file: string): ServerRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined; // a torn or foreign file: treated as absent
    throw error;
  }
  return isRecord(parsed) ? parsed : undefined;
}
