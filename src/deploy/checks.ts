// Reads an app's health checks from its release: Dokku's CHECKS file (`/path expected content`
// lines, WAIT/TIMEOUT/ATTEMPTS settings) or app.json `healthchecks.web[]` entries with a path.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeployFailed } from '../errors.js';
import { isTreePath, shown } from '../names.js';

export const APP_JSON = 'app.json';
import { unlessMissing } from '../os/missing.js';
import { parseAppJson } from './app-json.js';

export interface HttpCheck {
  path: string;
  /** Host header to send (CHECKS `//host/path` lines); the app's first domain otherwise. */
  host?: string;
  /** Text the body must contain. */
  content?: string;
  attempts: number;
  timeoutMs: number;
  /** Pause before each retry. */
  waitMs: number;
}

export interface CheckPlan {
  source: 'CHECKS' | 'app.json' | 'none';
  checks: HttpCheck[];
}

/**
 * Dokku's defaults are WAIT=5 TIMEOUT=30 ATTEMPTS=5, with WAIT also slept before the first try.
 * Here the first try happens as soon as the process accepts TCP, so WAIT only spaces retries.
 */
export const CHECK_DEFAULTS = { attempts: 5, timeoutMs: 30_000, waitMs: 5_000 };

async function readOptional(file: string): Promise<string | undefined> {
  const stat = await unlessMissing(fs.lstat(file), undefined);
  if (!stat?.isFile()) return undefined;
  return fs.readFile(file, 'utf8');
}

function positive(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new DeployFailed(`CHECKS: ${name}=${shown(value)} is not a number ≥ ${min}`);
  return n;
}

export function parseChecksFile(text: string): HttpCheck[] {
  const settings = { ...CHECK_DEFAULTS };
  const lines: Array<{ target: string; content?: string }> = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const setting = /^(WAIT|TIMEOUT|ATTEMPTS)=(\S+)$/.exec(line);
    if (setting) {
      const [, key, value] = setting;
      if (key === 'WAIT') settings.waitMs = positive(value, key, 0) * 1000;
      else if (key === 'TIMEOUT') settings.timeoutMs = positive(value, key, 1) * 1000;
      else settings.attempts = Math.floor(positive(value, key, 1));
      continue;
    }
    const space = line.search(/\s/);
    const target = space === -1 ? line : line.slice(0, space);
    const content = space === -1 ? undefined : line.slice(space).trim() || undefined;
    lines.push({ target, content });
  }
  return lines.map(({ target, content }) => ({ ...checkTarget(target), content, ...settings }));
}

/** `/path`, `//host/path` or `http(s)://host/path` → path and optional Host header. */
function checkTarget(target: string): { path: string; host?: string } {
  const url = /^(?:https?:)?\/\/([^/]+)(\/.*)?$/.exec(target);
  if (url) return { host: url[1], path: url[2] ?? '/' };
  if (!target.startsWith('/')) throw new DeployFailed(`CHECKS: ${shown(target)} is not a path (it must start with /)`);
  return { path: target };
}

interface AppJsonCheck { type?: unknown; path?: unknown; content?: unknown; attempts?: unknown; timeout?: unknown; wait?: unknown }

function appJsonChecks(text: string): HttpCheck[] {
  const parsed = parseAppJson(text);
  const web = (parsed as { healthchecks?: { web?: unknown } } | null)?.healthchecks?.web;
  if (!Array.isArray(web)) return [];
  const num = (value: unknown, fallback: number) => (typeof value === 'number' && value >= 0 ? value : fallback);
  return (web as AppJsonCheck[])
    .filter((c) => typeof c.path === 'string' && (c.type === undefined || c.type === 'startup'))
    .map((c) => ({
      ...checkTarget(c.path as string),
      content: typeof c.content === 'string' ? c.content : undefined,
      attempts: Math.max(1, Math.floor(num(c.attempts, CHECK_DEFAULTS.attempts))),
      timeoutMs: num(c.timeout, CHECK_DEFAULTS.timeoutMs / 1000) * 1000,
      waitMs: num(c.wait, CHECK_DEFAULTS.waitMs / 1000) * 1000,
    }));
}

/**
 * The HTTP checks for web processes of the release in dir (CHECKS wins over app.json); appJsonPath:
 * where the release's app.json is (app-json:set appjson-path, checked by isTreePath).
 */
export async function loadCheckPlan(dir: string, appJsonPath = APP_JSON): Promise<CheckPlan> {
  const checksFile = await readOptional(path.join(dir, 'CHECKS'));
  if (checksFile !== undefined) return { source: 'CHECKS', checks: parseChecksFile(checksFile) };
  const appJson = isTreePath(appJsonPath) ? await readOptional(path.join(dir, appJsonPath.replace(/^\/+|\/+$/g, ''))) : undefined;
  if (appJson !== undefined) {
    const checks = appJsonChecks(appJson);
    if (checks.length) return { source: 'app.json', checks };
  }
  return { source: 'none', checks: [] };
}
