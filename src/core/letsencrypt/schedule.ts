// The server's own renewal job (what letsencrypt:cron-job --add turns on, instead of a crontab
// entry): a timer that wakes when the earliest certificate becomes due (at most an hour apart,
// ./renewal.ts) and, when one is due, runs `letsencrypt:auto-renew` as the server would a command.
import { GLOBAL } from '../../store/index.js';
import type { Services } from '../../services.js';
import { AUTORENEW, PLUGIN } from './config.js';
import { renewalEntries } from './commands.js';
import { isDue, nextCheck } from './renewal.js';

/** Seconds after the server start before the first look (the start itself is not slowed). */
const FIRST_CHECK_MS = 10_000;

export interface RenewalJob { stop(): void }

/** `runAutoRenew` runs the command (its output goes to the server log); `log` gets one line per run. */
export function startRenewalJob(services: Services, runAutoRenew: () => Promise<number>, log: (line: string) => void): RenewalJob {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (at: number) => {
    if (stopped) return;
    timer = setTimeout(() => { void tick(); }, Math.max(0, at - Date.now()));
    timer.unref();
  };
  const tick = async () => {
    let entries: Awaited<ReturnType<typeof renewalEntries>> = [];
    try {
      entries = await renewalEntries(services);
      const on = (await services.store.properties.get(PLUGIN, GLOBAL, AUTORENEW)) === 'true';
      const due = entries.filter((e) => isDue(e, Date.now()));
      if (on && due.length > 0) {
        log(`letsencrypt: renewing ${due.map((e) => e.app).join(', ')}`);
        const code = await runAutoRenew();
        if (code !== 0) log(`letsencrypt: auto-renew exited ${code}; it is tried again within the hour`);
        entries = await renewalEntries(services);
      }
    } catch (error) {
      log(`letsencrypt: renewal check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    schedule(nextCheck(entries, Date.now()));
  };
  // The first look soon after start: a certificate that fell due while the server was down.
  schedule(Date.now() + FIRST_CHECK_MS);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
