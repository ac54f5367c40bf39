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

/** At most this many lines of each process are kept for logs:failed (the pusher sees FAILED_START_LINES). */
export const FAILED_DEPLOY_LINES = 1000;

export type FailedOutput = Array<{ id: string; lines: string[] }>;

/**
 * Each instance's last lines, fresh from the engine when it can tell, else what it remembered:
 * the pusher is shown the last few, and all that was read is returned for logs:failed.
 */
export async function reportFailedStart(scheduler: Scheduler, generation: Generation, report: StartReport): Promise<FailedOutput> {
  const captured: FailedOutput = [];
  for (const info of generation.instances()) {
    const remembered = [...info.recentOutput];
    const lines = scheduler.lastOutput
      ? await scheduler.lastOutput(generation, info.id, FAILED_DEPLOY_LINES).catch(() => remembered)
      : remembered;
    report.output(info.id, lines.slice(-FAILED_START_LINES));
    captured.push({ id: info.id, lines });
  }
  return captured;
}

/** A StartReport that also keeps what the engine showed (a start that failed inside the engine). */
export function keepingOutput(report: StartReport): { report: StartReport; shown: FailedOutput } {
  const shown: FailedOutput = [];
  return {
    shown,
    report: {
      warn: (line) => report.warn(line),
      output: (instance, lines) => {
        shown.push({ id: instance, lines: [...lines] });
        report.output(instance, lines);
      },
    },
  };
}
