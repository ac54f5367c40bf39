// The server's cron runner (what Dokku's generated crontab does): at each minute boundary, every
// app's app.json cron task whose schedule matches that minute runs as `cron:run APP ID` would (its
// concurrency_policy applied there), as the server, its output going to the server log. A task in
// maintenance (cron:set maintenance, cron:suspend) is skipped, as Dokku leaves it out of the crontab.
//
// Test-only: with SLIPWAY_TEST_CRON_TICKS=signal in the server's environment there is no minute
// timer; each SIGUSR2 runs one tick for the current minute, so tests need not wait for boundaries.
import type { Services } from '../../services.js';
import { parseSchedule } from '../../deploy/cron-schedule.js';
import { tasks } from './tasks.js';

export interface CronRunner { stop(): void }

export function startCronRunner(
  services: Services, runTask: (app: string, id: string) => Promise<number>, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env,
): CronRunner {
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
          let due = false;
          try {
            due = parseSchedule(task.schedule).matches(minute);
          } catch (error) {
            log(`cron: ${app} task ${task.id}: ${(error as Error).message}`);
          }
          if (!due) continue;
          if (task.maintenance) {
            log(`cron: skipping ${app} task ${task.id} (maintenance)`);
            continue;
          }
          log(`cron: running ${app} task ${task.id} (${task.command})`);
          // Tasks run side by side: a long one does not hold back the others or the next minute.
          runTask(app, task.id)
            .then((code) => { if (code !== 0) log(`cron: ${app} task ${task.id} exited ${code}`); })
            .catch((error: unknown) => log(`cron: ${app} task ${task.id} failed: ${error instanceof Error ? error.message : String(error)}`));
        }
      }
    } catch (error) {
      log(`cron: cannot read the apps' tasks: ${error instanceof Error ? error.message : String(error)}`);
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
