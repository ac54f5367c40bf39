// Reading health checks: Dokku's CHECKS file format and app.json healthchecks.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseChecksFile, loadCheckPlan, CHECK_DEFAULTS } from '../../src/deploy/checks.js';

describe('health check plans', () => {
  it('parses CHECKS: settings apply to every check, content is the rest of the line', () => {
    const checks = parseChecksFile('WAIT=2\nTIMEOUT=7\nATTEMPTS=3\n\n# comment\n/  Hello world\n/health\n//example.test/about About us\n');
    assert.deepEqual(checks, [
      { path: '/', content: 'Hello world', attempts: 3, timeoutMs: 7000, waitMs: 2000 },
      { path: '/health', content: undefined, attempts: 3, timeoutMs: 7000, waitMs: 2000 },
      { path: '/about', host: 'example.test', content: 'About us', attempts: 3, timeoutMs: 7000, waitMs: 2000 },
    ]);
    assert.throws(() => parseChecksFile('health ok'), /CHECKS: health is not a path/);
    assert.throws(() => parseChecksFile('ATTEMPTS=zero'), /ATTEMPTS=zero is not a number/);
  });

  it('reads app.json healthchecks.web[] paths when there is no CHECKS file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-checks-'));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ healthchecks: { web: [
      { type: 'startup', path: '/ready', attempts: 2, content: 'ok' },
      { type: 'liveness', path: '/live' },
      { type: 'startup', command: ['true'] },
    ] } }));
    const plan = await loadCheckPlan(dir);
    assert.equal(plan.source, 'app.json');
    assert.deepEqual(plan.checks, [{ path: '/ready', content: 'ok', attempts: 2, timeoutMs: CHECK_DEFAULTS.timeoutMs, waitMs: CHECK_DEFAULTS.waitMs }]);
    fs.writeFileSync(path.join(dir, 'CHECKS'), '/\n');
    assert.equal((await loadCheckPlan(dir)).source, 'CHECKS');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
