import assert from 'node:assert/strict';
import { alignHelp } from '../../src/commands/help-format.js';
import { parseHelpOutput } from '../../src/plugins/host.js';

describe('help columns', () => {
  it('parses `name <args>, Description` lines at the first comma', () => {
    assert.deepEqual(parseHelpOutput('    hello <app>, Says "Hello, <app>"\n\n    hello:world, Says hi\n'), [
      { usage: 'hello <app>', description: 'Says "Hello, <app>"' },
      { usage: 'hello:world', description: 'Says hi' },
    ]);
  });
  it('aligns every description to the same column', () => {
    const text = alignHelp([{ usage: 'a', description: 'one' }, { usage: 'longer:name <app>', description: 'two' }]);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0].indexOf('one'), lines[1].indexOf('two'));
    assert.equal(lines[1], '    longer:name <app>  two');
  });
});
