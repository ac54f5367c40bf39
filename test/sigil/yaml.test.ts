// sigil's structured-data functions added to Slipway's engine: `yaml` and `toyaml` (gopkg.in/yaml.v2
// 2.4.0 semantics) and `jmespath`. Each expected output is what Go 1.19's text/template with yaml.v2
// 2.4.0 and go-jmespath 0.4.0 (sigil's versions) printed for the same template and input, checked
// while writing these tests; the sigil test suite's own cases are among them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { render, SigilError } from '../../src/sigil/index.js';

describe('sigil yaml, toyaml and jmespath', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-yaml-')); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  /** Renders `template` with the file `in.yaml` (or `in.json`) holding `input`. */
  const r = (template: string, input: string, file = 'in.yaml') => {
    fs.writeFileSync(path.join(dir, file), input);
    return render(template, { F: path.join(dir, file) }, { name: 't', env: {} });
  };
  const roundTrip = (input: string) => r('{{ $.F | yaml | toyaml }}', input);

  it('round-trips a mapping with a list (sigil\'s own test)', () => {
    assert.equal(roundTrip('one: two\nthree:\n- four\n- five\n'), 'one: two\nthree:\n- four\n- five\n');
  });

  it('resolves plain scalars as YAML 1.1 does in yaml.v2, and quotes strings that would read back as something else', () => {
    const input = 'a: yes\nb: "yes"\nc: ~\nd: ""\ne: 0x1F\nf: 0777\ng: 1_000\nh: 1e6\ni: .inf\nj: 2001-12-14\nk: 190:20:30\n'
      + 'l: "- x"\nm: "x: y"\nn: " x"\no: "\\tx"\np: "it\'s"\n';
    // `n` itself is a bool key (false), sorted first: yaml.v2 orders bools and numbers before strings.
    assert.equal(roundTrip(input), 'false: \' x\'\na: true\nb: "yes"\nc: null\nd: ""\ne: 31\nf: 511\ng: 1000\nh: 1e+06\ni: .inf\n'
      + 'j: "2001-12-14"\nk: "190:20:30"\nl: \'- x\'\nm: \'x: y\'\no: "\\tx"\np: it\'s\n');
  });

  it('writes literal blocks, nested lists and mappings, empty collections as yaml.v2 lays them out', () => {
    assert.equal(roundTrip('a: |\n  x\n   y\nb: "x\\n"\nc: [[1, 2], [3]]\nd: [{e: 1, f: {}}]\n'),
      'a: |\n  x\n   y\nb: |\n  x\nc:\n- - 1\n  - 2\n- - 3\nd:\n- e: 1\n  f: {}\n');
    assert.equal(roundTrip('a: "x\\ny"\n'), 'a: |-\n  x\n  y\n');
  });

  it('keeps int and bool keys, sorted by value before the string keys (natural order among those)', () => {
    assert.equal(roundTrip('2: x\n10: y\n1: z\nb: 1\ntrue: 2\na10: 3\na9: 4\n'), 'true: 2\n1: z\n2: x\n10: true\na9: 4\na10: 3\nb: 1\n');
  });

  it('merges `<<` keys from anchors', () => {
    assert.equal(roundTrip('x: &anc {a: 1}\ny:\n  <<: *anc\n  b: 2\n'), 'true:\n  a: 1\n  b: 2\nx:\n  a: 1\n');
  });

  it('writes a multi-line or over-128-byte key as a complex key (`? key` then `: value`)', () => {
    assert.equal(roundTrip('"k\\nl": [1, 2]\na:\n  "k\\nl": x\n'), 'a:\n  ? |-\n    k\n    l\n  : x\n? |-\n  k\n  l\n: - 1\n  - 2\n');
    const long = 'k'.repeat(130);
    assert.equal(roundTrip(`${long}: 1\n`), `? ${long}\n: 1\n`);
  });

  it('a block scalar ending the input without a line break keeps none; !!binary is decoded', () => {
    assert.equal(r('{{ $y := $.F | yaml }}{{ len $y.a }} {{ $y.b }}', 'b: !!binary aGVsbG8=\na: |\n  x'), '1 hello');
    assert.equal(r('{{ $y := $.F | yaml }}{{ len $y.a }}', 'a: |\n  x\n'), '2');
  });

  it('folds a long plain value past column 80', () => {
    const words = Array(20).fill('word').join(' ');
    assert.equal(roundTrip(`a: ${words}\n`), `a: ${Array(16).fill('word').join(' ')}\n  word word word word\n`);
  });

  it('yaml values print and index as Go values; nothing at all is nil', () => {
    assert.equal(r('{{ $y := $.F | yaml }}{{ $y.a }} {{ $y.b }} {{ index $y.b 2 }} {{ $y.c.d }} {{ $y }}', 'a: 1\nb: [x, 2.5, yes]\nc: {d: null}\n'),
      '1 [x 2.5 true] true <no value> map[a:1 b:[x 2.5 true] c:map[d:<nil>]]');
    assert.equal(r('{{ $.F | yaml }}|{{ $.F | yaml | toyaml }}', ''), '<no value>|null\n');
    assert.equal(r('{{ $.F | yaml | tojson }}', 'joe:\n  age: 32\n  color: red'), '{"joe":{"age":32,"color":"red"}}');
  });

  it('a YAML error is the call\'s one-line error', () => {
    assert.throws(() => r('{{ $.F | yaml }}', 'a: [1\n'), (error: unknown) => {
      assert.ok(error instanceof SigilError);
      assert.match(error.message, /^template: t:1:\d+: executing "t" at <yaml>: error calling yaml: yaml: /);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  it('jmespath searches JSON data (sigil\'s own test); a mapping from yaml is nothing to it, as to go-jmespath', () => {
    const people = '[{"name":"bob","age":20},{"name":"jim","age":30},{"name":"joe","age":40}]';
    assert.equal(r('{{ $.F | json | jmespath "[? age >= `30`].name | reverse(@)" | join "," }}', people, 'in.json'), 'joe,jim');
    assert.equal(r('{{ $.F | json | jmespath "[0]" }} {{ $.F | json | jmespath "length(@)" }} {{ $.F | json | jmespath "[].age | sum(@)" }} {{ $.F | json | jmespath "foo" }}', people, 'in.json'),
      'map[age:20 name:bob] 3 90 <no value>');
    assert.equal(r('{{ $y := $.F | yaml }}{{ jmespath "b[1]" $y }} {{ jmespath "[1]" $y.b }}', 'a: 1\nb: [x, 2.5]\n'), '<no value> 2.5');
    assert.throws(() => r('{{ $.F | json | jmespath "[" }}', people, 'in.json'), /error calling jmespath: JmesPath compileerror: /);
    // A literal between backticks is JSON to go-jmespath: a bare word is refused with encoding/json's words.
    assert.throws(() => r('{{ $.F | json | jmespath "[?name == `jim`]" }}', people, 'in.json'),
      /error calling jmespath: JmesPath compileerror: invalid character 'j' looking for beginning of value$/);
    assert.throws(() => r('{{ $.F | json | jmespath "[?name == `tru`]" }}', people, 'in.json'),
      /JmesPath compileerror: invalid character ' ' in literal true \(expecting 'e'\)$/);
    assert.equal(r('{{ $.F | json | jmespath "[?name == `\\"jim\\"`].age" }}', people, 'in.json'), '[30]');
    // JSON numbers are floats, selected or computed: Go prints a million as 1e+06.
    assert.equal(r('{{ $j := $.F | json }}{{ jmespath "a" $j }} {{ jmespath "length(b)" $j }}', '{"a":1000000,"b":[1,2.5]}', 'in.json'), '1e+06 2');
    assert.throws(() => r('{{ $.F | json | jmespath "abs(@)" }}', people, 'in.json'), /error calling jmespath: JmesPath search error: /);
  });
});
