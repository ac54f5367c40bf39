// What a scheduler says while a release starts, as the pusher sees it: a fallback it chose as one
// ` !     ` line, and on a failed start each instance's last output lines under a header. Also what
// it says while it publishes a release (push-on-release), in the same prefixes.
import { FAILED_START_LINES, type Generation, type PublishReport, type Scheduler, type StartReport } from '../scheduler/types.js';
import { log, type Out } from '../log.js';

export function startReport(out: Out): StartReport {
  return {
    warn: (line) => log.warn(out, line),
    output: (instance, lines) => {
      if (lines.length === 0) {
        log.info1(out, `${instance} wrote no output`);
        return;
      }
      log.info1(out, `Last ${lines.length} output line${lines.length === 1 ? '' : 's'} of ${instance}:`);
      log.verbose(out, lines.join('\n'));
    },
  };
}

export function publishReport(out: Out): PublishReport {
  return {
    info: (line) => log.info1(out, line),
    verbose: (line) => log.verbose(out, line),
    warn: (line) => log.warn(out, line),
  };
}

/** Each instance's last lines, fresh from the engine when it can tell, else what it remembered. */
export async function reportFailedStart(scheduler: Scheduler, generation: Generation, report: StartReport): Promise<void> {
  for (const info of generation.instances()) {
    const remembered = info.recentOutput.slice(-FAILED_START_LINES);
    const lines = scheduler.lastOutput
      ? await scheduler.lastOutput(generation, info.id, FAILED_START_LINES).catch(() => remembered)
      : remembered;
    report.output(info.id, lines);
  }
}
