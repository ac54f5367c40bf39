// The README's Errors section lists exactly the codes of src/error-codes.ts, each under its area;
// reportError turns every kind of thrown value into the lines and exit status users see.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { packageRoot } from '../../src/settings.js';
import { ERROR_CODES } from '../../src/error-codes.js';
import { CommandNotFound, SlipwayError, UsageError, reportError } from '../../src/errors.js';

/** area → codes, from the `- area: \`E_X\`, …` bullets of the README's `## Errors` section. */
function readmeTable(): Map<string, string[]> {
  const readme = fs.readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## Errors$/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'README.md has an `## Errors` section');
  const table = new Map<string, string[]>();
  for (const bullet of section.split(/^- /m).slice(1)) {
    const colon = bullet.indexOf(':');
    const area = bullet.slice(0, colon).trim();
    table.set(area, [...bullet.slice(colon).matchAll(/`(E_[A-Z0-9_]+)`/g)].map((m) => m[1]).sort());
  }
  return table;
}

function codeTable(): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const [code, area] of Object.entries(ERROR_CODES)) table.set(area, [...(table.get(area) ?? []), code].sort());
  return table;
}

function captured(): { stream: Writable; text: () => string } {
  let text = '';
  return { stream: new Writable({ write(c: Buffer, _e, done) { text += c.toString(); done(); } }), text: () => text };
}

describe('error codes', () => {
  it('the README lists every code of the table, under its area, and no other', () => {
    const readme = readmeTable();
    const code = codeTable();
    assert.deepEqual(Object.fromEntries([...readme].sort()), Object.fromEntries([...code].sort()));
  });

  it('a SlipwayError is its message line (and hint), with its exit status', () => {
    const out = captured();
    const details: string[] = [];
    assert.equal(reportError(new SlipwayError('E_DEPLOY_LOCKED', 'locked', 3), out.stream, (d) => details.push(d)), 3);
    assert.equal(reportError(new CommandNotFound('nope'), out.stream, (d) => details.push(d)), 1);
    assert.equal(out.text(), ' !     locked\n !     `nope` is not a dokku command.\n !     See `dokku help` for a list of available commands.\n');
    assert.deepEqual(details, [], 'expected errors are not logged');
  });

  it('an empty message prints nothing; an unexpected error prints one safe line and logs its stack', () => {
    const out = captured();
    const details: string[] = [];
    assert.equal(reportError(new UsageError(''), out.stream, (d) => details.push(d)), 1);
    assert.equal(out.text(), '');
    assert.equal(reportError(new TypeError('secret detail'), out.stream, (d) => details.push(d)), 1);
    assert.equal(out.text(), ' !     internal error; see the server log for details\n');
    assert.match(details[0], /TypeError: secret detail/);
  });
});
