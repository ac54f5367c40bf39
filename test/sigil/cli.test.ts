// The `sigil` command plugins run (bin/sigil): template from -f FILE, -i TEXT or stdin, KEY=value
// variables, -p POSIX expansion, SIGIL_DELIMS; an error is one line on stderr and exit 1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/settings.js';

const sigil = path.join(packageRoot, 'bin', 'sigil');
const run = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
  execa(sigil, args, { reject: false, input: options.input ?? '', env: options.env, extendEnv: true });

describe('sigil command (bin/sigil)', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-cli-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('-f FILE with KEY=value variables, piped through cat -s the way Dokku plugins do', async () => {
    const file = path.join(dir, 'auth.conf');
    fs.writeFileSync(file, [
      '{{ if $IPS }}', 'satisfy any;', '{{ range $ip := .IPS | split " " }}', 'allow {{ $ip }};', '{{ end }}', 'deny all;', '{{ end }}', '',
      '{{ if $HAS_USERS }}', 'auth_basic "Restricted";', 'auth_basic_user_file {{ $.APP_ROOT }}/htpasswd;', '{{ end }}', '',
    ].join('\n'));
    const r = await execa('bash', ['-c', 'set -o pipefail; "$0" -f "$1" APP_ROOT=/home/dokku/web IPS="10.0.0.1 ::1" HAS_USERS=true | cat -s', sigil, file]);
    assert.equal(r.stdout, '\nsatisfy any;\n\nallow 10.0.0.1;\n\nallow ::1;\n\ndeny all;\n\nauth_basic "Restricted";\nauth_basic_user_file /home/dokku/web/htpasswd;\n');
    const none = await run(['-f', file, 'APP_ROOT=/x', 'HAS_USERS=']);
    assert.equal(none.exitCode, 0);
    assert.equal(none.stdout.trim(), '');
  });

  it('reads the template from stdin, or -i; a word without = is ignored', async () => {
    assert.equal((await run(['A=1', 'junk'], { input: '{{ $A }}-{{ .A }}' })).stdout, '1-1');
    assert.equal((await run(['-i', '{{ .B | upper }}', 'B=x=y'])).stdout, 'X=Y');
  });

  it('-p expands POSIX variables first (defaults, the environment)', async () => {
    const r = await run(['-p', 'name=Sigil'], { input: '${name} is ${mood:-cool} for $USER_X{{ if true }}!{{ end }}', env: { USER_X: 'me' } });
    assert.equal(r.stdout, 'Sigil is cool for me!');
  });

  it('SIGIL_DELIMS changes the delimiters', async () => {
    assert.equal((await run(['-i', '{{ keep }} {{{ $n }}}', 'n=v'], { env: { SIGIL_DELIMS: '{{{,}}}' } })).stdout, '{{ keep }} v');
  });

  it('an error is one line on stderr naming file:line, exit 1, nothing on stdout', async () => {
    const file = path.join(dir, 'bad.sigil');
    fs.writeFileSync(file, 'ok\n{{ if $X }}\n{{ nope $X }}\n{{ end }}\n');
    const r = await run(['-f', file]);
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [1, '', 'template: bad.sigil:3: function "nope" not defined']);
    const missing = await run(['-f', path.join(dir, 'none.sigil')]);
    assert.deepEqual([missing.exitCode, missing.stderr], [1, `open ${path.join(dir, 'none.sigil')}: no such file or directory`]);
    const exec = await run(['-i', 'x\n{{ index .L 5 }}']);
    assert.equal(exec.exitCode, 1);
    assert.match(exec.stderr, /^template: <inline>:2:3: executing "<inline>" at <index .L 5>: error calling index: index of untyped nil$/);
  });

  it('-v prints a version; an unknown flag is a usage error', async () => {
    assert.match((await run(['-v'])).stdout, /^\d+\.\d+\.\d+/);
    const r = await run(['-z']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /unknown flag: -z/);
  });

  it('-V/--vars-file: variables from JSON, YAML or dotenv files, in order, KEY=value arguments over them (sigil\'s own cases)', async () => {
    const write = (name: string, text: string) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };
    const json = write('v.json', '{"name": "Jeff"}\n');
    assert.equal((await run(['-V', json], { input: 'Hello, {{ $name }}' })).stdout, 'Hello, Jeff');
    assert.equal((await run(['-V', write('v.yaml', 'name: Jeff\n')], { input: 'Hello, {{ $name }}' })).stdout, 'Hello, Jeff');
    assert.equal((await run(['--vars-file', write('v.yml', 'name: Jeff\n')], { input: 'Hello, {{ $name }}' })).stdout, 'Hello, Jeff');
    assert.equal((await run(['-V', write('a.env', '# a comment\nname=Jeff\n')], { input: 'Hello, {{ $name }}' })).stdout, 'Hello, Jeff');
    assert.equal((await run(['-V', write('b.env', 'name="Jeff Doe"\n')], { input: 'Hello, {{ $name }}' })).stdout, 'Hello, Jeff Doe');
    assert.equal((await run(['-V', write('c.env', 'export name=Jeff\n')], { input: 'Hello, {{ $name }}' })).stdout, 'Hello, Jeff');
    assert.equal((await run(['-V', json, 'name=CLIJeff'], { input: 'Hello, {{ $name }}' })).stdout, 'Hello, CLIJeff');
    const first = write('first.json', '{"name": "First", "color": "red"}');
    const second = write('second.json', '{"name": "Second"}');
    assert.equal((await run(['-V', first, `--vars-file=${second}`], { input: '{{ $name }},{{ $color }}' })).stdout, 'Second,red');
    assert.equal((await run(['-p', '-V', json], { input: 'Hello, ${name}' })).stdout, 'Hello, Jeff');
    // Structured values stay structured; a YAML file's keys become strings all the way down (so jmespath reads them); only strings reach `var`.
    const data = write('d.yaml', 'num: 3\nlist: [a, b]\nmap: {1: one, k: [x]}\n');
    assert.equal((await run(['-V', data], { input: '{{ $num }} {{ index $list 1 }} {{ $map }} {{ jmespath "k[0]" $map }} {{ var "num" }}|' })).stdout, '3 b map[1:one k:[x]] x |');
    // dotenv: values after ` #` are comments, ${VAR} takes an earlier key, single quotes are raw.
    const env = write('e.env', 'A = spaced value # comment\nB=${A}!\nC=\'$A raw\'\nD="x\\ny"\n');
    assert.equal((await run(['-V', env], { input: '{{ $A }}|{{ $B }}|{{ $C }}|{{ $D }}' })).stdout, 'spaced value|spaced value!|$A raw|x\ny');
  });

  it('-V errors name the file: missing, not parsing, not a mapping', async () => {
    const missing = path.join(dir, 'missing.json');
    assert.deepEqual(await run(['-V', missing], { input: 'x' }).then((r) => [r.exitCode, r.stdout, r.stderr]),
      [1, '', `failed to read vars file ${missing}: open ${missing}: no such file or directory`]);
    const list = path.join(dir, 'list.yaml');
    fs.writeFileSync(list, '- a\n');
    assert.equal((await run(['-V', list], { input: 'x' })).stderr, `YAML vars file ${list} must contain a mapping at top level`);
    const array = path.join(dir, 'array.json');
    fs.writeFileSync(array, '[1]');
    assert.equal((await run(['-V', array], { input: 'x' })).stderr, `failed to parse JSON vars file ${array}: json: cannot unmarshal array into Go value of type map[string]interface {}`);
    const bad = path.join(dir, 'bad.env');
    fs.writeFileSync(bad, 'bad-key=1\n');
    assert.equal((await run(['-V', bad], { input: 'x' })).stderr, 'unexpected character "-" in variable name near "bad-key=1\\n"');
  });

  it('--in-place without -f is refused, as sigil does', async () => {
    const r = await run(['--in-place', '-i', 'x']);
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [1, '', '--in-place requires -f/--filename']);
  });
});
