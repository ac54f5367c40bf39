import assert from 'node:assert/strict';
import { execa } from 'execa';
import { parseEnv, serializeEnv } from '../../src/store/env-file.js';

const tricky: Record<string, string> = {
  SPACES: 'hello world',
  QUOTES: `it's "quoted"`,
  DOLLAR: '$HOME and ${PATH}',
  BACKTICK: '`id` $(id)',
  NEWLINES: 'line1\nline2\n',
  BACKSLASH: 'a\\b\\\\c',
  EMPTY: '',
  UNICODE: 'grüße ✓',
};

describe('ENV file format', () => {
  it('round-trips values with spaces, quotes, $, backticks, newlines and backslashes', () => {
    const env = new Map(Object.entries(tricky));
    assert.deepEqual(Object.fromEntries(parseEnv(serializeEnv(env))), tricky);
  });
  it('is sourced by bash to the same values, without evaluating anything', async () => {
    const text = serializeEnv(new Map(Object.entries(tricky)));
    const script = `set -e; eval "$(cat)"; for k in ${Object.keys(tricky).join(' ')}; do printf '%s\\0' "\${!k}"; done`;
    const { stdout } = await execa('bash', ['-c', script], { input: text, stripFinalNewline: false });
    assert.deepEqual(stdout.split('\0').slice(0, -1), Object.values(tricky));
  });
  it('reads hand-written KEY=value and double-quoted lines', () => {
    const env = parseEnv('# comment\nA=plain\nexport B="x \\"y\\""\n\nC=\'q\'\n');
    assert.deepEqual(Object.fromEntries(env), { A: 'plain', B: 'x "y"', C: 'q' });
  });
});
