// Cron schedules of app.json `cron` entries: the five standard fields (numbers, `*`, ranges, lists,
// steps) and the @yearly … @hourly shorthands Dokku accepts; parsed at deploy (a bad one fails the
// deploy) and matched each minute by the server's cron runner (src/core/cron/runner.ts).
import { DeployFailed } from '../errors.js';
import { CONCURRENCY_POLICIES } from './one-off-runs.js';

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const FIELDS: Array<[name: string, min: number, max: number]> = [['minute', 0, 59], ['hour', 0, 23], ['day of month', 1, 31], ['month', 1, 12], ['day of week', 0, 7]];

export interface Schedule { matches(date: Date): boolean; restrictedDays: [boolean, boolean] }

function field(text: string, [name, min, max]: [string, number, number]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`bad ${name} field '${text}'`);
    const lo = m[1] === '*' ? min : Number(m[2]);
    const hi = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : lo;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (lo < min || hi > max || lo > hi || step < 1) throw new Error(`${name} field '${text}' is out of range ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) values.add(name === 'day of week' && v === 7 ? 0 : v);
  }
  return values;
}

/** The schedule, or an Error saying what is wrong with it. */
export function parseSchedule(text: string): Schedule {
  const expanded = MACROS[text.trim()] ?? text.trim();
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 fields or an @ shorthand, got '${text}'`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(p, FIELDS[i]));
  const restrictedDays: [boolean, boolean] = [parts[2] !== '*', parts[4] !== '*'];
  return {
    restrictedDays,
    matches(date: Date): boolean {
      if (!minute.has(date.getMinutes()) || !hour.has(date.getHours()) || !month.has(date.getMonth() + 1)) return false;
      const byDom = dom.has(date.getDate());
      const byDow = dow.has(date.getDay());
      // Standard cron: when both day fields are restricted, either one matching is enough.
      if (restrictedDays[0] && restrictedDays[1]) return byDom || byDow;
      return byDom && byDow;
    },
  };
}

/** app.json's `cron` entries, each schedule checked: a DeployFailed names the first bad one. */
export function checkCronEntries(doc: unknown): void {
  const cron = (doc as { cron?: unknown } | null)?.cron;
  if (cron === undefined) return;
  if (!Array.isArray(cron)) throw new DeployFailed('app.json: cron must be a list of {command, schedule} entries');
  for (const entry of cron as Array<{ command?: unknown; schedule?: unknown; concurrency_policy?: unknown }>) {
    if (typeof entry?.command !== 'string' || entry.command.trim() === '') throw new DeployFailed('app.json: a cron entry has no command');
    if (typeof entry.schedule !== 'string') throw new DeployFailed(`app.json: cron task '${entry.command}' has no schedule`);
    const policy = entry.concurrency_policy;
    if (policy !== undefined && policy !== '' && !(CONCURRENCY_POLICIES as readonly unknown[]).includes(policy)) {
      throw new DeployFailed(`app.json: invalid cron concurrency policy for '${entry.command}': ${JSON.stringify(policy)} (allow, forbid or replace)`);
    }
    try {
      parseSchedule(entry.schedule);
    } catch (error) {
      throw new DeployFailed(`app.json: invalid cron schedule for '${entry.command}': ${(error as Error).message}`, { cause: error });
    }
  }
}
