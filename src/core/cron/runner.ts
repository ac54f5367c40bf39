// The server's cron runner (what Dokku's generated crontab does): at each minute boundary, every
// app's app.json cron task whose schedule matches that minute runs as `cron:run APP ID` would (its
// concurrency_policy applied there), as the server, its output going to the server log. A task in
// maintenance (cron:set maintenance, cron:suspend) is skipped, as Dokku leaves it out of the crontab.
// The tasks plugins inject with cron-entries (asked at every tick) run too, as their command lines.
//
// Test-only: with SLIPWAY_TEST_CRON_TICKS=signal in the server's environment there is no minute
// timer; each SIGUSR2 runs one tick for the current minute, so tests need not wait for boundaries.
import type { Services } from '../../services.js';
import { parseSchedule } from '../../deploy/cron-schedule.js';
import { tasks } from './tasks.js';
import type { GlobalCronTask } from './global-tasks.js';

export interface CronRunner { stop(): void }

export interface CronJobs {
  /** Run an app's task as `cron:run APP ID` does; resolves to its exit code. */
  runTask(app: string, id: string): Promise<number>;
  /** The tasks plugins inject (cron-entries). */
  globalTasks(): Promise<GlobalCronTask[]>;
  /** Run one of them; resolves to its exit code. */
  runGlobal(task: GlobalCronTask): Promise<number>;
}

/** Whether a task's schedule matches the minute; a schedule that does not parse is logged and never due. */
function isDue(schedule: string, minute: Date, what: string, log: (line: string) => void): boolean {
  try {
    return parseSchedule(schedule).matches(minute);
  } catch (error) {
    log(`cron: ${what}: ${(error as Error).message}`);
    return false;
  }
}

export function startCronRunner(services: Services, jobs: CronJobs, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): CronRunner {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const bySignal = env.SLIPWAY_TEST_CRON_TICKS === 'signal';
  const next = () => {
    if (stopped || bySignal) return;
    const now = Date.now();
    timer = setTimeout(() => { void tick(new Date(Math.round(Date.now() / 60_000) * 60_000)); }, 60_000 - (now % 60_000) + 50);
    timer.unref();
  };
  const tick = async (minute: Date) => {
    next();
    try {
      for (const app of await services.store.apps.list()) {
        for (const task of await tasks(services, app)) {
          if (!isDue(task.schedule, minute, `${app} task ${task.id}`, log)) continue;
          if (task.maintenance) {
            log(`cron: skipping ${app} task ${task.id} (maintenance)`);
            continue;
          }
          log(`cron: running ${app} task ${task.id} (${task.command})`);
          // Tasks run side by side: a long one does not hold back the others or the next minute.
          jobs.runTask(app, task.id)
            .then((code) => { if (code !== 0) log(`cron: ${app} task ${task.id} exited ${code}`); })
            .catch((error: unknown) => log(`cron: ${app} task ${task.id} failed: ${error instanceof Error ? error.message : String(error)}`));
        }
      }
    } catch (error) {
      log(`cron: cannot read the apps' tasks: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      for (const task of await jobs.globalTasks()) {
        if (!isDue(task.schedule, minute, `global task ${task.id}`, log)) continue;
        log(`cron: running global task ${task.id} (${task.command})`);
        jobs.runGlobal(task)
          .then((code) => { if (code !== 0) log(`cron: global task ${task.id} exited ${code}`); })
          .catch((error: unknown) => log(`cron: global task ${task.id} failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    } catch (error) {
      log(`cron: cannot read the plugins' cron-entries: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const onSignal = () => { void tick(new Date(Math.floor(Date.now() / 60_000) * 60_000)); };
  if (bySignal) process.on('SIGUSR2', onSignal);
  next();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (bySignal) process.off('SIGUSR2', onSignal);
    },
  };
}
