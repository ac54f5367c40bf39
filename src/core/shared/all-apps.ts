// `--all [--parallel N]` as Dokku's ps commands take it: one command run against every app, in
// serial (the default) or N at a time, each app's failure a warning and the count the error.
import os from 'node:os';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { SlipwayError } from '../../errors.js';
import { userMessage } from '../../errors.js';
import { log } from '../../log.js';
import { out } from './invocation.js';

/** Dokku's default: 0, serial. */
export const RUN_IN_SERIAL = 0;

/** `--parallel` as Go's flag.Int reads it (a bad number is a usage error, exit 2 as Go's flag exits). */
export function parseParallel(value: string | undefined): number {
  if (value === undefined) return RUN_IN_SERIAL;
  if (!/^[+-]?\d+$/.test(value.trim()) || value.trim() !== value) {
    throw new SlipwayError('E_USAGE', `invalid value "${value}" for flag -parallel: parse error`, 2);
  }
  return Number(value);
}

/**
 * Runs `command` against every app: `-1` means one per CPU, `0` and `1` serial. Every app is tried;
 * each failure is one warning line, and the command fails at the end with the count.
 */
export async function runForAllApps(
  inv: Invocation, services: Services, name: string, parallel: number, command: (app: AppName) => Promise<void>,
): Promise<void> {
  const o = out(inv);
  if (parallel < -1) throw new SlipwayError('E_USAGE', `Invalid value ${parallel} for --parallel flag`, 1);
  let workers = parallel;
  if (workers === -1) {
    workers = os.cpus().length;
    log.warn(o, `Setting --parallel=${parallel} value to CPU count of ${workers}`);
  }
  const serial = workers === 0 || workers === 1;
  if (serial) log.warn(o, `Running ${name} in serial mode`);
  await eachApp(inv, services, name, serial ? 1 : workers, command);
}

/** Dokku's serial-only `--all` (logs:failed): every app in turn, without a word on the mode. */
export function runForAllAppsSerially(inv: Invocation, services: Services, name: string, command: (app: AppName) => Promise<void>): Promise<void> {
  return eachApp(inv, services, name, 1, command);
}

async function eachApp(inv: Invocation, services: Services, name: string, workers: number, command: (app: AppName) => Promise<void>): Promise<void> {
  const o = out(inv);
  const serial = workers === 1;
  const apps = await services.store.apps.list();
  if (apps.length === 0) {
    log.warn(o, 'You haven\'t deployed any applications yet');
    return;
  }
  let errors = 0;
  const queue = [...apps];
  const worker = async () => {
    for (let app = queue.shift(); app !== undefined; app = queue.shift()) {
      log.info1(o, serial ? `Running ${name} against app ${app}` : `Running command against ${app}`);
      try {
        await command(app);
      } catch (error) {
        errors++;
        log.warn(o, serial ? `Error running ${name} against app ${app}: ${userMessage(error)}` : `Error running ${name} against ${app}: ${userMessage(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  if (errors > 0) {
    throw new SlipwayError('E_ALL_APPS_FAILED', serial ? `${name} command returned ${errors} errors` : `Encountered ${errors} errors during parallel run`, 1);
  }
}
