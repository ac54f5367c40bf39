// When certificates are renewed: dokku-letsencrypt's rule (renew once the time left drops below
// the grace period, most urgent first) and when the server's own renewal job looks again.
// Pure functions of the clock, so the decisions are unit-tested without waiting.

export interface RenewalEntry {
  app: string;
  /** The certificate's notAfter, in ms since the epoch. */
  notAfter: number;
  /** letsencrypt's computed graceperiod, in seconds. */
  graceSeconds: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

/** The moment renewal becomes due: notAfter minus the grace period. */
export function renewAt(entry: RenewalEntry): number {
  return entry.notAfter - entry.graceSeconds * 1000;
}

/** Dokku's time_to_renewal < 0. */
export function isDue(entry: RenewalEntry, now: number): boolean {
  return renewAt(entry) - now < 0;
}

/** Dokku sorts by time to renewal, most urgent first (it matters under a rate limit). */
export function byUrgency(entries: readonly RenewalEntry[]): RenewalEntry[] {
  return [...entries].sort((a, b) => renewAt(a) - renewAt(b) || a.app.localeCompare(b.app));
}

/**
 * When the server's renewal job (letsencrypt:cron-job --add) looks next: the moment the next
 * certificate becomes due, at least a minute and at most an hour away, so a certificate issued or a
 * grace period changed meanwhile is seen within the hour. A certificate still due right after the
 * job ran (its renewal failed, or a grace period longer than its life) is tried again an hour
 * later, never in a loop against the ACME server's rate limits.
 */
export function nextCheck(entries: readonly RenewalEntry[], now: number): number {
  const earliest = Math.min(...entries.map(renewAt), now + HOUR_MS);
  if (earliest <= now) return now + HOUR_MS;
  return Math.min(Math.max(earliest, now + MINUTE_MS), now + HOUR_MS);
}

/** dokku-letsencrypt's format: `12d, 3h, 4m, 5s`, zero parts left out, `… ago` when negative. */
export function formatTimeDiff(seconds: number): string {
  const negative = seconds < 0;
  let left = Math.floor(Math.abs(seconds));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const count = Math.floor(left / size);
    left %= size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  const text = parts.join(', ');
  return negative ? `${text} ago` : text;
}
