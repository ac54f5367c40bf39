// 10.4: command lines longer than one SSH packet (ssh2 reads at most 35,000 bytes) get one clear
// line and exit 1 instead of a silent disconnect; long values go on stdin with config:import.
import assert from 'node:assert/strict';
import { TestServer } from '../helpers/server.js';
import { parseImport } from '../../src/core/config/import.js';

const value = (bytes: number, fill = 'v') => fill.repeat(bytes);

describe('10.4 faults: long command lines and config:import', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    assert.equal((await server.ssh(['apps:create', 'longapp'])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', 'longapp', 'KEEP=kept'])).code, 0);
  });
  after(async () => { await server?.stop(); });

  it('10.4 config:set with a 40 KB value over the real ssh client: one clear line and exit 1, not a silent disconnect', async () => {
    const r = await server.ssh(['config:set', '--no-restart', 'longapp', `BIG=${value(40 * 1024)}`]);
    assert.equal(r.code, 1, `exit ${r.code}, stderr: ${JSON.stringify(r.stderr)}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^ !     Command line too long: .*35000 bytes.*config:import APP < \.env/);
    assert.equal(r.stdout, '');
    // Nothing changed, and the server still serves.
    assert.equal((await server.ssh(['config:get', 'longapp', 'BIG'])).code, 1);
    assert.equal((await server.ssh(['config:get', 'longapp', 'KEEP'])).stdout, 'kept');
  });

  it('10.4 a command line just under the limit still works', async () => {
    const line = `config:set --no-restart longapp NEAR=${value(34_000)}`;
    const r = await server.ssh([line]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await server.ssh(['config:get', 'longapp', 'NEAR'])).stdout, value(34_000));
  });

  it('10.4 config:import reads 200 KB values from stdin over ssh', async () => {
    const huge = value(200 * 1024, 'h');
    const other = 'a "b" $HOME `id` $(id)';
    const input = `# imported\nexport HUGE=${huge}\nOTHER='${other}'\n`;
    const r = await server.ssh(['config:import', '--no-restart', 'longapp'], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /-----> Reading config vars from stdin\n-----> Setting config vars\n/);
    assert.equal((await server.ssh(['config:get', 'longapp', 'HUGE'])).stdout, huge);
    assert.equal((await server.ssh(['config:get', 'longapp', 'OTHER'])).stdout, other);
    assert.equal((await server.ssh(['config:get', 'longapp', 'KEEP'])).stdout, 'kept', 'other keys are kept');
  });

  it('10.4 config:import --replace, --format json, and `-` for stdin (Dokku\'s contract)', async () => {
    const r = await server.ssh(['config:import', '--no-restart', '--replace', '--format', 'json', 'longapp', '-'], { input: '{"ONLY": "one", "TWO": "2"}' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await server.ssh(['config:keys', 'longapp'])).stdout, 'ONLY\nTWO');
  });

  it('10.4 config:import refuses bad input with one line and changes nothing', async () => {
    const before = (await server.ssh(['config:export', '--format', 'json', 'longapp'])).stdout;
    const app = ['config:import', '--no-restart', 'longapp'];
    for (const [input, args, message] of [
      ['GOOD=1\n1BAD=2\n', app, /Invalid key name: '1BAD'/],
      ['GOOD=1\nnot a pair\n', app, /line 2: expected KEY=VALUE/],
      ["GOOD='open\n", app, /line 1: the value of GOOD has no closing '/],
      ['# nothing\n\n', app, /No config vars to set/],
      ['[1,2]', [...app, '--format', 'json'], /expected an object/],
      ['GOOD=1\n', [...app, '--format', 'yaml'], /Unknown format: yaml/],
      ['', [...app, '/etc/passwd'], /Over SSH, config:import reads stdin/],
    ] as const) {
      const r = await server.ssh([...args], { input });
      assert.equal(r.code, 1, `${JSON.stringify(input)}: ${r.stderr}`);
      const errors = r.stderr.trimEnd().split('\n');
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0], message);
    }
    assert.equal((await server.ssh(['config:export', '--format', 'json', 'longapp'])).stdout, before);
  });

  it('10.4 dotenv as Dokku reads it: export, quotes, escapes, comments, multi-line, last one wins', () => {
    const env = parseImport([
      'export A=plain value # a comment',
      "B='single $HOME \\n kept'",
      'C="double\\nline \\"q\\" \\$HOME"',
      '  D = spaced  ',
      'E="first',
      'second"',
      'F=',
      'A=again',
      'G=a#b',
      '',
    ].join('\r\n'), 'envfile');
    assert.deepEqual(Object.fromEntries(env), {
      A: 'again',
      B: 'single $HOME \\n kept',
      C: 'double\nline "q" $HOME',
      D: 'spaced',
      E: 'first\nsecond',
      F: '',
      G: 'a#b',
    });
  });
});
