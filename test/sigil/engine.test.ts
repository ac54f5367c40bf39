// Slipway's sigil engine (src/sigil/) against Go text/template's semantics as gliderlabs/sigil runs
// them: the expected outputs and error texts below are what Go 1.19's text/template printed for the
// same templates with sigil's variable handling (checked while writing these tests).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { render, SigilError } from '../../src/sigil/index.js';

const r = (template: string, vars: Record<string, string> = {}) => render(template, vars, { name: 't.sigil', env: {} });
const fails = (template: string, message: RegExp | string, vars: Record<string, string> = {}) => {
  assert.throws(() => r(template, vars), (error: unknown) => {
    assert.ok(error instanceof SigilError, String(error));
    assert.doesNotMatch(error.message, /\n/);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
};

describe('sigil engine (Go text/template semantics)', () => {
  describe('text, trim markers and comments', () => {
    it('copies text and trims whitespace beside {{- and -}} (newlines included)', () => {
      assert.equal(r('a {{- " b " -}} c'), 'a b c');
      assert.equal(r('a\n  {{- if true }}\n  b\n  {{- end }}\nc {{ "x" -}}\n\n  d\n'), 'a\n  b\nc xd\n');
    });

    it('{{-3}} is the number -3, {{- 3}} trims', () => {
      assert.equal(r('a {{- 3}} b {{3 -}} c {{-3}}'), 'a3 b 3c -3');
    });

    it('drops comments, trimming around {{- /* */ -}}', () => {
      assert.equal(r('x {{/* comment */}} y'), 'x  y');
      assert.equal(r('x {{- /* comment */ -}} y'), 'xy');
      assert.equal(r('{{/* multi\nline */}}x\n{{- /* c */ -}}\n y'), 'xy');
    });

    it('joins two actions split by a backslash before the newline, as sigil does', () => {
      assert.equal(r('{{ "a" \\}}\n{{ "b" }}'), 'ab');
    });
  });

  describe('variables', () => {
    it('exposes each variable as $VAR, .VAR and $.VAR; a missing one prints <no value>', () => {
      assert.equal(r('{{ $X }}|{{ .X }}|{{ $.X }}|{{ .NOPE }}|{{ $Y }}', { X: '1,2' }), '1,2|1,2|1,2|<no value>|<no value>');
    });

    it('scopes := to its control structure; = assigns the outer variable', () => {
      assert.equal(r('{{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }}{{ $x }}'), 'innerouter');
      assert.equal(r('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}'), 'b');
      assert.equal(r('{{ $u := "x" }}{{ range $i, $v := split "," "1,2" }}{{ $u = $v }}{{ end }}{{ $u }}'), '2');
      assert.equal(r('{{ $a := 1 }}{{ with $b := "w" }}{{ $b }}{{ $a }}{{ end }}'), 'w1');
      // A declaration prints nothing.
      assert.equal(r('[{{ $x := "v" }}]'), '[]');
    });

    it('a field of a string is an error; of a missing value, nothing', () => {
      fails('{{ .X.Y }}', 'template: t.sigil:1:3: executing "t.sigil" at <.X.Y>: can\'t evaluate field Y in type interface {}', { X: 'v' });
      fails('{{ $X.Y }}', /can't evaluate field Y in type string$/, { X: 'v' });
      assert.equal(r('{{ .NOPE.Y }}'), '<no value>');
    });
  });

  describe('truth, if, with', () => {
    it('Go\'s truth: empty string, 0, 0.0, false, nil and empty lists are false; "false" is true', () => {
      assert.equal(r('{{ if "" }}T{{ else }}F{{ end }}{{ if "false" }}T{{ end }}{{ if 0 }}T{{ else }}F{{ end }}{{ if 0.0 }}T{{else}}F{{end}}'), 'FTFF');
      assert.equal(r('{{ if .EMPTY }}T{{ else }}F{{ end }}{{ if .NOPE }}T{{ else }}F{{ end }}', { EMPTY: '' }), 'FF');
      assert.equal(r('{{ if split "," "" }}T{{ end }}'), 'T');
    });

    it('else if chains and with / else', () => {
      const t = '{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}';
      assert.deepEqual([r(t, { A: '1' }), r(t, { B: '1' }), r(t)], ['a', 'b', 'c']);
      assert.equal(r('{{ with "v" }}{{ . }}{{ else }}no{{ end }}{{ with "" }}{{ . }}{{ else }}no{{ end }}'), 'vno');
    });

    it('actions may span lines', () => {
      assert.equal(r('{{ if\n  eq .X "1,2"\n}}multi{{ end }}', { X: '1,2' }), 'multi');
    });
  });

  describe('range', () => {
    it('one variable gets the element, two get index and element; dot is the element', () => {
      assert.equal(r('{{ range $i, $v := split "," "a,b,c" }}{{ $i }}={{ $v }};{{ end }}'), '0=a;1=b;2=c;');
      assert.equal(r('{{ range $v := split "," "a,b" }}{{ $v }}{{ . }}{{ end }}'), 'aabb');
    });

    it('split of an empty string still gives one empty element (why Dokku guards with if)', () => {
      assert.equal(r('{{ range split "," "" }}[{{ . }}]{{ else }}none{{ end }}'), '[]');
    });

    it('else for nothing to iterate; maps in key order; break and continue', () => {
      assert.equal(r('{{ range $v := .NOPE }}x{{ else }}empty{{ end }}'), 'empty');
      assert.equal(r('{{ range $k, $v := splitkv "=" (split " " "b=2 a=1 c") }}{{ $k }}:{{ $v }} {{ end }}'), 'a:1 b:2 c:true ');
      assert.equal(r('{{ range $i, $v := split " " "a b c d" }}{{ if eq $v "b" }}{{ continue }}{{ end }}{{ if eq $v "d" }}{{ break }}{{ end }}{{ $v }}{{ end }}'), 'ac');
    });

    it('range variables end with the range', () => {
      // sigil declares every $name of the text up front, so $i after the range is its (empty) top one.
      assert.equal(r('{{ range $i, $e := split "," "a,b" }}{{ $i }}{{ end }}{{ $i }}'), '01<no value>');
    });
  });

  describe('pipelines and functions', () => {
    it('passes the previous stage as the last argument', () => {
      assert.equal(r('{{ $.X | split "," | join "+" }}', { X: '1,2' }), '1+2');
      assert.equal(r('{{ "x" | printf "%s-%s" "y" }}'), 'y-x');
      assert.equal(r('{{ replace "a" "b" "banana" | upper }}'), 'BBNBNB');
      assert.equal(r('{{ (split "," "a,b") | len }}'), '2');
    });

    it('and/or return an operand and stop early; not, eq with several, ne, lt, le, gt, ge', () => {
      assert.equal(r('{{ and "a" "" "c" }}|{{ and "a" "b" }}|{{ or "" 0 "z" }}|{{ or "" 0 }}|{{ not "" }}'), '|b|z|0|true');
      assert.equal(r('{{ or "x" (index .NOPE 1) }}'), 'x');
      assert.equal(r('{{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ lt "abc" "abd" }} {{ gt 2 1 }} {{ le 2 2 }} {{ ge 1 2 }}'), 'true true true true true false');
      assert.equal(r('{{ eq .NOPE "x" }} {{ eq .NOPE .NOPE2 }}'), 'false true');
      fails('{{ eq 1 "1" }}', /error calling eq: incompatible types for comparison$/);
    });

    it('len counts bytes; index and slice; printf, print, println', () => {
      assert.equal(r('{{ len "héllo" }} {{ index (split " " "a b c") 1 }} {{ slice "abcdef" 1 3 }} {{ index "abc" 1 }}'), '6 b bc 98');
      assert.equal(r('{{ printf "%s-%d-%5.2f-%q-%v-%-4s|%03d" "a" 42 3.14159 "q\\"" (split " " "x y") "ab" 7 }}'), 'a-42- 3.14-"q\\""-[x y]-ab  |007');
      assert.equal(r('{{ printf "%d %s" 1 }}|{{ printf "%d" "x" }}|{{ printf "%s" "a" "b" }}'), '1 %!s(MISSING)|%!d(string=x)|a%!(EXTRA string=b)');
      assert.equal(r('{{ printf "%x %X %o %b %c %t %e %g" 255 255 8 5 65 true 1234.5678 0.000012345 }}'), 'ff FF 10 101 A true 1.234568e+03 1.2345e-05');
      // The verb, flags and width go to each element of a list or map (keys sorted); %+v adds no sign.
      assert.equal(r('{{ printf "%q|%d|%3s|%+v" (split " " "x y") (split " " "x y") (splitkv "=" (split " " "b=1 a=2")) 5 }}'),
        '["x" "y"]|[%!d(string=x) %!d(string=y)]|map[  a:  2   b:  1]|5');
      assert.equal(r('{{ print "a" "b" 1 2 "c" 3.5 true }}'), 'ab1 2c3.5 true');
      assert.equal(r('{{ println "a" 1 }}x'), 'a 1\nx');
      fails('{{ index .NOPE 1 }}', /error calling index: index of untyped nil$/);
      fails('{{ index (split "," "a") 3 }}', /error calling index: index out of range: 3$/);
    });

    it('Go literals: hex, underscores, runes, floats, octal, escapes, raw strings', () => {
      assert.equal(r('{{ 0x10 }} {{ 1_000 }} {{ \'a\' }} {{ 1.5e3 }} {{ -3 }} {{ 1.0 }} {{ 1e21 }} {{ 0.00001 }} {{ 0755 }} {{ 100000000.0 }}'),
        '16 1000 97 1500 -3 1 1e+21 1e-05 493 1e+08');
      assert.equal(r('{{ "a\\tb\\u00e9" }} {{ `raw\\n` }}'), 'a\tbé raw\\n');
    });

    it('html, js, urlquery escape as Go does', () => {
      assert.equal(r('{{ html "<a href=\'x\'>&\\"" }} {{ js "it\'s <b>" }} {{ urlquery "a b&c/d" }}'),
        '&lt;a href=&#39;x&#39;&gt;&amp;&#34; it\\\'s \\u003Cb\\u003E a+b%26c%2Fd');
    });

    it('sigil\'s string functions: default, trim, lower, capitalize, indent, substr, match, seq, uniq, drop, append', () => {
      assert.equal(r('{{ default "d" "" }} {{ default "d" .X }} {{ default "d" .NOPE }} {{ default "d" 0 }}', { X: 'x' }), 'd x d d');
      assert.equal(r('[{{ trim "  a b \\n" }}] {{ lower "AbC" }} {{ capitalize "hello wide-world" }}'), '[a b] abc Hello Wide-World');
      assert.equal(r('{{ "a\\nb\\n\\nc" | indent "  " }}'), 'a\n  b\n\n  c');
      assert.equal(r('{{ substr "1:3" "abcdef" }} {{ match "*.conf" "x.conf" }} {{ match "*.conf" "a/x.conf" }}'), 'bc true false');
      assert.equal(r('{{ range seq 3 }}{{ . }}{{ end }} {{ seq "2" | join "," }}'), '012 0,1');
      assert.equal(r('{{ uniq (split "," "a,b,a") (split "," "c,b") | join "," }} {{ split "," "a.conf,b.txt" | drop "*.txt" | join "," }} {{ split "," "a" | append "z" | join "," }}'),
        'a,b,c a.conf a,z');
      assert.equal(r('{{ splitkv "=" (split " " "b=2 a=1") | tojson }} {{ tojson "<&>" }}'), '{"a":"1","b":"2"} "\\u003c\\u0026\\u003e"');
    });

    it('file, include (with variables, relative to the template\'s folder), exists, json, var', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-'));
      try {
        fs.writeFileSync(path.join(dir, 'part.sigil'), 'part {{ $.NAME }}/{{ $OUTER }}');
        fs.writeFileSync(path.join(dir, 'data.json'), '{"a": {"b": [1, "x"]}, "n": 2}');
        const opts = { name: 'main', paths: [dir], env: { HOME_X: 'hx' } };
        assert.equal(render('{{ include "part.sigil" "NAME=n1" }}', { OUTER: 'o' }, opts), 'part n1/<no value>');
        assert.equal(render('{{ file "part.sigil" | len }} {{ exists "part.sigil" }} {{ exists "nope" }}', {}, opts), '30 true false');
        assert.equal(render('{{ $d := json "data.json" }}{{ index $d.a.b 1 }} {{ $d.n }} {{ pointer "/a/b/0" $d }}', {}, opts), 'x 2 1');
        assert.equal(render('{{ var "HOME_X" }} {{ var "V" }}', { V: 'v' }, opts), 'hx v');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('define, template and block', () => {
      assert.equal(r('{{ define "T" }}[{{ . }}]{{ end }}{{ template "T" "hi" }}{{ template "T" }}'), '[hi][<no value>]');
      assert.equal(r('{{ block "B" "x" }}({{ . }}){{ end }}'), '(x)');
      assert.equal(r('{{ define "r" }}{{ if . }}{{ index . 0 }}{{ template "r" (slice . 1) }}{{ end }}{{ end }}{{ template "r" (split "," "a,b,c") }}'), 'abc');
    });

    it('refuses sh and httpget at run time', () => {
      fails('{{ sh "id" }}', /error calling sh: sh is not available in Slipway's sigil/);
    });
  });

  describe('errors: one line naming the template and line', () => {
    it('parse errors', () => {
      fails('ok\n{{ foo }}', 'template: t.sigil:2: function "foo" not defined');
      fails('{{ if }}', 'template: t.sigil:1: missing value for if');
      fails('{{ if true }}x\n', 'template: t.sigil:2: unexpected EOF');
      fails('x\n{{ end }}', 'template: t.sigil:2: unexpected {{end}}');
      fails('{{ "a }}', 'template: t.sigil:1: unterminated quoted string');
      fails('a\n\n{{ .X ', /^template: t.sigil:3: unclosed action$/);
      fails('{{ break }}', 'template: t.sigil:1: {{break}} outside {{range}}');
    });

    it('execution errors name line:column and the command', () => {
      fails('\n  {{ .X 1 }}', 'template: t.sigil:2:5: executing "t.sigil" at <.X>: X is not a method but has arguments', { X: 'v' });
      fails('{{ "a" 1 }}', /at <"a">: can't give argument to non-function "a"$/);
      fails('{{ len 3 }}', /at <len 3>: error calling len: len of type int$/);
      fails('{{ range .NOPE | split " " }}{{ end }}', /at <split " ">: error calling split: split must be given a string$/);
      fails('{{ split "," }}', /wrong number of args for split: want 2 got 1$/);
      fails('{{ nil }}', /nil is not a command$/);
    });
  });

  it('renders Dokku-style nginx templates: a port map, upstreams, conditionals on missing variables', () => {
    const template = [
      '{{ range $port_map := .PROXY_PORT_MAP | split " " }}',
      '{{ $parts := $port_map | split ":" }}{{ $scheme := index $parts 0 }}{{ $listen := index $parts 1 }}',
      '{{ if eq $scheme "http" }}server { listen {{ if $.BIND }}{{ $.BIND }}:{{ end }}{{ $listen }}; proxy_pass http://{{ $.APP }}-{{ index $parts 2 }}; }{{ end }}',
      '{{ end }}',
      '{{ range $upstream_port := $.PROXY_UPSTREAM_PORTS | split " " }}upstream {{ $.APP }}-{{ $upstream_port }} {',
      '{{ range $l := $.DOKKU_APP_WEB_LISTENERS | split " " }}{{ $ip := index ($l | split ":") 0 }}  server {{ $ip }}:{{ $upstream_port }};{{ end }}',
      '}{{ end }}',
    ].join('\n');
    const out = r(template, { APP: 'web', PROXY_PORT_MAP: 'http:80:5000 https:443:5000', PROXY_UPSTREAM_PORTS: '5000', DOKKU_APP_WEB_LISTENERS: '127.0.0.1:5000 127.0.0.2:5000' });
    assert.equal(out.replace(/\n+/g, '\n').trim(),
      'server { listen 80; proxy_pass http://web-5000; }\nupstream web-5000 {\n  server 127.0.0.1:5000;  server 127.0.0.2:5000;\n}');
  });
});
