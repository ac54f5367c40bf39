import assert from 'node:assert/strict';
import { splitCommandLine, parseGlobalFlags, takeFlags } from '../../src/commands/argv.js';
import { SlipwayError } from '../../src/errors.js';

describe('exec line splitting', () => {
  it('splits on whitespace and honours single quotes, double quotes and backslashes', () => {
    assert.deepEqual(splitCommandLine(`config:set app 'A=hello world' "B=say \\"hi\\"" C=x\\ y`), ['config:set', 'app', 'A=hello world', 'B=say "hi"', 'C=x y']);
  });
  it('keeps shell metacharacters as data: nothing is expanded or executed', () => {
    assert.deepEqual(splitCommandLine('hello a;touch /tmp/p $(id) `id` $HOME'), ['hello', 'a;touch', '/tmp/p', '$(id)', '`id`', '$HOME']);
  });
  it('keeps newlines inside quotes', () => {
    assert.deepEqual(splitCommandLine("config:set app 'K=line1\nline2'"), ['config:set', 'app', 'K=line1\nline2']);
  });
  it('refuses an unterminated quote with a clear error', () => {
    assert.throws(() => splitCommandLine("config:set app 'K=oops"), (e: unknown) => e instanceof SlipwayError && /cannot parse command line/.test(e.message));
  });
  it('refuses NUL bytes', () => {
    assert.throws(() => splitCommandLine('hello a\0b'), /NUL/);
  });
});

describe('global flags', () => {
  it('takes --trace, --quiet, --force and --app before the command', () => {
    const { flags, rest } = parseGlobalFlags(['--trace', '--app', 'web', '--quiet', 'config:show', '--trace']);
    assert.deepEqual(flags, { trace: true, quiet: true, force: false, app: 'web' });
    assert.deepEqual(rest, ['config:show', '--trace']);
  });
  it('requires a value for --app', () => {
    assert.throws(() => parseGlobalFlags(['--app']), /--app requires/);
  });
  it('takeFlags separates known options from positionals', () => {
    const r = takeFlags(['--format', 'json', 'app', '--no-restart', 'K=--x'], ['--format=', '--no-restart']);
    assert.equal(r.values.get('--format'), 'json');
    assert.ok(r.set.has('--no-restart'));
    assert.deepEqual(r.positional, ['app', 'K=--x']);
  });
});
