// app.json as Dokku reads it: JSON with comments and trailing commas; a syntax error names its
// line and column ("Cannot parse app.json as jsonc: line L, column C: …").
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAppJson } from '../../src/deploy/app-json.js';
import { loadCheckPlan } from '../../src/deploy/checks.js';
import { DeployFailed } from '../../src/errors.js';

const refused = (text: string, message: string) =>
  assert.throws(() => parseAppJson(text), (e: Error) => e instanceof DeployFailed && e.message === `Cannot parse app.json as jsonc: ${message}`, text);

describe('app.json (JSON with comments)', () => {
  it('reads plain JSON exactly as JSON.parse does', () => {
    const doc = { name: 'x', n: [1, -2.5, 3e2, 0], ok: true, no: false, none: null, s: 'a\n"b"\u00e9 \\ /', nested: { a: [{}, []] } };
    assert.deepEqual(parseAppJson(JSON.stringify(doc, null, 2)), doc);
    assert.deepEqual(parseAppJson('\uFEFF{}'), {});
  });

  it('ignores // and /* */ comments and trailing commas, but not comment markers inside strings', () => {
    const text = [
      '// app.json for the demo',
      '{',
      '  /* health checks',
      '     run at deploy */',
      '  "healthchecks": {',
      '    "web": [',
      '      { "type": "startup", "path": "/ready", }, // the only one',
      '    ],',
      '  },',
      '  "url": "http://example.com/*not-a-comment*/ // nor this",',
      '}',
      '/* trailing */',
    ].join('\n');
    assert.deepEqual(parseAppJson(text), {
      healthchecks: { web: [{ type: 'startup', path: '/ready' }] },
      url: 'http://example.com/*not-a-comment*/ // nor this',
    });
  });

  it('a syntax error names line and column', () => {
    refused('{\n  "a": 1\n  "b": 2\n}', 'line 3, column 3: invalid character "\\"" after object key:value pair');
    refused('{\n  "a": tru\n}', 'line 2, column 8: invalid character "t" looking for beginning of value');
    refused('{ "a": 1 } x', 'line 1, column 12: invalid character "x" after top-level value');
    refused('{\n  "a": [1, 2\n', 'line 3, column 1: unexpected end of input after array element');
    refused('{ /* open', 'line 1, column 3: unterminated /* comment');
    refused('{ "a": "x\ny" }', 'line 1, column 10: invalid character "\\n" in string literal');
    refused('{ "a": "\\q" }', 'line 1, column 8: invalid escape in string literal');
    refused('{ a: 1 }', 'line 1, column 3: invalid character "a" looking for beginning of object key string');
    refused('[,]', 'line 1, column 2: invalid character "," looking for beginning of value');
    refused('', 'line 1, column 1: unexpected end of input looking for beginning of value');
  });

  it('a "__proto__" key is data, and deep nesting is refused, not a crash', () => {
    const doc = parseAppJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    assert.throws(() => parseAppJson('['.repeat(100_000)), /Cannot parse app\.json as jsonc: line 1, column \d+: nested deeper than/);
  });

  it('health checks come from an app.json with comments; a broken one fails the deploy with its position', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-appjson-'));
    try {
      fs.writeFileSync(path.join(dir, 'app.json'), '{\n  // checked at deploy\n  "healthchecks": { "web": [ { "path": "/ready", }, ] },\n}\n');
      assert.deepEqual((await loadCheckPlan(dir)).checks.map((c) => c.path), ['/ready']);
      fs.writeFileSync(path.join(dir, 'app.json'), '{\n  "healthchecks": { "web": [ { "path": "/ready" } }\n}\n');
      await assert.rejects(loadCheckPlan(dir), /^DeployFailed: Cannot parse app\.json as jsonc: line 2, column 51: invalid character "}" after array element$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
