// When letsencrypt renews: dokku-letsencrypt's rule (due once the time left is under the grace
// period), the most urgent first, when the server's renewal job looks next, and the time format.
import assert from 'node:assert/strict';
import { HOUR_MS, MINUTE_MS, byUrgency, formatTimeDiff, isDue, nextCheck, renewAt } from '../../src/core/letsencrypt/renewal.js';

const DAY = 24 * HOUR_MS;
const now = Date.UTC(2026, 0, 1);
const entry = (app: string, daysLeft: number, graceDays = 30) => ({ app, notAfter: now + daysLeft * DAY, graceSeconds: graceDays * 86_400 });

describe('letsencrypt renewal decisions', () => {
  it('a certificate is due once its time left drops below the grace period', () => {
    assert.equal(isDue(entry('a', 31), now), false);
    assert.equal(isDue(entry('a', 29), now), true);
    assert.equal(isDue(entry('a', 89, 90), now), true);
    assert.equal(renewAt(entry('a', 90)), now + 60 * DAY);
  });

  it('orders apps by time to renewal, most urgent first', () => {
    const order = byUrgency([entry('late', 80), entry('soon', 31), entry('due', 10), entry('long-grace', 40, 35)]).map((e) => e.app);
    assert.deepEqual(order, ['due', 'soon', 'long-grace', 'late']);
  });

  it('the server job looks again when the next certificate falls due, between a minute and an hour away', () => {
    assert.equal(nextCheck([], now), now + HOUR_MS, 'nothing issued: hourly');
    assert.equal(nextCheck([entry('a', 60)], now), now + HOUR_MS, 'far away: still hourly, to see new certificates');
    const soon = { app: 'b', notAfter: now + 30 * DAY + 10 * MINUTE_MS, graceSeconds: 30 * 86_400 };
    assert.equal(nextCheck([entry('a', 60), soon], now), now + 10 * MINUTE_MS, 'due in 10 minutes: then');
    const inAMoment = { app: 'c', notAfter: now + 30 * DAY + 5_000, graceSeconds: 30 * 86_400 };
    assert.equal(nextCheck([inAMoment], now), now + MINUTE_MS, 'due in 5 s: a minute from now at the soonest');
    assert.equal(nextCheck([entry('a', 5), soon], now), now + HOUR_MS, 'still due after a run (it failed): an hour later, not in a loop');
  });

  it('formats time differences as dokku-letsencrypt does', () => {
    assert.equal(formatTimeDiff(90 * 86_400 + 3 * 3600 + 5), '90d, 3h, 5s');
    assert.equal(formatTimeDiff(59), '59s');
    assert.equal(formatTimeDiff(-(2 * 86_400 + 60)), '2d, 1m ago');
  });
});
