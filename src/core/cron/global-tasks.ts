// The tasks plugins inject with Dokku's cron-entries trigger: each answer line `SCHEDULE;COMMAND`
// or `SCHEDULE;COMMAND;LOGFILE`, with Dokku's id (base36 of the parts joined by `;;;`). They belong
// to no app, are never in maintenance, and run as a shell command line (not `cron:run`).
import type { Services } from '../../services.js';
import type { RunContext } from '../../plugins/host.js';
import { base36 } from './tasks.js';

/** The scheduler cron-entries is asked about: Dokku asks for docker-local's (see the trigger table). */
export const CRON_ENTRIES_SCHEDULER = 'docker-local';

export interface GlobalCronTask {
  id: string;
  command: string;
  global: true;
  schedule: string;
  concurrency_policy: '';
  'app-in-maintenance': false;
  'task-in-maintenance': false;
  maintenance: false;
  /** Where its output is appended (not in cron:list's JSON, as in Dokku). */
  logFile?: string;
}

/** One answer line as a task, or undefined when it is not two or three `;`-separated parts. */
export function parseCronEntry(line: string): GlobalCronTask | undefined {
  const parts = line.split(';');
  if (parts.length !== 2 && parts.length !== 3) return undefined;
  return {
    id: base36(Buffer.from(parts.join(';;;'), 'utf8')),
    command: parts[1],
    global: true,
    schedule: parts[0],
    concurrency_policy: '',
    'app-in-maintenance': false,
    'task-in-maintenance': false,
    maintenance: false,
    ...(parts.length === 3 ? { logFile: parts[2] } : {}),
  };
}

/**
 * Every plugin's cron-entries answer, parsed. A plugin that fails or hangs, and a line that is not a
 * task, is one `warn` line (Dokku: ` !     Invalid injected cron task: LINE`); the rest still count.
 */
export async function globalTasks(services: Services, ctx: RunContext, warn: (line: string) => void): Promise<GlobalCronTask[]> {
  const found: GlobalCronTask[] = [];
  for (const outcome of await services.plugins.fireEach('cron-entries', { DOKKU_SCHEDULER: CRON_ENTRIES_SCHEDULER }, ctx)) {
    if (outcome.failure) {
      warn(`cron-entries trigger of plugin ${outcome.plugin} ${outcome.failure}; its tasks are left out`);
      continue;
    }
    for (const line of outcome.output.split('\n')) {
      if (line.trim() === '') continue;
      const task = parseCronEntry(line);
      if (task) found.push(task);
      else warn(`Invalid injected cron task: ${line}`);
    }
  }
  return found;
}

/** cron:list's JSON of a global task: Dokku's keys, in its order, without the log file. */
export function globalTaskJson(task: GlobalCronTask): Omit<GlobalCronTask, 'logFile'> {
  const { logFile: _logFile, ...shown } = task;
  return shown;
}
