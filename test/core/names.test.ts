import assert from 'node:assert/strict';
import { parseAppName, parseConfigKey, isValidAppName } from '../../src/names.js';

describe('app names', () => {
  for (const good of ['myapp', 'my-app', 'app2', '2app', 'a.b']) {
    it(`accepts ${good}`, () => assert.equal(parseAppName(good), good));
  }
  for (const bad of ['../x', 'a b', 'A', '', '-x', '.x', 'a/b', 'a..b', 'x'.repeat(64), 'ümlaut', 'a;b', 'a\nb']) {
    it(`refuses ${JSON.stringify(bad)} with one clear line`, () => {
      assert.throws(() => parseAppName(bad), (e: Error) => !e.message.includes('\n') && /App name|specify an app/.test(e.message));
      assert.equal(isValidAppName(bad), false);
    });
  }
});

describe('config keys', () => {
  it('accepts env-style names', () => assert.equal(parseConfigKey('DATABASE_URL'), 'DATABASE_URL'));
  for (const bad of ['1X', 'A-B', 'A B', '', 'A=B', '$X']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseConfigKey(bad), /Invalid key name: '/));
  }
});
